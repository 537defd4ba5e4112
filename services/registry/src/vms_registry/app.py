"""Wiring only: which requests the registry answers, which events it follows, where its events go."""

from importlib.resources import files

from vms_contracts.events.registry import (
    RecruitmentPostedV1,
    VolunteerHandoverRequestedV1,
    VolunteerMovedV1,
    VolunteerWithdrawnV1,
)
from vms_contracts.rpc import registry as rpc
from vms_platform.runtime import ServiceApp
from vms_registry.db import outbox
from vms_registry.handlers import RegistryHandlers
from vms_registry.matching.handlers import MATCHES_CONSUMER, MatchingHandlers
from vms_registry.recruitments.handlers import WITHDRAWN_CONSUMER, RecruitmentHandlers
from vms_registry.regions.handlers import HANDOVER_CONSUMER, MOVED_CONSUMER, RegionHandlers
from vms_registry.regions.tables import inbox
from vms_registry.settings import RegistrySettings
from vms_registry.teams.handlers import TeamHandlers


def create_app(settings: RegistrySettings) -> ServiceApp:
    app = ServiceApp("registry", settings, migrations=str(files("vms_registry") / "migrations"))
    staged = app.use_outbox(outbox)
    handlers = RegistryHandlers(app.db, staged)
    app.serve(rpc.REGISTER_CENTRE, handlers.register_centre)
    app.serve(rpc.GET_CENTRE, handlers.get_centre)
    app.serve(rpc.LIST_CENTRES, handlers.list_centres)
    app.serve(rpc.ACCREDIT_CENTRE, handlers.accredit_centre)
    app.serve(rpc.SUSPEND_CENTRE, handlers.suspend_centre)
    app.serve(rpc.REGISTER_VOLUNTEER, handlers.register_volunteer)
    app.serve(rpc.GET_VOLUNTEER, handlers.get_volunteer)
    app.serve(rpc.UPDATE_VOLUNTEER, handlers.update_volunteer)
    app.serve(rpc.WITHDRAW_VOLUNTEER, handlers.withdraw_volunteer)
    app.serve(rpc.RECORD_GUARDIAN_CONSENT, handlers.record_guardian_consent)
    app.serve(rpc.SET_CONSENT, handlers.set_consent)
    app.serve(rpc.LIST_ACCESS_RECORDS, handlers.list_access_records)

    regions = RegionHandlers(app.db, staged, app.rpc, settings.served_regions)
    app.serve(rpc.MOVE_VOLUNTEER, regions.move_volunteer)
    app.serve(rpc.VOLUNTEER_FACTS, regions.volunteer_facts)
    app.serve(rpc.HAND_OVER_VOLUNTEER, regions.hand_over_volunteer)
    app.consume(HANDOVER_CONSUMER, {VolunteerHandoverRequestedV1: regions.on_handovers_requested}, inbox=inbox)
    app.consume(MOVED_CONSUMER, {VolunteerMovedV1: regions.on_volunteers_moved}, inbox=inbox)

    recruitments = RecruitmentHandlers(app.db, staged, facts_of=regions.facts_of)
    app.serve(rpc.POST_RECRUITMENT, recruitments.post_recruitment)
    app.serve(rpc.UPDATE_RECRUITMENT, recruitments.update_recruitment)
    app.serve(rpc.CLOSE_RECRUITMENT, recruitments.close_recruitment)
    app.serve(rpc.GET_RECRUITMENT, recruitments.get_recruitment)
    app.serve(rpc.SEARCH_RECRUITMENTS, recruitments.search_recruitments)
    app.serve(rpc.APPLY, recruitments.apply)
    app.serve(rpc.CANCEL_APPLICATION, recruitments.cancel_application)
    app.serve(rpc.ACCEPT_APPLICATION, recruitments.accept_application)
    app.serve(rpc.REJECT_APPLICATION, recruitments.reject_application)
    app.serve(rpc.PLACE_APPLICATION, recruitments.place_application)
    app.serve(rpc.LIST_APPLICATIONS, recruitments.list_applications)
    app.serve(rpc.RECORD_ORIENTATION, recruitments.record_orientation)
    app.consume(WITHDRAWN_CONSUMER, {VolunteerWithdrawnV1: recruitments.on_volunteers_withdrawn}, inbox=inbox)

    matching = MatchingHandlers(app.db, staged, served=settings.served_regions)
    app.serve(rpc.RECOMMEND_RECRUITMENTS, matching.recommend_recruitments)
    app.serve(rpc.RECOMMEND_VOLUNTEERS, matching.recommend_volunteers)
    app.consume(MATCHES_CONSUMER, {RecruitmentPostedV1: matching.on_recruitments_posted}, inbox=inbox)

    teams = TeamHandlers(app.db, staged)
    app.serve(rpc.APPLY_TEAM, teams.apply_team)
    app.serve(rpc.APPOINT_TEAM, teams.appoint_team)
    app.serve(rpc.DECLINE_TEAM, teams.decline_team)
    app.serve(rpc.PLACE_TEAM, teams.place_team)
    app.serve(rpc.GET_TEAM, teams.get_team)
    app.serve(rpc.SEARCH_TEAMS, teams.search_teams)
    return app
