"""Reference data of the brochure, defined once: the councils, the activity taxonomy (봉사활동 분류), the fields of
community service teams (지역사회봉사단) and the 시·군·구 under each 시·도.

Every service, the gateway's forms and the registry's reference tables (loaded by a migration) read these; a code
stored anywhere is one of the codes here. Korean names are what users see; the English ones mirror them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Annotated

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, Strict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from vms_contracts.regions import NATIONAL, REGIONS

NATIONAL_LINE = "1688-1090"
"""전국 어디서나 국번없이 1688-1090 (평일 09:00–18:00): the nationwide line that reaches every regional council."""


# -- councils ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Council:
    region: str
    """`00` for the central council (중앙회), else the 2-digit 시·도 code of the regional council."""
    name: str
    homepage: str
    phone: str
    address: str | None = None


def _council(region: str, name: str, phone: str = NATIONAL_LINE) -> Council:
    homepage = REGIONS[region].council_homepage
    assert homepage is not None
    return Council(region, name, f"www.{homepage}", phone)


COUNCILS: tuple[Council, ...] = (
    Council(
        NATIONAL,
        "한국사회복지협의회 (중앙회)",
        "www.vms.or.kr",
        "02-2077-3995",
        "(04195) 서울특별시 마포구 만리재로 14 한국사회복지회관 4층",
    ),
    _council("11", "서울특별시사회복지협의회"),
    _council("26", "부산광역시사회복지협의회"),
    _council("27", "대구광역시사회복지협의회"),
    _council("28", "인천광역시사회복지협의회"),
    _council("29", "광주광역시사회복지협의회"),
    _council("30", "대전광역시사회복지협의회"),
    _council("31", "울산광역시사회복지협의회"),
    _council("41", "경기도사회복지협의회"),
    _council("51", "강원특별자치도사회복지협의회"),
    _council("43", "충청북도사회복지협의회"),
    _council("44", "충청남도사회복지협의회"),
    _council("52", "전북특별자치도사회복지협의회"),
    _council("46", "전라남도사회복지협의회"),
    _council("47", "경상북도사회복지협의회"),
    _council("48", "경상남도사회복지협의회"),
    _council("50", "제주특별자치도사회복지협의회"),
    _council("36", "세종특별자치시사회복지협의회", "044-862-0404"),
)
"""사회복지자원봉사인증관리본부: the central council and the 17 시·도 사회복지협의회, in the brochure's order, with
the homepages it lists. The brochure gives its own number to the central council and to 세종; the others are
reached through the nationwide line."""


def council_of(region: str) -> Council:
    """The council of `region` (`00`: the central council); the central council for a code that has none."""
    return _COUNCIL_BY_REGION.get(region, COUNCILS[0])


_COUNCIL_BY_REGION = {council.region: council for council in COUNCILS}


# -- activity taxonomy -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    code: str
    ko: str
    en: str


class ActivityType(StrEnum):
    """봉사활동 분류: the five types of the brochure."""

    HOME = "home"
    """재가봉사: at the homes of people in need."""
    FACILITY = "facility"
    """시설봉사: at welfare facilities."""
    PROFESSIONAL = "professional"
    """전문봉사: with professional skills."""
    COMMUNITY = "community"
    """지역사회봉사: for the local community."""
    OVERSEAS = "overseas"
    """해외봉사: abroad (e.g. South-East Asia, Africa)."""


ACTIVITY_TYPE_LABELS: dict[ActivityType, Label] = {
    ActivityType.HOME: Label("home", "재가봉사", "Home visits"),
    ActivityType.FACILITY: Label("facility", "시설봉사", "At facilities"),
    ActivityType.PROFESSIONAL: Label("professional", "전문봉사", "Professional skills"),
    ActivityType.COMMUNITY: Label("community", "지역사회봉사", "Community"),
    ActivityType.OVERSEAS: Label("overseas", "해외봉사", "Overseas"),
}

_DAILY_LIFE = Label("daily_life", "생활지원", "Daily living support")
_EDUCATION = Label("education", "교육지원", "Education support")
_EMOTIONAL = Label("emotional", "정서지원", "Emotional support")

SUB_FIELDS: dict[ActivityType, tuple[Label, ...]] = {
    ActivityType.HOME: (
        _DAILY_LIFE,
        _EDUCATION,
        _EMOTIONAL,
        Label("social", "사회활동지원 (차량지원, 외출동행)", "Social activity support (transport, outings)"),
    ),
    ActivityType.FACILITY: (
        _DAILY_LIFE,
        _EDUCATION,
        _EMOTIONAL,
        Label("social", "사회활동지원", "Social activity support"),
        Label("leisure", "여가선용", "Leisure"),
        Label("employment", "취업지원", "Employment support"),
        Label("office", "업무보조", "Office assistance"),
        Label("maintenance", "시설정비", "Facility maintenance"),
        Label("events", "행사보조", "Event assistance"),
    ),
    ActivityType.PROFESSIONAL: (
        Label("counselling", "전문상담", "Professional counselling"),
        Label("medical", "의료지원", "Medical support"),
        _EDUCATION,
        Label("technical", "기술지원", "Technical support"),
        Label("languages", "외국어지원", "Foreign languages"),
    ),
    ActivityType.COMMUNITY: (
        Label("housing", "주거환경개선", "Housing improvement"),
        Label("environment", "환경보호", "Environmental protection"),
        Label("traffic", "교통편익증진", "Traffic and transport"),
        Label("arts", "예술", "Arts"),
        Label("culture", "문화", "Culture"),
        Label("sports", "생활체육", "Community sports"),
        Label("civil_guidance", "민원안내", "Civil service guidance"),
        Label("administration", "행정지원", "Administrative support"),
        Label("civic", "시민운동 및 조직활동", "Civic movements and organising"),
    ),
    ActivityType.OVERSEAS: (
        Label("education_culture", "교육·문화", "Education and culture"),
        Label("technology", "기술", "Technology"),
        Label("agriculture", "농림·수산", "Agriculture, forestry and fisheries"),
        Label("health", "보건·의료", "Health and medical care"),
    ),
}
"""Each type's sub-fields (세부분야), as the brochure lists them. A sub-field's code is unique within its type."""


def sub_field(activity_type: ActivityType, code: str) -> Label:
    """The sub-field `code` of `activity_type`; a code the type does not have is refused, naming the ones it has."""
    for label in SUB_FIELDS[activity_type]:
        if label.code == code:
            return label
    raise PydanticCustomError(
        "sub_field_unknown",
        "{activity_type} has no sub-field {code}; it has: {codes}",
        {
            "field": "sub_field",
            "activity_type": activity_type.value,
            "activity_type_name": ACTIVITY_TYPE_LABELS[activity_type].ko,
            "code": code,
            "codes": ", ".join(label.code for label in SUB_FIELDS[activity_type]),
        },
    )


# -- community service teams ---------------------------------------------------------------------------------------


class TeamField(StrEnum):
    """지역사회봉사단의 8개 활동분야."""

    SKILLS = "skills"
    EDUCATION = "education"
    COUNSELLING = "counselling"
    LABOUR = "labour"
    OPERATIONS = "operations"
    HEALTH = "health"
    CULTURE = "culture"
    TRAFFIC = "traffic"


@dataclass(frozen=True)
class TeamFieldLabel:
    code: str
    ko: str
    en: str
    examples_ko: str
    examples_en: str


TEAM_FIELD_LABELS: dict[TeamField, TeamFieldLabel] = {
    TeamField.SKILLS: TeamFieldLabel(
        "skills",
        "기술·기능",
        "Skills and trades",
        "디자인, 벽화, 전기·가스 점검, 집수리, 도배",
        "design, murals, electric and gas checks, house repair, wallpapering",
    ),
    TeamField.EDUCATION: TeamFieldLabel(
        "education",
        "교육·학습",
        "Education and learning",
        "나눔·경제교육, 저소득가정 학습지도",
        "sharing and economics education, tutoring for low-income families",
    ),
    TeamField.COUNSELLING: TeamFieldLabel(
        "counselling",
        "상담·정보",
        "Counselling and information",
        "법률·세무 상담, 멘토링, 취업정보",
        "legal and tax advice, mentoring, job information",
    ),
    TeamField.LABOUR: TeamFieldLabel(
        "labour",
        "노력·행정",
        "Labour and administration",
        "기관 노력봉사, 청소",
        "labour and cleaning for institutions",
    ),
    TeamField.OPERATIONS: TeamFieldLabel(
        "operations",
        "운영·지원",
        "Operations and support",
        "재활도우미, 가정방문, 프로그램 보조",
        "rehabilitation helper, home visits, programme assistance",
    ),
    TeamField.HEALTH: TeamFieldLabel(
        "health",
        "보건·의료",
        "Health and medical care",
        "무료진료, 호스피스, 간호, 방문, 운동 도우미",
        "free care, hospice, nursing, visits, exercise help",
    ),
    TeamField.CULTURE: TeamFieldLabel(
        "culture",
        "문화·예술",
        "Culture and arts",
        "음악, 연극, 지역축제",
        "music, theatre, local festivals",
    ),
    TeamField.TRAFFIC: TeamFieldLabel(
        "traffic",
        "교통·환경",
        "Traffic and environment",
        "교통정리, 이동봉사, 환경캠페인",
        "traffic control, transport service, environment campaigns",
    ),
}


# -- 시·군·구 ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    code: str
    """5-digit 법정동 시군구 code; its first two digits are its 시·도."""
    region: str
    name: str


@cache
def districts() -> dict[str, District]:
    """Every 시·군·구 by code (`data/districts.csv`, its source named in `data/README.md`)."""
    text = (files("vms_contracts") / "data" / "districts.csv").read_text(encoding="utf-8")
    return {row["code"]: District(row["code"], row["region"], row["name"]) for row in csv.DictReader(text.splitlines())}


def districts_of(region: str) -> list[District]:
    return [district for district in districts().values() if district.region == region]


def check_district(code: str) -> str:
    """A 시·군·구 code of the list; any other is refused with the shape of a good one."""
    if code in districts():
        return code
    raise PydanticCustomError(
        "district_unknown",
        "{code} is not a 시·군·구 code (5 digits, e.g. 11110 for 서울특별시 종로구)",
        {"code": code[:10]},
    )


def district_in_region(district: str, region: str) -> None:
    """A district lies in the 시·도 it is given with: `11110` (종로구) with region `26` (부산) is refused."""
    found = districts().get(district)
    if found is not None and found.region != region:
        raise PydanticCustomError(
            "district_region",
            "district {district} lies in region {district_region}, not {region}",
            {
                "field": "district",
                "district": district,
                "district_name": found.name,
                "district_region": found.region,
                "region": region,
                "region_name": REGIONS[region].name if region in REGIONS else region,
            },
        )


class _Districts:
    """Checked by `check_district`, shown in the JSON schema as a 5-digit code."""

    def __get_pydantic_core_schema__(self, source: object, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(check_district, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {
            **handler(schema),
            "pattern": "^[0-9]{5}$",
            "description": "5-digit 시·군·구 code (법정동코드의 앞 5자리), e.g. 11110 = 서울특별시 종로구",
        }


DistrictCode = Annotated[str, Strict(), _Districts()]
"""A 시·군·구 code as a client sends it: one of `districts()`."""
