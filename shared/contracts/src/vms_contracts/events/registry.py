"""Events of the registry: volunteers, management centres, consents, recruitments and applications."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, Field

from vms_contracts.envelope import Event, event
from vms_contracts.regions import RegionCode


class ConsentKind(StrEnum):
    PORTAL_1365 = "portal1365"
    """마이페이지 → 회원정보 → 개인정보 → '1365자원봉사포털 연계동의'."""


@event("registry", "centre.registered", 1, aggregate="centre_id")
class CentreRegisteredV1(Event):
    """A 사회복지자원봉사 관리센터 joined VMS."""

    centre_id: UUID
    name: str
    """The centre's name, as it presents itself to the public (an organisation's, never a person's)."""
    region: RegionCode
    phone: str | None = None
    """The centre's office number, published on its own signboard and website: an organisation's number, not a
    person's, so it may travel with the event."""
    registered_at: AwareDatetime


@event("registry", "volunteer.registered", 1, aggregate="volunteer_id")
class VolunteerRegisteredV1(Event):
    """Retired: no longer published; `vms.registry.volunteer.registered.v2` replaced it. Messages of this version
    still on the stream also carry the volunteer's name, birth date and phone: this model leaves them unread, and
    no reader may use or keep them."""

    volunteer_id: UUID
    region: RegionCode
    registered_at: AwareDatetime


@event("registry", "volunteer.registered", 2, aggregate="volunteer_id")
class VolunteerRegisteredV2(Event):
    """A volunteer registered (회원가입). Who they are stays with the registry: a service that needs their details
    asks it (`registry.get_volunteer`) when it needs them, and keeps no copy."""

    volunteer_id: UUID
    region: RegionCode
    """2-digit 시·도 code of the region the volunteer lives in, whose registry keeps them."""
    registered_at: AwareDatetime


@event("registry", "consent.changed", 1, aggregate="volunteer_id")
class ConsentChangedV1(Event):
    """A volunteer gave or withdrew a consent; withdrawing stops what depended on it at once."""

    volunteer_id: UUID
    consent: ConsentKind
    granted: bool
    changed_at: AwareDatetime
    channel: str
    """Where the change was made, e.g. `portal`."""


# -- volunteers ----------------------------------------------------------------------------------------------------


@event("registry", "volunteer.updated", 1, aggregate="volunteer_id")
class VolunteerUpdatedV1(Event):
    """A volunteer changed their profile. Only the names of what changed travel (`desired_activities`,
    `availability`, …), never the values: whoever needs them asks the registry."""

    volunteer_id: UUID
    region: RegionCode
    changed: list[str]
    updated_at: AwareDatetime


@event("registry", "volunteer.withdrawn", 1, aggregate="volunteer_id")
class VolunteerWithdrawnV1(Event):
    """A volunteer left (회원탈퇴): their personal data is erased; the id stays, so hours already recorded remain
    as anonymous statistics. Consents end with it (a `consent.changed` is published before this event when one
    was given)."""

    volunteer_id: UUID
    region: RegionCode
    withdrawn_at: AwareDatetime


@event("registry", "guardian.consented", 1, aggregate="volunteer_id")
class GuardianConsentedV1(Event):
    """A guardian consented for a volunteer under 14 (법정대리인 동의): placements and 1365 linkage may follow."""

    volunteer_id: UUID
    region: RegionCode
    consented_at: AwareDatetime


# -- centres -------------------------------------------------------------------------------------------------------


@event("registry", "centre.accredited", 1, aggregate="centre_id")
class CentreAccreditedV1(Event):
    """A regional council accredited a management centre (again, after a suspension): it may post recruitments."""

    centre_id: UUID
    region: RegionCode
    accredited_at: AwareDatetime


@event("registry", "centre.suspended", 1, aggregate="centre_id")
class CentreSuspendedV1(Event):
    """A regional council suspended a management centre: its open recruitments take no more applications."""

    centre_id: UUID
    region: RegionCode
    reason: str
    suspended_at: AwareDatetime


# -- recruitments (봉사자모집) -----------------------------------------------------------------------------------------


class RecruitmentFacts(Event):
    """What a recruitment offers, as the public sees it on the portal: no person is named in it."""

    recruitment_id: UUID
    centre_id: UUID
    region: RegionCode
    district: str | None
    title: str
    activity_type: str
    sub_field: str
    place: str
    start_date: date
    end_date: date
    weekdays: list[str]
    start_time: time
    end_time: time
    capacity: int
    eligibility: list[str]
    """Who may apply: `adult`, `youth`, `group`."""
    orientation_required: bool


@event("registry", "recruitment.posted", 1, aggregate="recruitment_id")
class RecruitmentPostedV1(RecruitmentFacts):
    """A centre posted a recruitment."""

    posted_at: AwareDatetime


@event("registry", "recruitment.updated", 1, aggregate="recruitment_id")
class RecruitmentUpdatedV1(RecruitmentFacts):
    """A centre changed an open recruitment; the event carries it whole, as it now stands."""

    updated_at: AwareDatetime


@event("registry", "recruitment.closed", 1, aggregate="recruitment_id")
class RecruitmentClosedV1(Event):
    """A recruitment takes no more applications (closed by its centre)."""

    recruitment_id: UUID
    centre_id: UUID
    region: RegionCode
    closed_at: AwareDatetime


# -- applications --------------------------------------------------------------------------------------------------


class ApplicationFacts(Event):
    application_id: UUID
    recruitment_id: UUID
    centre_id: UUID
    volunteer_id: UUID
    region: RegionCode
    """The region of the recruitment (whose registry holds the application)."""
    party_size: int
    """How many people the application is for: 1, or a group's size."""
    at: AwareDatetime


@event("registry", "application.submitted", 1, aggregate="application_id")
class ApplicationSubmittedV1(ApplicationFacts):
    """A volunteer applied to a recruitment (봉사신청)."""


@event("registry", "application.cancelled", 1, aggregate="application_id")
class ApplicationCancelledV1(ApplicationFacts):
    """The volunteer withdrew their application; its places are free again."""


@event("registry", "application.accepted", 1, aggregate="application_id")
class ApplicationAcceptedV1(ApplicationFacts):
    """The centre accepted an application."""


@event("registry", "application.rejected", 1, aggregate="application_id")
class ApplicationRejectedV1(ApplicationFacts):
    """The centre turned an application down; its places are free again."""

    reason: str | None = None


@event("registry", "application.placed", 1, aggregate="application_id")
class ApplicationPlacedV1(ApplicationFacts):
    """The volunteer is placed (배치): they take part in the activity. When the recruitment requires orientation
    and the volunteer has not had it at the centre, this event waits until they have."""


@event("registry", "orientation.completed", 1, aggregate="volunteer_id")
class OrientationCompletedV1(Event):
    """A centre recorded that a volunteer completed its orientation (소양교육)."""

    centre_id: UUID
    volunteer_id: UUID
    region: RegionCode
    completed_on: date


# -- matching ------------------------------------------------------------------------------------------------------


@event("registry", "recruitment.matched", 1, aggregate="recruitment_id")
class RecruitmentMatchedV1(Event):
    """A newly posted recruitment matches what a volunteer registered as their wish (희망봉사활동): one event per
    volunteer among the best matches, for the portal or an integrator to notify them. Ids and reasons only."""

    recruitment_id: UUID
    volunteer_id: UUID
    region: RegionCode
    """The recruitment's region."""
    score: int
    reasons: list[str]
    """The `MatchReason` codes that made the match: `sub_field`, `region`, `availability`, …"""


# -- community service teams (지역사회봉사단) -------------------------------------------------------------------------


class TeamFacts(Event):
    team_id: UUID
    region: RegionCode
    field: str
    """One of the 8 `TeamField` codes."""
    kind: str
    """`individual` or `group`."""
    at: AwareDatetime


@event("registry", "team.applied", 1, aggregate="team_id")
class TeamAppliedV1(TeamFacts):
    """An individual or a group of 5 or more applied to the regional council to serve as a community team."""

    member_count: int


@event("registry", "team.appointed", 1, aggregate="team_id")
class TeamAppointedV1(TeamFacts):
    """The regional council appointed (위촉) the team; its members are community-team volunteers from now (accident
    insurance, award recommendations)."""

    member_ids: list[UUID]


@event("registry", "team.declined", 1, aggregate="team_id")
class TeamDeclinedV1(TeamFacts):
    """The regional council declined the application."""

    reason: str


@event("registry", "team.placed", 1, aggregate="team_id")
class TeamPlacedV1(TeamFacts):
    """An appointed team is placed at a management centre of its community."""

    centre_id: UUID


class TeamLeaving(StrEnum):
    """Why a volunteer is no longer in a team."""

    WITHDRAWN = "withdrawn"
    """They withdrew from VMS (회원탈퇴)."""
    MOVED = "moved"
    """They moved to another 시·도: a community team serves its own."""


@event("registry", "team.member_left", 1, aggregate="team_id")
class TeamMemberLeftV1(TeamFacts):
    """A volunteer is no longer a member of a team that stands (applied, appointed or placed): whoever keeps its
    members (accident insurance, award recommendations) drops them from `at`. The team stands with one fewer; when
    its leader left, its council decides what becomes of it."""

    volunteer_id: UUID
    reason: TeamLeaving = Field(examples=[TeamLeaving.WITHDRAWN])
    leader: bool
    """Whether they led the team."""
    member_count: int
    """How many members the team has now."""


# -- regions -------------------------------------------------------------------------------------------------------


@event("registry", "volunteer.moved", 1, aggregate="volunteer_id")
class VolunteerMovedV1(Event):
    """A volunteer now lives in another 시·도, and that region's registry keeps them, under the same id (hours,
    rewards and 1365 transfers stay whole). Published under the new region's subject. Where another deployment
    kept them before, it erases their personal data when it hears this, and answers requests about them with
    `VOLUNTEER_MOVED`, naming the new region."""

    volunteer_id: UUID
    from_region: RegionCode
    to_region: RegionCode
    moved_at: AwareDatetime


@event("registry", "volunteer.handover_requested", 1, aggregate="volunteer_id")
class VolunteerHandoverRequestedV1(Event):
    """A volunteer moves to a region another deployment keeps: that deployment's registry asks the one that keeps
    them for their record (`registry.hand_over_volunteer`, a request: personal data never travels in an event),
    takes them in and publishes `volunteer.moved`. Published under the subject of the region they leave, by the
    registry that keeps them; until the new one has taken them in, they are read as before and changed by no
    one."""

    volunteer_id: UUID
    from_region: RegionCode
    to_region: RegionCode
    district: str | None
    """The 시·군·구 in the new region, a code (never an address)."""
    requested_at: AwareDatetime
