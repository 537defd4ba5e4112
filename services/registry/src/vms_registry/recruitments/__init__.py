"""Recruitments (봉사자모집), applications, placement and orientation: a centre posts a recruitment, volunteers
search and apply (봉사신청 → 봉사자모집 및 신청), the centre accepts and places them (배치), after its orientation
(소양교육) when the recruitment asks for it (brochure §3, steps 2 and 4)."""
