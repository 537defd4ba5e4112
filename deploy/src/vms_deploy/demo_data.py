"""A demo region that reads like a real one: management centres over the region's real 시·군·구, volunteers with
Korean names, phones and wishes, the recruitments those centres post for every activity type and sub-field, and
community service teams appointed by the regional council.

`generate` makes it from a seed (`faker`'s `ko_KR` locale for names and streets, our own vocabulary for the
welfare field), with nothing random left: the same seed gives the same centres, the same people and the same
titles. Each centre, volunteer, recruitment and team draws from a seed of its own (seed, region, kind, number),
so a bigger region keeps the smaller one as its beginning. Only the recruitments' periods move with the day of
the load: they start this week.

`load` sends it through the registry's own requests, as the people of the brochure would make them (the central
council registers and accredits the centres, a centre's manager posts its recruitments, volunteers sign up, a
team's leader applies and the regional council appoints), many requests in flight at once. Loading again adds nothing:
a centre is known by its name in its region, a volunteer by login id and who they are, a recruitment by its title
at its centre, a team by its name in its region.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid5

from faker import Faker
from faststream.nats import NatsBroker
from nats.errors import Error as NatsError
from pydantic import BaseModel

import vms_deploy.messages  # noqa: F401  (registers the operator's texts)
from vms_contracts.actor import GATEWAY_ISSUER, Actor, Role
from vms_contracts.reference import (
    SUB_FIELDS,
    ActivityType,
    District,
    TeamField,
    districts_of,
)
from vms_contracts.regions import REGIONS
from vms_contracts.rpc import Rpc
from vms_contracts.rpc import registry as rpc
from vms_contracts.rpc.registry import (
    GUARDIAN_AGE,
    CentreKind,
    CentreStatus,
    CentreStatusChange,
    CentreView,
    DayPart,
    DesiredActivity,
    Eligibility,
    GuardianRelation,
    PlaceTeam,
    PostRecruitment,
    RecordGuardianConsent,
    RecruitmentDetails,
    RegisterCentre,
    RegisterVolunteer,
    School,
    SchoolLevel,
    SearchRecruitments,
    SearchTeams,
    TeamApplicationKind,
    TeamRef,
    TeamStatus,
    TeamView,
    TimeSlot,
    VolunteerView,
    Weekday,
)
from vms_contracts.rpc.registry import ApplyTeam as ApplyTeamRequest
from vms_contracts.subjects import Bus, inbox_prefix
from vms_contracts.types import KST
from vms_deploy.supervisor import DEMO_ACCOUNTS_FILE, KEYS_FILE, both
from vms_platform.actor import ActorSigner, private_key
from vms_platform.messages import Text, register, text
from vms_platform.rpc import RemoteError, RpcClient, ServiceTimeout, ServiceUnavailable
from vms_platform.settings import redacted

register(
    {
        "DEMO_LOADED": Text(
            "✓ 데모 데이터 ({region}): 관리센터 {centres}곳, 봉사자 {volunteers}명 (보호자 동의 {guardians}명), "
            "봉사자모집 {recruitments}건, 지역사회봉사단 {teams}개 — 이번에 기록 {added}건, {seconds}초",
            "✓ demo data ({region}): {centres} centres, {volunteers} volunteers ({guardians} with a guardian's "
            "consent), {recruitments} recruitments, {teams} community teams — {added} written now, {seconds} s",
        ),
        "DEMO_SKIPPED": Text(
            "{what}: 레지스트리가 {operation} 요청에 응답하지 않아 건너뛰었습니다",
            "{what}: skipped, the registry does not answer {operation}",
        ),
        "DEMO_REFUSED": Text(
            "{what} {count}건을 넣지 못했습니다. 첫 번째 사유: {reason}",
            "{what}: {count} could not be loaded. The first reason: {reason}",
        ),
        "DEMO_WHAT_CENTRES": Text("관리센터", "centres"),
        "DEMO_WHAT_ACCREDITATION": Text("관리센터 인증", "centre accreditation"),
        "DEMO_WHAT_VOLUNTEERS": Text("봉사자", "volunteers"),
        "DEMO_WHAT_GUARDIANS": Text("보호자 동의", "guardian consents"),
        "DEMO_WHAT_RECRUITMENTS": Text("봉사자모집", "recruitments"),
        "DEMO_WHAT_TEAMS": Text("지역사회봉사단", "community teams"),
        "DEMO_NO_KEY": Text(
            "요청에 서명할 게이트웨이 키가 없습니다: VMS_GATEWAY_ACTOR_KEY를 주거나, `vms up`이 만든 키가 있는 "
            "데이터 폴더를 --data로 지정하세요 ({file} 없음).",
            "no gateway key to sign the requests with: set VMS_GATEWAY_ACTOR_KEY, or name the data folder whose "
            "`vms up` made one with --data ({file} is missing).",
        ),
    }
)

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res", bound=BaseModel)

DEFAULT_SEED = 1365
IN_FLIGHT = 32
"""Requests sent at once: enough to keep a registry busy, few enough for SQLite's one writer."""
RPC_TIMEOUT = 15.0
"""Seconds one request may take: a registry on SQLite answers a burst of sign-ups one writer at a time."""

SCHOOL_YEAR = 2026
"""The school year the students' grades are counted in (학년), fixed so that a volunteer generated today is the same
person, in the same grade, when the demo is loaded again next year (the registry knows a person by who they are)."""

AREA_CODES: dict[str, str] = {
    "11": "02",
    "26": "051",
    "27": "053",
    "28": "032",
    "29": "062",
    "30": "042",
    "31": "052",
    "36": "044",
    "41": "031",
    "43": "043",
    "44": "041",
    "46": "061",
    "47": "054",
    "48": "055",
    "50": "064",
    "51": "033",
    "52": "063",
}
"""The telephone area code (지역번호) of each 시·도: a centre's phone starts with its region's."""

NAMING_WORDS = (
    "행복", "희망", "사랑", "햇살", "무지개", "꿈나무", "새싹", "푸른", "늘푸른", "한마음", "은빛", "해맑은",
    "다솜", "나눔", "기쁨", "소망", "샘터", "열린", "참사랑", "동그라미", "별빛", "하늘", "새봄", "미소",
    "온누리", "아름", "민들레", "해바라기", "보람", "누리",
)  # fmt: skip
"""Words Korean welfare facilities are named with (`햇살지역아동센터`, `은빛노인복지관`)."""

TALENTS = (
    "피아노", "기타", "바이올린", "수화", "컴퓨터", "요리", "제과제빵", "미용", "사진", "영상편집", "영어",
    "중국어", "일본어", "베트남어", "심리상담", "간호", "물리치료", "운전", "목공", "전기", "도배", "집수리",
    "그림", "서예", "댄스", "노래", "마술", "풍선아트", "한글지도", "수학지도", "체육", "바둑", "레크리에이션",
    "디자인", "뜨개질", "코딩",
)  # fmt: skip
"""특기 volunteers name, as they write them."""
STUDENT_TALENTS = ("피아노", "영어", "컴퓨터", "댄스", "그림", "노래", "바이올린", "체육", "코딩", "영상편집")
SENIOR_TALENTS = ("서예", "요리", "바둑", "뜨개질", "노래", "한글지도", "운전", "목공", "수화")

SUBJECTS = ("수학", "영어", "국어", "과학", "독서", "한자")
COUNTRIES = ("베트남", "캄보디아", "라오스", "필리핀", "몽골", "네팔", "탄자니아", "케냐", "우간다", "미얀마")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
"""Addresses of made-up people go to the domains reserved for examples, never to a real mailbox."""


# -- vocabulary of the welfare field ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CentreName:
    kind: CentreKind
    pattern: str
    """`{place}`: the 시·군·구 without its suffix (`마포`); `{district}`: its full name without spaces (`마포구`);
    `{word}`: a naming word (`햇살`)."""


CENTRE_NAMES: tuple[tuple[CentreName, ...], ...] = (
    (
        CentreName(CentreKind.COMMUNITY_WELFARE, "{place}종합사회복지관"),
        CentreName(CentreKind.COMMUNITY_WELFARE, "{word}종합사회복지관"),
    ),
    (
        CentreName(CentreKind.ELDERLY, "{place}노인종합복지관"),
        CentreName(CentreKind.ELDERLY, "{word}노인복지관"),
        CentreName(CentreKind.ELDERLY, "{word}요양원"),
    ),
    (
        CentreName(CentreKind.LOCAL_CHILDREN, "{word}지역아동센터"),
        CentreName(CentreKind.LOCAL_CHILDREN, "{place}{word}지역아동센터"),
    ),
    (
        CentreName(CentreKind.DISABLED, "{place}장애인종합복지관"),
        CentreName(CentreKind.DISABLED, "{word}장애인주간보호센터"),
    ),
    (CentreName(CentreKind.CHILDREN, "{word}보육원"), CentreName(CentreKind.CHILDREN, "{place}아동복지센터")),
    (
        CentreName(CentreKind.WOMEN_FAMILY, "{district}가족센터"),
        CentreName(CentreKind.WOMEN_FAMILY, "{place}여성인력개발센터"),
    ),
    (CentreName(CentreKind.MENTAL_HEALTH, "{district}정신건강복지센터"),),
    (CentreName(CentreKind.HOMELESS, "{word}의집"), CentreName(CentreKind.HOMELESS, "{place}노숙인자활센터")),
    (
        CentreName(CentreKind.PUBLIC_AGENCY, "{district}자원봉사센터"),
        CentreName(CentreKind.OTHER, "{district}사회복지협의회"),
    ),
)
CENTRE_KIND_WEIGHTS = (20, 20, 20, 12, 5, 8, 5, 3, 7)
"""How often each group of `CENTRE_NAMES` is drawn: welfare centres, the elderly's and local children's centres
are most of the facilities that take volunteers."""


@dataclass(frozen=True)
class Template:
    """A recruitment as centres post it: its title and description (`{centre}`, `{phone}`, `{place}`, `{subject}`,
    `{country}`, `{district}`, `{year}` filled in) and what goes with them."""

    activity_type: ActivityType
    sub_field: str
    title: str
    description: str
    place: str = "{centre}"
    kinds: frozenset[CentreKind] = frozenset()
    """The kinds of centre that post it; empty: any."""
    weekdays: tuple[tuple[Weekday, ...], ...] = ((Weekday.SAT,),)
    hours: tuple[tuple[str, str], ...] = (("10:00", "12:00"),)
    eligibility: tuple[tuple[Eligibility, ...], ...] = ((Eligibility.ADULT, Eligibility.YOUTH),)
    orientation: bool = False
    days: tuple[int, int] = (30, 120)
    """How long it runs, from–to days after its start; (0, 0): one day."""
    weight: int = 3


MON, TUE, WED, THU, FRI, SAT, SUN = Weekday
ADULT, YOUTH, GROUP = Eligibility
K = CentreKind
WEEKDAYS = (MON, TUE, WED, THU, FRI)
ELDERLY = frozenset({K.ELDERLY, K.COMMUNITY_WELFARE})
CHILDREN = frozenset({K.LOCAL_CHILDREN, K.CHILDREN, K.COMMUNITY_WELFARE})
DISABLED = frozenset({K.DISABLED, K.COMMUNITY_WELFARE})
ABROAD = frozenset({K.COMMUNITY_WELFARE, K.PUBLIC_AGENCY, K.OTHER})

_CONTACT = "\n■ 문의: {centre} 자원봉사 담당 {phone}"


def _t(activity_type: ActivityType, sub_field: str, title: str, description: str, **rest: Any) -> Template:
    return Template(activity_type, sub_field, title, description + _CONTACT, **rest)


HOME, FACILITY, PROFESSIONAL, COMMUNITY, OVERSEAS = ActivityType

TEMPLATES: tuple[Template, ...] = (
    # 재가봉사
    _t(
        HOME, "daily_life", "독거어르신 밑반찬 배달 봉사자 모집",
        "■ 활동내용: {centre}에서 준비한 밑반찬을 홀로 사시는 어르신 댁에 전해 드리고 안부를 여쭙습니다.\n"
        "■ 활동방법: 2인 1조로 {district} 관내 5~6가구를 방문합니다. 첫 활동 전 안전교육이 있습니다.",
        place="{district} 관내 어르신 댁", kinds=frozenset({K.ELDERLY, K.COMMUNITY_WELFARE, K.PUBLIC_AGENCY}),
        weekdays=((TUE,), (THU,), (TUE, THU)), hours=(("10:00", "12:00"), ("14:00", "16:00")),
        eligibility=((ADULT,),), orientation=True, weight=5,
    ),
    _t(
        HOME, "daily_life", "저소득 가정 방문 청소·정리정돈 봉사",
        "■ 활동내용: 몸이 불편해 집안일이 어려운 가정을 찾아가 청소와 정리정돈을 돕습니다.\n"
        "■ 준비물: 편한 복장 (청소 도구는 {centre}에서 준비합니다)",
        place="{district} 관내 대상 가정", kinds=frozenset({K.COMMUNITY_WELFARE, K.PUBLIC_AGENCY, K.DISABLED}),
        weekdays=((SAT,), (WED,)), hours=(("10:00", "13:00"),), eligibility=((ADULT,), (ADULT, GROUP)),
        orientation=True,
    ),
    _t(
        HOME, "education", "다문화가정 아동 방문 학습지도 ({subject})",
        "■ 활동내용: 방과 후 아동의 가정을 찾아가 {subject} 숙제를 함께 하고 책을 읽어 줍니다.\n"
        "■ 자격: 아동을 좋아하고 한 학기 이상 꾸준히 활동할 수 있는 분",
        place="{district} 관내 대상 가정", kinds=frozenset({K.WOMEN_FAMILY, K.COMMUNITY_WELFARE}),
        weekdays=((MON, WED), (TUE, THU)), hours=(("16:00", "18:00"), ("17:00", "19:00")),
        eligibility=((ADULT,),), orientation=True, days=(90, 180),
    ),
    _t(
        HOME, "education", "장애아동 가정방문 놀이·학습 지원",
        "■ 활동내용: 장애아동의 가정을 방문해 놀이와 기초 학습을 함께 합니다. 첫 방문은 담당 사회복지사와 "
        "동행합니다.\n■ 특수교육, 아동학 전공자 우대",
        place="{district} 관내 대상 가정", kinds=DISABLED,
        weekdays=((WED,), (FRI,)), hours=(("15:00", "17:00"),), eligibility=((ADULT,),), orientation=True,
        days=(90, 180),
    ),
    _t(
        HOME, "emotional", "어르신 말벗 및 안부 확인 봉사자 모집",
        "■ 활동내용: 홀로 지내시는 어르신께 주 1회 전화를 드리고 월 2회 찾아뵙고 말벗이 되어 드립니다.\n"
        "■ 활동 후 안부 일지를 작성합니다.",
        place="{district} 관내 어르신 댁", kinds=frozenset({K.ELDERLY, K.COMMUNITY_WELFARE, K.PUBLIC_AGENCY}),
        weekdays=((MON,), (WED,), (FRI,)), hours=(("10:00", "12:00"), ("14:00", "16:00")),
        eligibility=((ADULT,),), orientation=True, days=(60, 180), weight=5,
    ),
    _t(
        HOME, "emotional", "정신건강 회복 중인 이웃 안부 방문",
        "■ 활동내용: 지역사회에서 회복 중인 이웃을 정기적으로 만나 산책하고 이야기를 나눕니다.\n"
        "■ 활동 전 정신건강 이해 교육 2시간을 이수합니다.",
        place="{district} 관내 대상 가정", kinds=frozenset({K.MENTAL_HEALTH}),
        weekdays=((TUE,), (THU,)), hours=(("14:00", "16:00"),), eligibility=((ADULT,),), orientation=True,
        days=(90, 180),
    ),
    _t(
        HOME, "social", "거동이 불편한 어르신 병원 외출 동행",
        "■ 활동내용: 병원 진료와 장보기 등 외출이 필요한 어르신과 동행합니다. 차량은 {centre}에서 지원합니다.",
        place="{centre} (집결 후 이동)", kinds=ELDERLY,
        weekdays=((TUE,), (THU,), (MON, FRI)), hours=(("09:30", "12:30"), ("13:30", "16:30")),
        eligibility=((ADULT,),), orientation=True,
    ),
    _t(
        HOME, "social", "장애인 나들이 차량 지원 봉사 (운전 가능자)",
        "■ 활동내용: 휠체어 리프트 차량을 운전해 이용인의 병원, 관공서 외출을 돕습니다.\n"
        "■ 자격: 1종 또는 2종 보통 운전면허 소지자, 운전경력 3년 이상",
        place="{centre} 주차장 (집결)", kinds=DISABLED,
        weekdays=((MON,), (WED,), (FRI,)), hours=(("09:00", "13:00"),), eligibility=((ADULT,),), orientation=True,
    ),
    # 시설봉사
    _t(
        FACILITY, "daily_life", "어르신 말벗 및 식사 보조 봉사자 모집",
        "■ 활동내용: 점심시간에 어르신들의 배식과 식사를 돕고 식사 후 말벗이 되어 드립니다.\n"
        "■ 준비물: 앞치마, 편한 복장 (위생모와 장갑은 제공합니다)",
        place="{centre} 1층 식당", kinds=ELDERLY,
        weekdays=(WEEKDAYS, (MON, WED, FRI), (TUE, THU)), hours=(("11:00", "13:30"), ("11:30", "13:30")),
        eligibility=((ADULT, YOUTH), (ADULT, YOUTH, GROUP)), days=(60, 180), weight=8,
    ),
    _t(
        FACILITY, "daily_life", "무료급식소 배식 및 설거지 봉사",
        "■ 활동내용: 무료급식소에서 배식과 설거지, 식당 정리를 맡습니다.\n"
        "■ 단체 참여는 사전에 인원을 알려 주세요.",
        place="{centre} 급식소", kinds=frozenset({K.HOMELESS, K.COMMUNITY_WELFARE}),
        weekdays=(WEEKDAYS, (SAT,), (SAT, SUN)), hours=(("10:30", "13:30"),),
        eligibility=((ADULT, YOUTH, GROUP), (ADULT, YOUTH)), days=(60, 180), weight=5,
    ),
    _t(
        FACILITY, "daily_life", "장애인 주간보호센터 점심 식사 보조",
        "■ 활동내용: 이용인들의 점심 식사를 곁에서 돕고 양치와 정리를 지원합니다.",
        place="{centre} 식당", kinds=frozenset({K.DISABLED}),
        weekdays=(WEEKDAYS, (TUE, THU)), hours=(("11:30", "13:30"),), eligibility=((ADULT,), (ADULT, YOUTH)),
        orientation=True, days=(60, 180),
    ),
    _t(
        FACILITY, "education", "지역아동센터 학습지도 ({subject})",
        "■ 활동내용: 초등학생들의 {subject} 공부를 소그룹(3~4명)으로 도와줍니다.\n"
        "■ 자격: 대학생 이상, 한 학기 이상 활동 가능한 분 우대",
        place="{centre} 학습실", kinds=frozenset({K.LOCAL_CHILDREN}),
        weekdays=((MON, WED), (TUE, THU), (MON, WED, FRI)), hours=(("15:00", "17:00"), ("16:00", "18:00")),
        eligibility=((ADULT,),), orientation=True, days=(90, 180), weight=8,
    ),
    _t(
        FACILITY, "education", "방과후 독서지도 봉사",
        "■ 활동내용: 아이들과 함께 책을 읽고 독서 기록장 쓰기를 지도합니다.\n■ 동화 구연 경험자 우대",
        place="{centre} 도서실", kinds=CHILDREN,
        weekdays=((TUE,), (THU,), (FRI,)), hours=(("16:00", "17:30"),), eligibility=((ADULT,), (ADULT, YOUTH)),
        days=(60, 120),
    ),
    _t(
        FACILITY, "education", "어르신 한글교실 보조강사",
        "■ 활동내용: 한글교실 수업 시간에 어르신 옆에서 받아쓰기와 읽기를 도와드립니다.",
        place="{centre} 교육실", kinds=ELDERLY,
        weekdays=((MON, WED), (TUE, THU)), hours=(("10:00", "12:00"),), eligibility=((ADULT,),), days=(90, 180),
    ),
    _t(
        FACILITY, "emotional", "아동 놀이활동 및 정서지원 봉사",
        "■ 활동내용: 아이들과 보드게임, 만들기, 산책을 함께 하며 정서적으로 지지해 줍니다.\n"
        "■ 꾸준히 같은 아이들을 만날 수 있는 분을 찾습니다.",
        kinds=CHILDREN, weekdays=((SAT,), (SUN,), (WED,)), hours=(("10:00", "12:00"), ("14:00", "16:00")),
        eligibility=((ADULT, YOUTH), (ADULT,)), orientation=True, weight=5,
    ),
    _t(
        FACILITY, "emotional", "요양원 어르신 손마사지·말벗 봉사",
        "■ 활동내용: 생활실을 돌며 어르신께 손마사지를 해 드리고 이야기 상대가 되어 드립니다.",
        place="{centre} 생활실", kinds=frozenset({K.ELDERLY}),
        weekdays=((SAT,), (SUN,), (TUE,)), hours=(("14:00", "16:00"),),
        eligibility=((ADULT, YOUTH), (ADULT, YOUTH, GROUP)), weight=4,
    ),
    _t(
        FACILITY, "social", "장애인 문화체험 나들이 동행",
        "■ 활동내용: 이용인들과 함께 박물관과 공원으로 나들이를 가서 이동과 식사를 돕습니다.\n"
        "■ 1:1로 동행하며, 출발 전 30분 동안 유의사항을 안내합니다.",
        kinds=DISABLED, weekdays=((SAT,), (FRI,)), hours=(("09:30", "16:00"),),
        eligibility=((ADULT,), (ADULT, GROUP)), days=(0, 0),
    ),
    _t(
        FACILITY, "social", "어르신 가을나들이 보조",
        "■ 활동내용: 어르신들의 나들이에 동행해 버스 승하차와 이동, 점심 식사를 돕습니다.",
        kinds=ELDERLY, weekdays=((THU,), (FRI,)), hours=(("09:00", "15:00"),),
        eligibility=((ADULT, YOUTH), (ADULT, YOUTH, GROUP)), days=(0, 0),
    ),
    _t(
        FACILITY, "leisure", "어르신 노래교실 반주 봉사 (피아노)",
        "■ 활동내용: 노래교실 시간에 피아노 반주를 맡고 어르신들과 함께 노래합니다.\n■ 자격: 피아노 반주 가능자",
        place="{centre} 강당", kinds=ELDERLY,
        weekdays=((THU,), (TUE,)), hours=(("10:00", "11:30"),), eligibility=((ADULT, YOUTH),), days=(60, 120),
    ),
    _t(
        FACILITY, "leisure", "아동 미술놀이 프로그램 보조",
        "■ 활동내용: 토요 미술놀이 시간에 재료를 준비하고 아이들의 만들기를 돕습니다.",
        place="{centre} 프로그램실", kinds=CHILDREN,
        weekdays=((SAT,),), hours=(("10:00", "12:00"),), eligibility=((ADULT, YOUTH),),
    ),
    _t(
        FACILITY, "leisure", "주말 보드게임·레크리에이션 진행",
        "■ 활동내용: 주말 여가 프로그램에서 보드게임과 레크리에이션을 진행합니다.\n"
        "■ 레크리에이션 지도 경험자 우대",
        place="{centre} 프로그램실", kinds=frozenset({K.DISABLED, K.COMMUNITY_WELFARE, K.LOCAL_CHILDREN}),
        weekdays=((SAT,), (SUN,)), hours=(("14:00", "16:00"),), eligibility=((ADULT, YOUTH),),
    ),
    _t(
        FACILITY, "employment", "발달장애인 직업훈련 보조",
        "■ 활동내용: 직업훈련 프로그램(포장, 제과)에서 강사를 도와 훈련생 곁에서 실습을 지원합니다.",
        place="{centre} 직업훈련실", kinds=frozenset({K.DISABLED}),
        weekdays=((MON, WED), (TUE, THU)), hours=(("10:00", "12:00"), ("13:00", "15:00")),
        eligibility=((ADULT,),), orientation=True, days=(60, 120),
    ),
    _t(
        FACILITY, "employment", "경력단절여성 컴퓨터 교육 보조",
        "■ 활동내용: 컴퓨터 활용 교육(문서 작성, 엑셀) 시간에 수강생의 실습을 돕습니다.\n"
        "■ 컴퓨터 활용 능력이 있는 분 우대",
        place="{centre} 교육장", kinds=frozenset({K.WOMEN_FAMILY}),
        weekdays=((TUE, THU),), hours=(("10:00", "12:00"),), eligibility=((ADULT,),), days=(60, 90),
    ),
    _t(
        FACILITY, "office", "사무 보조 봉사 (자료 정리·입력)",
        "■ 활동내용: 프로그램 신청서와 자료를 정리하고 간단한 입력 업무를 돕습니다.\n"
        "■ 청소년 봉사시간 인정 가능",
        place="{centre} 사무실", weekdays=(WEEKDAYS, (MON, WED, FRI)), hours=(("10:00", "12:00"), ("14:00", "17:00")),
        eligibility=((ADULT, YOUTH),), weight=3,
    ),
    _t(
        FACILITY, "office", "후원물품 분류 및 정리 봉사",
        "■ 활동내용: 들어온 후원물품을 종류별로 분류하고 목록을 정리해 나눔 준비를 합니다.",
        place="{centre} 물품보관실", weekdays=((SAT,), (WED,)), hours=(("10:00", "13:00"),),
        eligibility=((ADULT, YOUTH), (ADULT, YOUTH, GROUP)), weight=3,
    ),
    _t(
        FACILITY, "maintenance", "시설 환경정비 및 청소 봉사",
        "■ 활동내용: 시설 주변과 공용공간을 청소하고 정리합니다.\n"
        "■ 준비물: 편한 복장, 운동화 (장갑과 도구는 제공합니다)",
        weekdays=((SAT,), (SUN,)), hours=(("09:00", "12:00"), ("14:00", "17:00")),
        eligibility=((ADULT, YOUTH, GROUP), (GROUP,), (ADULT, YOUTH)), weight=4,
    ),
    _t(
        FACILITY, "maintenance", "텃밭 가꾸기 및 화단 정비 봉사",
        "■ 활동내용: 이용인들과 함께 가꾸는 옥상 텃밭과 화단에 물을 주고 잡초를 뽑습니다.",
        place="{centre} 옥상 텃밭", kinds=frozenset({K.ELDERLY, K.DISABLED, K.COMMUNITY_WELFARE, K.CHILDREN}),
        weekdays=((SAT,), (TUE,)), hours=(("09:00", "11:00"),), eligibility=((ADULT, YOUTH),),
    ),
    _t(
        FACILITY, "events", "{year} 지역주민 나눔바자회 행사 보조",
        "■ 활동내용: 바자회장 설치와 물품 판매, 안내, 행사 후 정리를 맡습니다.\n"
        "■ 당일 오전 9시까지 {place}로 와 주세요.",
        place="{centre} 앞마당", weekdays=((SAT,),), hours=(("09:00", "15:00"),),
        eligibility=((ADULT, YOUTH, GROUP), (ADULT, YOUTH)), days=(0, 0), weight=3,
    ),
    _t(
        FACILITY, "events", "어르신 생신잔치 행사 진행 보조",
        "■ 활동내용: 이달에 생신을 맞은 어르신들의 잔치를 준비하고 진행을 돕습니다.",
        place="{centre} 강당", kinds=ELDERLY, weekdays=((FRI,), (THU,)), hours=(("10:00", "13:00"),),
        eligibility=((ADULT, YOUTH), (ADULT, YOUTH, GROUP)), days=(0, 0),
    ),
    _t(
        FACILITY, "events", "가족 한마당 축제 부스 운영",
        "■ 활동내용: 가족 한마당 축제에서 체험 부스를 맡아 진행하고 참가 가족을 안내합니다.",
        place="{centre} 앞마당", kinds=frozenset({K.WOMEN_FAMILY, K.COMMUNITY_WELFARE, K.LOCAL_CHILDREN}),
        weekdays=((SAT,),), hours=(("10:00", "17:00"),), eligibility=((ADULT, YOUTH, GROUP),), days=(0, 0),
    ),
    # 전문봉사
    _t(
        PROFESSIONAL, "counselling", "청소년 진로상담 자원봉사 (상담 자격 소지자)",
        "■ 활동내용: 청소년의 진로 고민을 듣고 개인 상담과 집단 프로그램을 진행합니다.\n"
        "■ 자격: 청소년상담사, 상담심리사, 진로상담 관련 자격 소지자",
        place="{centre} 상담실", kinds=frozenset({K.COMMUNITY_WELFARE, K.LOCAL_CHILDREN, K.CHILDREN}),
        weekdays=((TUE,), (THU,), (SAT,)), hours=(("19:00", "21:00"), ("10:00", "12:00")),
        eligibility=((ADULT,),), orientation=True, days=(90, 180),
    ),
    _t(
        PROFESSIONAL, "counselling", "마음건강 상담 전문 자원봉사",
        "■ 활동내용: 정신건강 선별검사 결과를 바탕으로 지역주민을 상담하고 필요한 기관을 안내합니다.\n"
        "■ 자격: 정신건강전문요원, 임상심리사, 사회복지사 1급",
        place="{centre} 상담실", kinds=frozenset({K.MENTAL_HEALTH, K.WOMEN_FAMILY}),
        weekdays=((WED,), (SAT,)), hours=(("14:00", "17:00"),), eligibility=((ADULT,),), orientation=True,
        days=(90, 180),
    ),
    _t(
        PROFESSIONAL, "medical", "무료 건강검진 의료봉사 (의사·간호사)",
        "■ 활동내용: 무료 건강검진의 날에 문진과 기초 검사를 맡습니다.\n■ 자격: 의사, 간호사 면허 소지자",
        place="{centre} 강당", kinds=frozenset({K.HOMELESS, K.COMMUNITY_WELFARE}),
        weekdays=((SAT,),), hours=(("09:00", "13:00"),), eligibility=((ADULT,),), days=(0, 0),
    ),
    _t(
        PROFESSIONAL, "medical", "어르신 혈압·혈당 측정 간호 봉사",
        "■ 활동내용: 이용 어르신의 혈압과 혈당을 측정하고 건강 상담을 합니다.\n"
        "■ 자격: 간호사, 간호조무사 면허 소지자",
        place="{centre} 건강관리실", kinds=ELDERLY,
        weekdays=((WED,), (MON, THU)), hours=(("10:00", "12:00"),), eligibility=((ADULT,),), orientation=True,
    ),
    _t(
        PROFESSIONAL, "education", "저소득 가정 청소년 멘토링 학습지도",
        "■ 활동내용: 중·고등학생과 1:1로 만나 {subject} 공부와 진로를 함께 고민하는 멘토가 되어 줍니다.\n"
        "■ 자격: 해당 과목 지도 경험이 있는 성인",
        place="{centre} 멘토링실", kinds=CHILDREN,
        weekdays=((SAT,), (TUE, THU)), hours=(("10:00", "12:00"), ("18:00", "20:00")),
        eligibility=((ADULT,),), orientation=True, days=(90, 180),
    ),
    _t(
        PROFESSIONAL, "education", "아동 코딩교실 강사 봉사",
        "■ 활동내용: 초등 고학년 대상 블록코딩 수업을 맡아 진행합니다. 교재와 노트북은 준비되어 있습니다.\n"
        "■ 자격: 코딩 교육 경험자, 관련 전공 대학생 이상",
        place="{centre} 컴퓨터실", kinds=frozenset({K.LOCAL_CHILDREN, K.COMMUNITY_WELFARE}),
        weekdays=((SAT,), (WED,)), hours=(("10:00", "12:00"), ("16:00", "18:00")), eligibility=((ADULT,),),
        days=(60, 120),
    ),
    _t(
        PROFESSIONAL, "technical", "복지관 컴퓨터 점검·유지보수 봉사",
        "■ 활동내용: 복지관 이용자용 컴퓨터를 점검하고 프로그램 설치와 간단한 수리를 합니다.\n"
        "■ 자격: 컴퓨터 수리 관련 자격증 소지자 또는 현업 종사자",
        place="{centre} 사무실", kinds=frozenset({K.COMMUNITY_WELFARE, K.ELDERLY, K.DISABLED}),
        weekdays=((SAT,),), hours=(("10:00", "13:00"),), eligibility=((ADULT,),),
    ),
    _t(
        PROFESSIONAL, "technical", "저소득 가정 전기·가스 안전점검",
        "■ 활동내용: 노후 주택의 전기 배선과 가스 설비를 점검하고 누전차단기, 콘센트를 교체합니다.\n"
        "■ 자격: 전기기능사, 가스기능사 등 관련 자격 소지자",
        place="{district} 관내 대상 가정", kinds=frozenset({K.COMMUNITY_WELFARE, K.PUBLIC_AGENCY}),
        weekdays=((SAT,), (SUN,)), hours=(("09:00", "13:00"),), eligibility=((ADULT,), (ADULT, GROUP)),
    ),
    _t(
        PROFESSIONAL, "languages", "결혼이주여성 한국어 교육 봉사",
        "■ 활동내용: 결혼이주여성의 한국어 초급·중급 수업을 맡거나 보조합니다.\n"
        "■ 자격: 한국어교원 자격 소지자 또는 한국어 교육 경험자",
        place="{centre} 교육실", kinds=frozenset({K.WOMEN_FAMILY}),
        weekdays=((TUE, THU), (SAT,)), hours=(("10:00", "12:00"),), eligibility=((ADULT,),), days=(90, 180),
    ),
    _t(
        PROFESSIONAL, "languages", "외국인 주민 통역 봉사 (중국어·베트남어)",
        "■ 활동내용: 상담과 민원 방문에 동행하거나 전화로 통역합니다.\n■ 자격: 중국어 또는 베트남어 통역 가능자",
        place="{centre} 상담실", kinds=frozenset({K.WOMEN_FAMILY, K.PUBLIC_AGENCY, K.COMMUNITY_WELFARE}),
        weekdays=((MON, WED), (FRI,)), hours=(("14:00", "17:00"),), eligibility=((ADULT,),), days=(90, 180),
    ),
    # 지역사회봉사
    _t(
        COMMUNITY, "housing", "사랑의 집수리 봉사",
        "■ 활동내용: {district} 관내 저소득 가정의 낡은 문과 창호, 싱크대를 고칩니다.\n"
        "■ 준비물: 작업복, 운동화 / 점심 제공",
        place="{district} 관내 대상 가정", weekdays=((SAT,),), hours=(("09:00", "16:00"),),
        eligibility=((ADULT,), (ADULT, GROUP)), days=(30, 90), weight=3,
    ),
    _t(
        COMMUNITY, "housing", "저소득 가정 도배·장판 교체 봉사",
        "■ 활동내용: 곰팡이와 습기로 상한 방의 도배와 장판을 새로 합니다. 자재는 {centre}에서 준비합니다.\n"
        "■ 도배 경험이 없어도 현장에서 배우며 함께할 수 있습니다.",
        place="{district} 관내 대상 가정", weekdays=((SAT,),), hours=(("09:00", "16:00"),),
        eligibility=((ADULT,), (ADULT, GROUP)), days=(30, 90), weight=3,
    ),
    _t(
        COMMUNITY, "environment", "{district} 하천 정화 활동",
        "■ 활동내용: 하천 산책로를 걸으며 쓰레기를 줍고 분리배출 캠페인을 합니다.\n"
        "■ 집게와 봉투는 현장에서 나눠 드립니다.",
        place="{district} 하천 산책로", weekdays=((SAT,), (SUN,)), hours=(("09:00", "11:00"), ("15:00", "17:00")),
        eligibility=((ADULT, YOUTH, GROUP), (ADULT, YOUTH)), weight=4,
    ),
    _t(
        COMMUNITY, "environment", "우리 동네 플로깅 (줍깅) 봉사",
        "■ 활동내용: 동네를 가볍게 뛰거나 걸으며 쓰레기를 줍습니다. 가족 단위 참여를 환영합니다.",
        place="{centre} 앞 (집결)", weekdays=((SAT,), (SUN,)), hours=(("08:00", "10:00"),),
        eligibility=((ADULT, YOUTH, GROUP),), weight=4,
    ),
    _t(
        COMMUNITY, "traffic", "등굣길 어린이 교통안전 지도",
        "■ 활동내용: 아침 등교 시간에 학교 앞 횡단보도에서 어린이들의 안전한 등굣길을 지킵니다.\n"
        "■ 조끼와 깃발은 제공합니다.",
        place="{district} 관내 초등학교 앞", weekdays=(WEEKDAYS, (MON, WED, FRI)), hours=(("07:50", "08:50"),),
        eligibility=((ADULT,),), days=(60, 120),
    ),
    _t(
        COMMUNITY, "traffic", "어르신 보행안전 캠페인",
        "■ 활동내용: 경로당과 전통시장 주변에서 어르신 보행안전 수칙을 알리고 야광 반사띠를 나눠 드립니다.",
        place="{district} 전통시장 일대", kinds=frozenset({K.ELDERLY, K.PUBLIC_AGENCY, K.COMMUNITY_WELFARE}),
        weekdays=((WED,), (FRI,)), hours=(("14:00", "16:00"),), eligibility=((ADULT, YOUTH),), days=(0, 30),
    ),
    _t(
        COMMUNITY, "arts", "골목길 벽화 그리기 봉사",
        "■ 활동내용: 낡은 골목 담벼락에 밑그림을 그리고 함께 색을 칠합니다.\n"
        "■ 미술 전공자와 그림을 좋아하는 누구나 환영합니다.",
        place="{district} 골목길 일대", weekdays=((SAT,),), hours=(("10:00", "16:00"),),
        eligibility=((ADULT, YOUTH, GROUP), (ADULT, YOUTH)), days=(0, 30),
    ),
    _t(
        COMMUNITY, "arts", "로비 작은 음악회 연주 봉사",
        "■ 활동내용: 한 달에 한 번 열리는 로비 음악회에서 악기 연주나 노래로 무대에 섭니다.",
        place="{centre} 1층 로비", kinds=frozenset({K.COMMUNITY_WELFARE, K.ELDERLY, K.DISABLED}),
        weekdays=((FRI,), (SAT,)), hours=(("15:00", "16:30"),), eligibility=((ADULT, YOUTH), (ADULT, YOUTH, GROUP)),
        days=(60, 120),
    ),
    _t(
        COMMUNITY, "culture", "다문화가정 전통문화 체험 행사 진행",
        "■ 활동내용: 전통놀이와 한복 체험 부스를 운영하고 참여 가족을 안내합니다.",
        kinds=frozenset({K.WOMEN_FAMILY, K.COMMUNITY_WELFARE}), weekdays=((SAT,),), hours=(("10:00", "16:00"),),
        eligibility=((ADULT, YOUTH), (ADULT, YOUTH, GROUP)), days=(0, 0),
    ),
    _t(
        COMMUNITY, "culture", "마을 축제 문화부스 운영 봉사",
        "■ 활동내용: {district} 마을 축제에서 만들기 체험 부스를 운영하고 쓰레기 분리배출을 안내합니다.",
        place="{district} 마을 축제장", weekdays=((SAT,), (SUN,)), hours=(("13:00", "18:00"),),
        eligibility=((ADULT, YOUTH, GROUP),), days=(0, 0),
    ),
    _t(
        COMMUNITY, "sports", "어르신 건강체조 교실 보조",
        "■ 활동내용: 건강체조 시간에 강사를 도와 어르신들의 동작과 안전을 살핍니다.",
        place="{centre} 체육실", kinds=ELDERLY, weekdays=((TUE, THU),), hours=(("10:00", "11:30"),),
        eligibility=((ADULT, YOUTH),),
    ),
    _t(
        COMMUNITY, "sports", "장애인 생활체육 (보치아) 보조",
        "■ 활동내용: 보치아 교실에서 공을 정리하고 선수들의 경기 진행을 돕습니다.",
        place="{centre} 체육실", kinds=DISABLED, weekdays=((WED,),), hours=(("14:00", "15:30"),),
        eligibility=((ADULT, YOUTH),),
    ),
    _t(
        COMMUNITY, "civil_guidance", "행정복지센터 민원 안내 도우미",
        "■ 활동내용: 민원실을 찾은 주민, 특히 어르신께 번호표와 서류 작성을 안내합니다.",
        place="{district} 행정복지센터 민원실", kinds=frozenset({K.PUBLIC_AGENCY, K.OTHER}),
        weekdays=(WEEKDAYS, (MON, WED, FRI)), hours=(("09:00", "12:00"), ("13:00", "17:00")),
        eligibility=((ADULT,),), days=(60, 120),
    ),
    _t(
        COMMUNITY, "civil_guidance", "무인민원발급기 사용 안내 봉사",
        "■ 활동내용: 무인민원발급기 앞에서 주민등록등본 등 서류 발급을 도와드립니다.",
        place="{district} 구청 민원실", kinds=frozenset({K.PUBLIC_AGENCY, K.OTHER}),
        weekdays=((MON, TUE), (THU, FRI)), hours=(("10:00", "12:00"),), eligibility=((ADULT,),), days=(30, 90),
    ),
    _t(
        COMMUNITY, "administration", "복지 사각지대 발굴 조사 보조",
        "■ 활동내용: 복지 사각지대 발굴 설문을 정리하고 결과를 입력합니다. 개인정보 보호 서약이 필요합니다.",
        kinds=frozenset({K.PUBLIC_AGENCY, K.COMMUNITY_WELFARE, K.OTHER}), weekdays=((TUE, THU), (MON, WED)),
        hours=(("10:00", "12:00"), ("14:00", "16:00")), eligibility=((ADULT,),), orientation=True,
    ),
    _t(
        COMMUNITY, "administration", "자원봉사센터 행정업무 보조",
        "■ 활동내용: 봉사자 모집 안내문을 정리하고 활동 일지를 입력합니다.",
        place="{centre} 사무실", kinds=frozenset({K.PUBLIC_AGENCY, K.OTHER}),
        weekdays=((MON, WED, FRI),), hours=(("14:00", "17:00"),), eligibility=((ADULT, YOUTH),),
    ),
    _t(
        COMMUNITY, "civic", "연탄 나눔 봉사",
        "■ 활동내용: 에너지 취약계층 가정에 연탄을 날라 드립니다. 가족, 동아리, 회사 단체 참여를 환영합니다.\n"
        "■ 준비물: 버려도 되는 옷, 운동화 (토시와 앞치마는 제공합니다)",
        place="{district} 관내 연탄 사용 가구", weekdays=((SAT,),), hours=(("09:00", "13:00"),),
        eligibility=((ADULT, YOUTH, GROUP), (GROUP,)), days=(0, 0), weight=4,
    ),
    _t(
        COMMUNITY, "civic", "사랑의 김장 나눔 행사",
        "■ 활동내용: 배추를 절이고 속을 넣어 담근 김치를 홀몸어르신과 저소득 가정에 전합니다.\n"
        "■ 준비물: 앞치마 (고무장갑과 위생모는 제공합니다)",
        place="{centre} 앞마당", weekdays=((SAT,), (THU,)), hours=(("09:00", "15:00"),),
        eligibility=((ADULT, YOUTH, GROUP),), days=(0, 0), weight=3,
    ),
    # 해외봉사
    _t(
        OVERSEAS, "education_culture", "{country} 해외봉사단 교육·문화 봉사자 모집",
        "■ 활동내용: {country} 현지 초등학교에서 한국어, 미술, 태권도 수업과 문화교류 행사를 진행합니다.\n"
        "■ 출국 전 국내 사전교육 2회 필수, 항공료 일부 본인 부담",
        place="{country} 현지 협력기관", kinds=ABROAD, weekdays=((*WEEKDAYS, SAT, SUN),), hours=(("09:00", "17:00"),),
        eligibility=((ADULT,), (ADULT, GROUP)), orientation=True, days=(7, 14), weight=1,
    ),
    _t(
        OVERSEAS, "technology", "{country} 컴퓨터교실 구축 봉사",
        "■ 활동내용: 현지 학교에 컴퓨터교실을 꾸미고 교사들에게 사용법을 알려 줍니다.\n"
        "■ 자격: 전기, 컴퓨터 관련 기술 보유자",
        place="{country} 현지 학교", kinds=ABROAD, weekdays=((*WEEKDAYS, SAT),), hours=(("09:00", "17:00"),),
        eligibility=((ADULT,),), orientation=True, days=(7, 14), weight=1,
    ),
    _t(
        OVERSEAS, "agriculture", "{country} 농촌 마을 농업기술 지원 봉사",
        "■ 활동내용: 현지 농가와 함께 작물 재배와 저장 방법을 나누고 마을 공동 텃밭을 만듭니다.",
        place="{country} 농촌 마을", kinds=ABROAD, weekdays=(WEEKDAYS,), hours=(("08:00", "16:00"),),
        eligibility=((ADULT,),), orientation=True, days=(10, 20), weight=1,
    ),
    _t(
        OVERSEAS, "health", "{country} 의료봉사단 (의료인·보조인력)",
        "■ 활동내용: 현지 보건소에서 진료를 돕고 주민들에게 손씻기와 위생 교육을 합니다.\n"
        "■ 자격: 의료인 및 보건 관련 전공자, 보조인력은 누구나",
        place="{country} 현지 보건소", kinds=ABROAD, weekdays=((*WEEKDAYS, SAT),), hours=(("09:00", "17:00"),),
        eligibility=((ADULT,),), orientation=True, days=(7, 10), weight=1,
    ),
)  # fmt: skip
"""Recruitments for every sub-field of every activity type (SEED.md §2), as centres write them."""

FIRST_OF_EACH_SUB_FIELD: tuple[Template, ...] = tuple(
    next(t for t in TEMPLATES if (t.activity_type, t.sub_field) == (activity_type, label.code))
    for activity_type, labels in SUB_FIELDS.items()
    for label in labels
)
"""One recruitment of each sub-field, posted first so that even a small region shows the whole taxonomy."""


@dataclass(frozen=True)
class TeamTemplate:
    field: TeamField
    name: str
    """`{place}` filled in: `마포 집수리 봉사단`."""
    skills: tuple[str, ...]
    description: str


TEAM_TEMPLATES: tuple[TeamTemplate, ...] = (
    TeamTemplate(
        TeamField.SKILLS,
        "{place} 사랑의 집수리 봉사단",
        ("집수리", "도배", "전기·가스 점검"),
        "저소득 가정의 집을 고치고 전기·가스 설비를 점검합니다.",
    ),
    TeamTemplate(
        TeamField.SKILLS, "{place} 벽화사랑 봉사단", ("벽화", "디자인"), "낡은 골목과 복지시설 담장에 벽화를 그립니다."
    ),
    TeamTemplate(
        TeamField.EDUCATION,
        "{place} 희망 공부방 멘토단",
        ("학습지도", "수학지도", "영어"),
        "저소득가정 아이들의 학습을 꾸준히 돕습니다.",
    ),
    TeamTemplate(
        TeamField.EDUCATION,
        "{place} 경제교육 나눔단",
        ("경제교육", "나눔교육"),
        "청소년에게 용돈 관리와 나눔을 가르칩니다.",
    ),
    TeamTemplate(
        TeamField.COUNSELLING,
        "{place} 법률·세무 상담 봉사단",
        ("법률상담", "세무상담"),
        "변호사와 세무사가 어르신과 저소득 가정을 상담합니다.",
    ),
    TeamTemplate(
        TeamField.COUNSELLING,
        "{place} 청년 취업 멘토링단",
        ("멘토링", "취업정보"),
        "현직자가 청년들의 취업 준비를 돕습니다.",
    ),
    TeamTemplate(
        TeamField.LABOUR, "{place} 이웃사랑 청소봉사단", ("청소", "노력봉사"), "복지시설과 홀몸어르신 댁을 청소합니다."
    ),
    TeamTemplate(
        TeamField.OPERATIONS,
        "{place} 재활도우미 봉사단",
        ("재활도우미", "가정방문", "프로그램 보조"),
        "장애인과 어르신의 재활 프로그램을 돕습니다.",
    ),
    TeamTemplate(
        TeamField.HEALTH, "{place} 한방 의료봉사단", ("무료진료", "간호"), "한의사와 간호사가 무료진료를 합니다."
    ),
    TeamTemplate(
        TeamField.HEALTH,
        "{place} 호스피스 돌봄단",
        ("호스피스", "방문간호", "운동 도우미"),
        "말기 환자와 가족 곁을 지킵니다.",
    ),
    TeamTemplate(TeamField.CULTURE, "{place} 실버 합창단", ("음악", "노래"), "요양원과 복지관을 찾아 공연합니다."),
    TeamTemplate(
        TeamField.CULTURE, "{place} 마을극단", ("연극", "지역축제"), "마을 축제와 복지시설에서 연극을 올립니다."
    ),
    TeamTemplate(
        TeamField.TRAFFIC, "{place} 교통질서 봉사단", ("교통정리", "이동봉사"), "등굣길과 행사장 교통을 정리합니다."
    ),
    TeamTemplate(
        TeamField.TRAFFIC, "{place} 푸른환경 지킴이", ("환경캠페인", "분리배출"), "하천 정화와 환경 캠페인을 합니다."
    ),
)
"""The 8 fields of community service teams (SEED.md §5), each with teams as councils know them."""


# -- what is generated -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSpec:
    region: str = "11"
    centres: int = 30
    volunteers: int = 300
    recruitments: int = 120
    teams: int = 10
    seed: int = DEFAULT_SEED


@dataclass(frozen=True)
class Guardian:
    name: str
    phone: str
    relation: GuardianRelation

    def consent(self, volunteer_id: UUID) -> RecordGuardianConsent:
        return RecordGuardianConsent(
            volunteer_id=volunteer_id,
            guardian_name=self.name,
            guardian_phone=self.phone,
            relation=self.relation,
            consented=True,
        )


@dataclass(frozen=True)
class DemoVolunteer:
    request: RegisterVolunteer
    guardian: Guardian | None
    """For a child who may be under 14 (`GUARDIAN_AGE`): recorded when the registry says one is needed."""


@dataclass(frozen=True)
class DemoRecruitment:
    centre: int
    """Index into `DemoRegion.centres`."""
    details: RecruitmentDetails

    def request(self, centre_id: UUID) -> PostRecruitment:
        return PostRecruitment(centre_id=centre_id, **_fields(self.details))


@dataclass(frozen=True)
class DemoTeam:
    name: str
    field: TeamField
    kind: TeamApplicationKind
    leader: int
    """Index into `DemoRegion.volunteers`."""
    members: tuple[int, ...]
    skills: tuple[str, ...]
    description: str
    district: str | None
    goal: TeamStatus
    """How far it gets: applied, appointed (위촉) or placed at a centre (배치)."""
    centre: int | None
    """Where it is placed, when its goal is `placed`."""

    def request(self, region: str, leader_id: UUID, member_ids: Sequence[UUID]) -> ApplyTeamRequest:
        return ApplyTeamRequest(
            region=region,
            name=self.name,
            field=self.field,
            kind=self.kind,
            leader_id=leader_id,
            member_ids=list(member_ids),
            skills=list(self.skills),
            description=self.description,
            district=self.district,
        )


@dataclass(frozen=True)
class DemoRegion:
    spec: DemoSpec
    centres: list[RegisterCentre]
    volunteers: list[DemoVolunteer]
    recruitments: list[DemoRecruitment]
    teams: list[DemoTeam]


def _fields(model: BaseModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in type(model).model_fields}


def _rng(spec: DemoSpec, what: str, number: int) -> random.Random:
    """The random source of one generated thing: the same for the same seed, region, kind and number, whatever
    else is generated."""
    return random.Random(f"{spec.seed}:{spec.region}:{what}:{number}")


def _faker(rng: random.Random) -> Faker:
    fake = Faker("ko_KR")
    fake.seed_instance(rng.getrandbits(64))
    return fake


def place_name(district: District) -> str:
    """`마포구` → `마포`, `수원시 장안구` → `장안`, `중구` → `중구` (a one-syllable stem keeps its suffix)."""
    last = district.name.split()[-1]
    if last.endswith("특별자치시"):
        return last.removesuffix("특별자치시")
    stem = last[:-1]
    return stem if len(stem) >= 2 and last[-1] in "시군구" else last


def _phone(rng: random.Random, area: str) -> str:
    exchange = rng.randint(200, 999) if area != "010" and rng.random() < 0.3 else rng.randint(2000, 9999)
    return f"{area}-{exchange}-{rng.randint(0, 9999):04d}"


def _unique(value: str, taken: set[str], variant: Callable[[str, int], str]) -> str:
    """`value`, or its first variant nobody took yet; the variants are tried in order, so the result depends only on
    what was generated before."""
    number = 2
    candidate = value
    while candidate in taken:
        candidate = variant(value, number)
        number += 1
    taken.add(candidate)
    return candidate


def _next_number(phone: str, step: int) -> str:
    """`010-1234-5678`, 2 → `010-1234-5680`: the number a step further on, for a phone someone already has."""
    return f"{phone[:-4]}{(int(phone[-4:]) + step) % 10000:04d}"


def _address(fake: Faker, rng: random.Random, region: str, district: District) -> str:
    road = f"{fake.road_name()}{rng.choice(('로', '길', '대로'))}"
    if rng.random() < 0.4:
        road = f"{fake.road_name()}{rng.randint(1, 40)}길"
    return f"{REGIONS[region].name} {district.name} {road} {rng.randint(1, 320)}"


def generate(spec: DemoSpec, today: date) -> DemoRegion:
    """The demo region of `spec`; `today` only moves the recruitments' periods (they start this week)."""
    if spec.region not in AREA_CODES:
        raise ValueError(f"no demo data for region {spec.region}: give one of {', '.join(sorted(AREA_CODES))}")
    districts = districts_of(spec.region)
    centres, kinds = _centres(spec, districts)
    volunteers = _volunteers(spec, districts)
    recruitments = _recruitments(spec, today, centres, kinds, districts)
    teams = _teams(spec, districts, volunteers, len(centres))
    return DemoRegion(spec, centres, volunteers, recruitments, teams)


def _centres(spec: DemoSpec, districts: list[District]) -> tuple[list[RegisterCentre], list[CentreKind]]:
    made: list[RegisterCentre] = []
    kinds: list[CentreKind] = []
    taken: set[str] = set()
    for number in range(spec.centres):
        rng = _rng(spec, "centre", number)
        fake = _faker(rng)
        # The first centres go one to each 시·군·구, so that a region of a few dozen centres covers all of them.
        district = districts[number] if number < len(districts) else rng.choice(districts)
        group = rng.choices(CENTRE_NAMES, weights=CENTRE_KIND_WEIGHTS)[0]
        pattern = rng.choice(group)
        values = {
            "place": place_name(district),
            "district": district.name.replace(" ", ""),
            "word": rng.choice(NAMING_WORDS),
        }
        name = pattern.pattern.format(**values)
        if name in taken:  # another naming word, then a 2nd, 3rd… of the same name (`제2햇살지역아동센터`)
            for word in rng.sample(NAMING_WORDS, len(NAMING_WORDS)):
                candidate = group[-1].pattern.format(**{**values, "word": word})
                if candidate not in taken:
                    name = candidate
                    break
        name = _unique(name, taken, lambda base, n: f"제{n}{base}")
        made.append(
            RegisterCentre(
                name=name,
                region=spec.region,
                phone=_phone(rng, AREA_CODES[spec.region]),
                district=district.code,
                kind=pattern.kind,
                address=_address(fake, rng, spec.region, district),
            )
        )
        kinds.append(pattern.kind)
    return made, kinds


def _birth_date(rng: random.Random, first_year: int, last_year: int) -> date:
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _school(fake: Faker, rng: random.Random, born: date) -> School | None:
    """The school a child born in `born`'s year is in during `SCHOOL_YEAR`: Korean children start school in the
    March after they turn 6, so the grade counts from the year they turn 7."""
    grade = SCHOOL_YEAR - born.year - 6
    if not 1 <= grade <= 12:
        return None
    level, in_level, suffix = (
        (SchoolLevel.ELEMENTARY, grade, "초등학교")
        if grade <= 6
        else (SchoolLevel.MIDDLE, grade - 6, "중학교")
        if grade <= 9
        else (SchoolLevel.HIGH, grade - 9, rng.choice(("고등학교", "고등학교", "여자고등학교", "정보산업고등학교")))
    )
    return School(name=f"{fake.road_name()}{suffix}", level=level, grade=in_level)


def _login_id(fake: Faker, rng: random.Random) -> str:
    base = re.sub(r"[^a-z0-9_]", "", fake.user_name().lower()).lstrip("0123456789_")[:14]
    if len(base) < 4:
        base = f"{base}{fake.lexify('????').lower()}"
    return f"{base}{rng.randint(0, 99):02d}" if rng.random() < 0.5 else base


AVAILABILITY = {
    "student": [TimeSlot(weekday=d, part=p) for d in (SAT, SUN) for p in (DayPart.MORNING, DayPart.AFTERNOON)]
    + [TimeSlot(weekday=d, part=DayPart.AFTERNOON) for d in WEEKDAYS],
    "worker": [TimeSlot(weekday=d, part=p) for d in (SAT, SUN) for p in DayPart]
    + [TimeSlot(weekday=d, part=DayPart.EVENING) for d in WEEKDAYS],
    "senior": [TimeSlot(weekday=d, part=p) for d in WEEKDAYS for p in (DayPart.MORNING, DayPart.AFTERNOON)],
}


def _volunteers(spec: DemoSpec, districts: list[District]) -> list[DemoVolunteer]:
    made: list[DemoVolunteer] = []
    logins: set[str] = set()
    phones: set[str] = set()
    for number in range(spec.volunteers):
        rng = _rng(spec, "volunteer", number)
        fake = _faker(rng)
        share = rng.random()
        if share < 0.07:  # 초등 6학년·중 1학년: under 14 this year and next, with a guardian
            born, persona = _birth_date(rng, 2013, 2014), "student"
        elif share < 0.21:
            born, persona = _birth_date(rng, 2008, 2012), "student"
        elif share < 0.35:
            born, persona = _birth_date(rng, 1998, 2007), "worker"
        elif share < 0.80:
            born, persona = _birth_date(rng, 1966, 1997), "worker"
        else:
            born, persona = _birth_date(rng, 1950, 1965), "senior"
        name = fake.name()
        login = _unique(_login_id(fake, rng), logins, lambda base, n: f"{base[:17]}{n:02d}")
        phone = _unique(_phone(rng, "010"), phones, _next_number)
        district = rng.choice(districts) if rng.random() < 0.9 else None
        wishes: list[DesiredActivity] = []
        for activity_type in rng.sample(list(ActivityType)[:4], rng.randint(1, 3)):
            if rng.random() < 0.05:
                activity_type = ActivityType.OVERSEAS
            sub = rng.choice(SUB_FIELDS[activity_type]).code if rng.random() < 0.7 else None
            wish = DesiredActivity(activity_type=activity_type, sub_field=sub)
            if all(w.activity_type != activity_type for w in wishes):
                wishes.append(wish)
        regions = [spec.region]
        if rng.random() < 0.2:
            regions.append(rng.choice([r for r in AREA_CODES if r != spec.region]))
        elif rng.random() < 0.1:
            regions = []
        pool = {"student": STUDENT_TALENTS, "senior": SENIOR_TALENTS}.get(persona, TALENTS)
        talents = rng.sample(pool, rng.choice((0, 1, 1, 2, 2, 3)))
        slots = AVAILABILITY[persona]
        availability = sorted(
            rng.sample(slots, rng.randint(1, min(6, len(slots)))),
            key=lambda s: (list(Weekday).index(s.weekday), list(DayPart).index(s.part)),
        )
        school = _school(fake, rng, born) if persona == "student" else None
        guardian = None
        if born.year >= SCHOOL_YEAR - GUARDIAN_AGE:
            guardian_name = f"{name[0]}{fake.first_name()}" if rng.random() < 0.7 else fake.name()
            guardian_phone = _unique(_phone(rng, "010"), phones, _next_number)
            relation = GuardianRelation.PARENT if rng.random() < 0.95 else GuardianRelation.LEGAL_GUARDIAN
            guardian = Guardian(guardian_name, guardian_phone, relation)
        request = RegisterVolunteer(
            login_id=login,
            name=name,
            birth_date=born,
            phone=phone,
            region=spec.region,
            email=f"{login}@{rng.choice(EMAIL_DOMAINS)}" if rng.random() < 0.6 else None,
            district=district.code if district else None,
            desired_activities=wishes,
            desired_regions=regions,
            talents=talents,
            availability=availability,
            school=school,
        )
        made.append(DemoVolunteer(request, guardian))
    return made


def _fits(template: Template, kind: CentreKind) -> bool:
    return not template.kinds or kind in template.kinds


def _recruitments(
    spec: DemoSpec, today: date, centres: list[RegisterCentre], kinds: list[CentreKind], districts: list[District]
) -> list[DemoRecruitment]:
    if not centres:
        return []
    made: list[DemoRecruitment] = []
    titles: dict[int, set[str]] = {}
    by_code = {d.code: d for d in districts}
    for number in range(spec.recruitments):
        rng = _rng(spec, "recruitment", number)
        # The first ones go through every sub-field of every type; the rest as often as centres post them.
        if number < len(FIRST_OF_EACH_SUB_FIELD):
            template = FIRST_OF_EACH_SUB_FIELD[number]
        else:
            template = rng.choices(TEMPLATES, weights=[t.weight for t in TEMPLATES])[0]
        fitting = [i for i, kind in enumerate(kinds) if _fits(template, kind)] or list(range(len(centres)))
        index = rng.choice(fitting)
        centre = centres[index]
        taken = titles.setdefault(index, set())
        district = by_code[centre.district] if centre.district else rng.choice(districts)
        values = {
            "centre": centre.name,
            "phone": centre.phone or "",
            "district": district.name,
            "subject": rng.choice(SUBJECTS),
            "country": rng.choice(COUNTRIES),
            "year": f"{today.year}",
        }
        for _ in range(5):  # a centre posts something else before it posts the same thing twice
            if template.title.format(**values) not in taken:
                break
            template = rng.choice([t for t in TEMPLATES if _fits(t, kinds[index])])
        values["place"] = template.place.format(**values)
        title = _unique(template.title.format(**values), taken, lambda base, n: f"{base} ({n}기)")
        start = today + timedelta(days=rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 30, 45, 60)))
        length = rng.randint(*template.days)
        end = start + timedelta(days=length)
        weekdays = list(rng.choice(template.weekdays))
        if length < 7:  # an event of a day or a few: its weekdays are the days it runs
            running = {list(Weekday)[(start + timedelta(days=d)).weekday()] for d in range(length + 1)}
            weekdays = sorted(running, key=list(Weekday).index)
        begins, ends = rng.choice(template.hours)
        deadline = None
        if rng.random() < 0.5:
            deadline = min(end, start + timedelta(days=rng.randint(0, 14)))
            deadline = max(deadline, today)
        details = RecruitmentDetails(
            title=title,
            description=template.description.format(**values),
            activity_type=template.activity_type,
            sub_field=template.sub_field,
            district=district.code if template.activity_type is not ActivityType.OVERSEAS else None,
            place=values["place"],
            start_date=start,
            end_date=end,
            weekdays=weekdays,
            start_time=time.fromisoformat(begins),
            end_time=time.fromisoformat(ends),
            capacity=rng.choice((2, 3, 4, 5, 5, 6, 8, 10, 10, 12, 15, 20, 25, 30)),
            eligibility=list(rng.choice(template.eligibility)),
            orientation_required=template.orientation and rng.random() < 0.7,
            apply_until=deadline,
        )
        made.append(DemoRecruitment(index, details))
    return made


def _teams(spec: DemoSpec, districts: list[District], volunteers: list[DemoVolunteer], centres: int) -> list[DemoTeam]:
    adults = [i for i, v in enumerate(volunteers) if v.request.birth_date.year <= SCHOOL_YEAR - 20]
    made: list[DemoTeam] = []
    names: set[str] = set()
    for number in range(spec.teams):
        rng = _rng(spec, "team", number)
        if not adults:
            break
        template = _team_template(number, rng)
        district = rng.choice(districts)
        name = _unique(template.name.format(place=place_name(district)), names, lambda base, n: f"{base} {n}기")
        leader = adults.pop(rng.randrange(len(adults)))
        group = rng.random() < 0.6 and len(adults) >= 7
        members: list[int] = []
        if group:
            for _ in range(rng.randint(4, 7)):  # 5 to 8 with the leader (5인 이상 단체)
                members.append(adults.pop(rng.randrange(len(adults))))
        roll = rng.random()
        goal = (
            TeamStatus.APPLIED if roll < 0.2 else TeamStatus.PLACED if roll < 0.45 and centres else TeamStatus.APPOINTED
        )
        made.append(
            DemoTeam(
                name=name,
                field=template.field,
                kind=TeamApplicationKind.GROUP if group else TeamApplicationKind.INDIVIDUAL,
                leader=leader,
                members=tuple(members),
                skills=template.skills,
                description=template.description,
                district=district.code,
                goal=goal,
                centre=rng.randrange(centres) if goal is TeamStatus.PLACED else None,
            )
        )
    return made


def _team_template(number: int, rng: random.Random) -> TeamTemplate:
    """One of each of the 8 fields first, then any."""
    fields = list(TeamField)
    if number < len(fields):
        return next(t for t in TEAM_TEMPLATES if t.field is fields[number])
    return rng.choice(TEAM_TEMPLATES)


# -- loading it through the registry's requests ----------------------------------------------------------------------

DEMO_NAMESPACE = UUID("6d656d6f-0000-5000-8000-766d73646174")
"""Where the ids of the demo's acting accounts come from (`uuid5`): the same on every load."""

ANONYMOUS = Actor(id="anonymous", role=Role.ANONYMOUS)


def _account(*parts: object) -> str:
    return str(uuid5(DEMO_NAMESPACE, ":".join(str(part) for part in parts)))


def _manager(centre_id: UUID) -> Actor:
    return Actor(id=_account("manager", centre_id), role=Role.CENTRE_MANAGER, centres=frozenset({centre_id}))


def _volunteer(volunteer_id: UUID) -> Actor:
    return Actor(id=_account("volunteer", volunteer_id), role=Role.VOLUNTEER, volunteer_id=volunteer_id)


@dataclass
class Tally:
    """What happened to one kind of thing: how many there are now, how many this load wrote, what was refused."""

    what: str
    """Its `DEMO_WHAT_*` text."""
    total: int = 0
    written: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    """Korean and English reason of each refusal."""
    skipped: str | None = None
    """The operation the registry does not answer, when that is why nothing was done."""


@dataclass
class LoadReport:
    region: str
    centres: Tally
    accreditations: Tally
    volunteers: Tally
    guardians: Tally
    recruitments: Tally
    teams: Tally
    seconds: float = 0.0

    @property
    def tallies(self) -> list[Tally]:
        return [self.centres, self.accreditations, self.volunteers, self.guardians, self.recruitments, self.teams]

    @property
    def written(self) -> int:
        """Everything this load registered, posted, appointed or recorded: 0 on a load that found it all done."""
        return sum(tally.written for tally in self.tallies)

    @property
    def refused(self) -> int:
        return sum(len(tally.refused) for tally in self.tallies)

    def lines(self) -> list[str]:
        """The one line of what the region holds, then a line for each part skipped or refused."""
        loaded = text(
            "DEMO_LOADED",
            region=REGIONS[self.region].name,
            centres=self.centres.total,
            volunteers=self.volunteers.total,
            guardians=self.guardians.total,
            recruitments=self.recruitments.total,
            teams=self.teams.total,
            added=self.written,
            seconds=f"{self.seconds:.1f}",
        )
        lines = [f"{loaded.ko} / {loaded.en}"]
        for tally in self.tallies:
            what = text(tally.what)
            if tally.skipped is not None:
                skipped = text("DEMO_SKIPPED", what="{what}", operation=tally.skipped)
                lines.append(f"  {skipped.ko.format(what=what.ko)} / {skipped.en.format(what=what.en)}")
            if tally.refused:
                ko, en = tally.refused[0]
                refused = text("DEMO_REFUSED", what="{what}", count=len(tally.refused), reason="{reason}")
                lines.append(
                    f"  {refused.ko.format(what=what.ko, reason=ko)} / {refused.en.format(what=what.en, reason=en)}"
                )
        return lines


class _Registry:
    """The registry asked as the people of the demo, with at most `in_flight` requests outstanding."""

    def __init__(self, client: RpcClient, region: str, in_flight: int) -> None:
        self.client = client
        self.region = region
        self.slots = asyncio.Semaphore(in_flight)

    async def ask(self, operation: Rpc[Req, Res], request: Req, actor: Actor, tally: Tally) -> Res | None:
        """The answer, or None with the reason kept in `tally` (a refusal, a timeout, an operation not served)."""
        async with self.slots:
            try:
                # Requests that name no owner (the searches) go to the region's own instance.
                region = None if operation.owner is not None else self.region
                return await self.client.call(operation, request, actor=actor, region=region)
            except ServiceUnavailable:
                tally.skipped = operation.operation
            except RemoteError as exc:
                where = ", ".join(f.field for f in exc.body.fields)
                suffix = f" ({where})" if where else ""
                tally.refused.append(
                    (f"{exc.body.code}{suffix}: {exc.body.message}", f"{exc.body.code}{suffix}: {exc.body.message_en}")
                )
            except ServiceTimeout as exc:
                message = exc.body()
                tally.refused.append((f"{message.code}: {message.message}", f"{message.code}: {message.message_en}"))
            return None

    async def each(
        self, operation: Rpc[Req, Res], requests: Iterable[tuple[Req, Actor]], tally: Tally
    ) -> list[Res | None]:
        return list(await asyncio.gather(*(self.ask(operation, r, actor, tally) for r, actor in requests)))


async def load(
    demo: DemoRegion, client: RpcClient, *, central: Actor | None = None, in_flight: int = IN_FLIGHT
) -> LoadReport:
    """Send `demo` to the registry; what is there already is left as it is. `central` is the central council's
    account that registers and accredits the centres (a fixed demo id when None)."""
    started, since = asyncio.get_running_loop().time(), datetime.now(UTC)
    region = demo.spec.region
    central = central or Actor(id=_account(region, "central"), role=Role.CENTRAL_ADMIN)
    council = Actor(id=_account(region, "council"), role=Role.COUNCIL_ADMIN, region=region)
    registry = _Registry(client, region, in_flight)
    report = LoadReport(
        region,
        centres=Tally("DEMO_WHAT_CENTRES"),
        accreditations=Tally("DEMO_WHAT_ACCREDITATION"),
        volunteers=Tally("DEMO_WHAT_VOLUNTEERS"),
        guardians=Tally("DEMO_WHAT_GUARDIANS"),
        recruitments=Tally("DEMO_WHAT_RECRUITMENTS"),
        teams=Tally("DEMO_WHAT_TEAMS"),
    )

    def new(view: CentreView | VolunteerView) -> bool:
        return view.registered_at >= since

    # The central council registers and accredits the centres, people sign up, and the centres post their
    # recruitments: each is then announced to the demo volunteers whose wishes it meets (희망봉사활동 → 배치), by the
    # registry's own consumer of the postings, after the load has answered.
    centre_views = await registry.each(rpc.REGISTER_CENTRE, ((c, central) for c in demo.centres), report.centres)
    centres = [view for view in centre_views if view is not None]
    report.centres.total, report.centres.written = len(centres), sum(map(new, centres))
    waiting = [v for v in centres if v.status is CentreStatus.REGISTERED]
    accredited = await registry.each(
        rpc.ACCREDIT_CENTRE, ((CentreStatusChange(centre_id=v.id), central) for v in waiting), report.accreditations
    )
    report.accreditations.written = sum(view is not None for view in accredited)
    report.accreditations.total = (
        sum(v.status is CentreStatus.ACCREDITED for v in centres) + report.accreditations.written
    )
    volunteer_views = await registry.each(
        rpc.REGISTER_VOLUNTEER, ((v.request, ANONYMOUS) for v in demo.volunteers), report.volunteers
    )
    volunteers = [view for view in volunteer_views if view is not None]
    report.volunteers.total, report.volunteers.written = len(volunteers), sum(map(new, volunteers))
    consents = [
        (planned.guardian.consent(view.id), _volunteer(view.id))
        for planned, view in zip(demo.volunteers, volunteer_views, strict=True)
        if view is not None and planned.guardian is not None and view.needs_guardian
        if view.guardian_consented_at is None
    ]
    consented, _, _ = await asyncio.gather(
        registry.each(rpc.RECORD_GUARDIAN_CONSENT, consents, report.guardians),
        _appoint_teams(registry, demo, volunteer_views, centre_views, council, report.teams),
        _post_recruitments(registry, demo, centre_views, report.recruitments),
    )
    report.guardians.written = sum(view is not None for view in consented)
    report.guardians.total = sum(v.guardian_consented_at is not None for v in volunteers) + report.guardians.written
    report.seconds = asyncio.get_running_loop().time() - started
    return report


async def _post_recruitments(
    registry: _Registry, demo: DemoRegion, centres: list[CentreView | None], tally: Tally
) -> None:
    """Each centre's recruitments that it has not posted yet (by title), posted by its manager."""
    planned: dict[int, list[DemoRecruitment]] = {}
    for recruitment in demo.recruitments:
        planned.setdefault(recruitment.centre, []).append(recruitment)

    async def of_centre(centre: CentreView, recruitments: list[DemoRecruitment]) -> None:
        posted = await _titles(registry, centre.id, tally)
        if posted is None:
            return
        manager = _manager(centre.id)
        missing = [r for r in recruitments if r.details.title not in posted]
        tally.total += len(recruitments) - len(missing)
        views = await registry.each(rpc.POST_RECRUITMENT, ((r.request(centre.id), manager) for r in missing), tally)
        made = sum(view is not None for view in views)
        tally.total += made
        tally.written += made

    await asyncio.gather(
        *(
            of_centre(view, planned[index])
            for index, view in enumerate(centres)
            if view is not None and index in planned
        )
    )


async def _titles(registry: _Registry, centre_id: UUID, tally: Tally) -> set[str] | None:
    """The titles of every recruitment the centre has posted, open or not; None when they cannot be known."""
    titles: set[str] = set()
    offset = 0
    while True:
        query = SearchRecruitments(centre_id=centre_id, open_only=False, limit=500, offset=offset)
        page = await registry.ask(rpc.SEARCH_RECRUITMENTS, query, ANONYMOUS, tally)
        if page is None:
            return None
        titles.update(item.title for item in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return titles


async def _appoint_teams(
    registry: _Registry,
    demo: DemoRegion,
    volunteers: list[VolunteerView | None],
    centres: list[CentreView | None],
    council: Actor,
    tally: Tally,
) -> None:
    """Each team applies (its leader, to the regional council) unless it has, then the council appoints it and
    places it as far as its goal."""
    region = demo.spec.region
    known: dict[str, TeamView] = {}
    for status in TeamStatus:
        offset = 0
        while True:
            query = SearchTeams(region=region, status=status, limit=500, offset=offset)
            page = await registry.ask(rpc.SEARCH_TEAMS, query, council, tally)
            if page is None:
                return
            known.update((team.name, team) for team in page.items)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break

    async def one(team: DemoTeam) -> None:
        view: TeamView | None = known.get(team.name)
        if view is None:
            people = [volunteers[i] for i in (team.leader, *team.members)]
            if any(person is None for person in people):
                return  # its people did not sign up: said with the volunteers' refusals
            leader, *members = [person.id for person in people if person is not None]
            view = await registry.ask(rpc.APPLY_TEAM, team.request(region, leader, members), _volunteer(leader), tally)
            if view is None:
                return
            tally.written += 1
        tally.total += 1
        goal = [TeamStatus.APPLIED, TeamStatus.APPOINTED, TeamStatus.PLACED].index(team.goal)
        if goal >= 1 and view.status is TeamStatus.APPLIED:
            view = await registry.ask(rpc.APPOINT_TEAM, TeamRef(team_id=view.id), council, tally)
            if view is None:
                return
            tally.written += 1
        centre = centres[team.centre] if team.centre is not None else None
        if goal >= 2 and view.status is TeamStatus.APPOINTED and centre is not None:
            placed = await registry.ask(rpc.PLACE_TEAM, PlaceTeam(team_id=view.id, centre_id=centre.id), council, tally)
            tally.written += placed is not None

    await asyncio.gather(*(one(team) for team in demo.teams))


# -- the command -------------------------------------------------------------------------------------------------


def gateway_key(data_dir: Path, environ: Mapping[str, str]) -> str | None:
    """The gateway's private key: `VMS_GATEWAY_ACTOR_KEY`, else the one `vms up` keeps in the data folder (never
    made here: a key no service knows would only be refused)."""
    if key := environ.get("VMS_GATEWAY_ACTOR_KEY"):
        return key
    try:
        lines = (data_dir / KEYS_FILE).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        name, sep, value = line.strip().partition("=")
        if sep and name == "VMS_GATEWAY_ACTOR_KEY":
            return value
    return None


def central_account(data_dir: Path) -> Actor | None:
    """The demo central admin's account (`vms up`'s demo accounts), in whose name the centres are registered."""
    try:
        state = json.loads((data_dir / DEMO_ACCOUNTS_FILE).read_text(encoding="utf-8"))
        return Actor(id=str(UUID(state["accounts"]["central_admin"]["id"])), role=Role.CENTRAL_ADMIN)
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def command(spec: DemoSpec, *, nats_url: str, bus: Bus, data_dir: Path, environ: Mapping[str, str]) -> int:
    """`vms demo-data`: generate the region and load it, signed as the gateway signs; print what the region holds.
    0 when everything the registry answers was loaded, 1 when something was refused, 2 when nothing could be sent."""
    key = gateway_key(data_dir, environ)
    if key is None:
        print(both("DEMO_NO_KEY", file=data_dir / KEYS_FILE), file=sys.stderr)
        return 2
    signer = ActorSigner(GATEWAY_ISSUER, private_key(key, "VMS_GATEWAY_ACTOR_KEY"))
    demo = generate(spec, datetime.now(KST).date())
    broker = NatsBroker(
        [server.strip() for server in nats_url.split(",")],
        name="vms-demo-data",
        inbox_prefix=inbox_prefix(GATEWAY_ISSUER),
        connect_timeout=3,
        max_reconnect_attempts=1,
    )
    try:
        await broker.connect()
    except (OSError, NatsError) as exc:
        print(both("OPS_NATS_UNREACHABLE", nats=redacted(nats_url), error=type(exc).__name__), file=sys.stderr)
        return 2
    try:
        client = RpcClient(broker, bus, signer=signer, timeout=RPC_TIMEOUT)
        report = await load(demo, client, central=central_account(data_dir))
    finally:
        with contextlib.suppress(Exception):
            await broker.stop()
    for line in report.lines():
        print(line)
    return 1 if report.refused else 0
