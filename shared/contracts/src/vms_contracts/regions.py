"""The 17 시·도 and the national scope, as 2-digit 법정동 codes.

Subjects carry the region (`vms.<region>.<service>.<event>`), so this table is the one place that says which
codes exist. Administrative mergers happen: codes that were replaced stay as aliases, with the date they changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, Strict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

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

PROVINCES: tuple[str, ...] = tuple(sorted(code for code in REGIONS if code != NATIONAL))
"""The 17 시·도: where a volunteer lives and a centre stands (never `00`, which is the national scope)."""


def check_province(code: str) -> str:
    """One of the 17 시·도 as it is coded today; a replaced code is refused with its successor named, not mapped,
    so that what a client sends is what is stored."""
    if code in PROVINCES:
        return code
    if code in LEGACY_CODES:
        legacy = LEGACY_CODES[code]
        raise PydanticCustomError(
            "region_replaced",
            "{code} was replaced by {successor} on {changed}",
            {
                "code": code,
                "successor": legacy.replaced_by,
                "name": REGIONS[legacy.replaced_by].name,
                "changed": legacy.until.isoformat(),
            },
        )
    raise PydanticCustomError(
        "region_province",
        "not one of the {count} province codes: {codes}",
        {"count": len(PROVINCES), "codes": ", ".join(PROVINCES)},
    )


class _Provinces:
    """Checked by `check_province`, shown in the JSON schema as the list of the 17 codes."""

    def __get_pydantic_core_schema__(self, source: object, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(check_province, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "enum": list(PROVINCES)}


ProvinceCode = Annotated[str, Strict(), _Provinces()]
"""A 2-digit 시·도 code as a client sends it: one of the 17, written as a string."""
