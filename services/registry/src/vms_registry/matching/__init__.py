"""Matching (희망봉사활동 → 배치): the recruitments that fit what a volunteer registered as their wish, the volunteers
that fit a recruitment, and the best of them announced when it is posted (brochure §3, steps 3 and 4: placement by
desired field, 희망분야, and skills, 특기)."""
