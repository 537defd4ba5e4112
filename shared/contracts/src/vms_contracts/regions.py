"""The 17 시·도 and the national scope, as 2-digit 법정동 codes.

Subjects carry the region (`vms.<region>.<service>.<event>`), so this table is the one place that says which
codes exist. Administrative mergers happen: codes that were replaced stay as aliases, with the date they changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator

NATIONAL = "00"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    short: str
    council_homepage: str | None
    code_1365: str | None
    """7-digit 행정기관코드 used by 1365's open API (`sidoCd`)."""


REGIONS: dict[str, Region] = {
    r.code: r
    for r in (
        Region("00", "전국", "전국", "www.vms.or.kr", None),
        Region("11", "서울특별시", "서울", "s-win.or.kr", "6110000"),
        Region("26", "부산광역시", "부산", "bswin.net", "6260000"),
        Region("27", "대구광역시", "대구", "twin.or.kr", "6270000"),
        Region("28", "인천광역시", "인천", "welpia.or.kr", "6280000"),
        Region("29", "광주광역시", "광주", "gjwelfare.or.kr", "6290000"),
        Region("30", "대전광역시", "대전", "djbokji.or.kr", "6300000"),
        Region("31", "울산광역시", "울산", "wel4u.or.kr", "6310000"),
        Region("36", "세종특별자치시", "세종", "sjcsw.or.kr", "5690000"),
        Region("41", "경기도", "경기", "ggcsw.or.kr", "6410000"),
        Region("43", "충청북도", "충북", "cwin.or.kr", "6430000"),
        Region("44", "충청남도", "충남", "cncsw.or.kr", "6440000"),
        Region("46", "전라남도", "전남", "jncsw.or.kr", "6460000"),
        Region("47", "경상북도", "경북", "gbcsw.or.kr", "6470000"),
        Region("48", "경상남도", "경남", "gpcsw.or.kr", "6480000"),
        Region("50", "제주특별자치도", "제주", "jejubokji.net", "6500000"),
        Region("51", "강원특별자치도", "강원", "kwcsw.or.kr", "6530000"),
        Region("52", "전북특별자치도", "전북", "jbcsw.or.kr", "6540000"),
    )
}


@dataclass(frozen=True)
class LegacyCode:
    code: str
    replaced_by: str
    until: date


LEGACY_CODES: dict[str, LegacyCode] = {
    "42": LegacyCode("42", "51", date(2023, 6, 11)),  # 강원도 → 강원특별자치도
    "45": LegacyCode("45", "52", date(2024, 1, 18)),  # 전라북도 → 전북특별자치도
}


class UnknownRegion(ValueError):
    pass


def normalize_region(code: str) -> str:
    """Return the current code for `code`, mapping legacy codes (42, 45) to their successors."""
    code = code.strip()
    if code in REGIONS:
        return code
    if code in LEGACY_CODES:
        return LEGACY_CODES[code].replaced_by
    known = ", ".join(sorted(REGIONS))
    raise UnknownRegion(
        f"알 수 없는 지역 코드입니다: {code!r} (사용 가능: {known}) / "
        f"unknown region code {code!r}; known codes: {known}"
    )


RegionCode = Annotated[str, AfterValidator(normalize_region)]
"""A 2-digit region code, validated and normalized at every boundary."""
