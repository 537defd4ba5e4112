"""Wiring only: which requests hours answers, which events it follows, where its events go."""

from importlib.resources import files

from vms_contracts.events.hours import (
    HoursBloodDonationCountedV1,
    HoursCancelledV1,
    HoursConfirmedV1,
    HoursCorrectedV1,
)
from vms_contracts.events.linkage import BloodDonationRegisteredV1
from vms_contracts.events.registry import CentreRegisteredV1, VolunteerRegisteredV1, VolunteerRegisteredV2
from vms_contracts.rpc import hours as rpc
from vms_hours.certificates import Certificates
from vms_hours.db import inbox, outbox
from vms_hours.handlers import HoursHandlers
from vms_hours.settings import HoursSettings
from vms_platform.jetstream import CONSUMERS
from vms_platform.runtime import ServiceApp


def create_app(settings: HoursSettings) -> ServiceApp:
    app = ServiceApp("hours", settings, migrations=str(files("vms_hours") / "migrations"))
    handlers = HoursHandlers(app.db, app.use_outbox(outbox), app.rpc, settings)
    app.serve(rpc.RECORD_ACTIVITY, handlers.record_activity)
    app.serve(rpc.RECORD_ACTIVITIES, handlers.record_activities)
    app.serve(rpc.CONFIRM_ACTIVITY, handlers.confirm_activity)
    app.serve(rpc.REJECT_ACTIVITY, handlers.reject_activity)
    app.serve(rpc.CORRECT_ACTIVITY, handlers.correct_activity)
    app.serve(rpc.CANCEL_ACTIVITY, handlers.cancel_activity)
    app.serve(rpc.GET_ACTIVITY, handlers.get_activity)
    app.serve(rpc.GET_ACTIVITY_HISTORY, handlers.get_activity_history)
    app.serve(rpc.LIST_ACTIVITIES, handlers.list_activities)
    app.serve(rpc.LIST_CENTRE_ACTIVITIES, handlers.list_centre_activities)
    app.serve(rpc.GET_VOLUNTEER_TOTALS, handlers.get_volunteer_totals)
    app.serve(rpc.GET_CENTRE_TOTALS, handlers.get_centre_totals)
    app.serve(rpc.GET_REGION_TOTALS, handlers.get_region_totals)
    certificates = Certificates(app.db, handlers.outbox, app.rpc, settings.served_regions)
    app.serve(rpc.ISSUE_CERTIFICATE, certificates.issue)
    app.serve(rpc.GET_CERTIFICATE, certificates.get)
    app.serve(rpc.LIST_CERTIFICATES, certificates.list_issued)
    app.serve(rpc.VERIFY_CERTIFICATE, certificates.verify)
    app.consume(
        CONSUMERS["hours-registry"],
        {
            VolunteerRegisteredV2: handlers.on_volunteers_registered,
            VolunteerRegisteredV1: handlers.on_volunteers_registered,
            CentreRegisteredV1: handlers.on_centres_registered,
        },
        inbox=inbox,
    )
    app.consume(
        CONSUMERS["hours-totals"],
        {
            HoursConfirmedV1: handlers.on_hours_confirmed,
            HoursCorrectedV1: handlers.on_hours_corrected,
            HoursCancelledV1: handlers.on_hours_cancelled,
            HoursBloodDonationCountedV1: handlers.on_blood_donations_counted,
        },
        inbox=inbox,
    )
    app.consume(
        CONSUMERS["hours-linkage"], {BloodDonationRegisteredV1: handlers.on_blood_donations_registered}, inbox=inbox
    )
    return app
