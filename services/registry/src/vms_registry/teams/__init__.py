"""Community service teams (지역사회봉사단): an individual or a group of 5 or more applies to the regional council,
which appoints (위촉) or declines it, and places an appointed team at an accredited centre of its region. Anyone
finds appointed and placed teams by region, field and skill (전문봉사 → 지역사회봉사단 조회)."""
