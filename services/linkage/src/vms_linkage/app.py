"""Wiring only: which events linkage follows, what it answers, and its sender to 1365."""

from importlib.resources import files
from uuid import UUID

from vms_contracts.events.hours import HoursCancelledV1, HoursConfirmedV1, HoursCorrectedV1
from vms_contracts.events.registry import ConsentChangedV1
from vms_contracts.rpc import linkage as rpc
from vms_contracts.rpc.registry import GET_VOLUNTEER, VolunteerRef, VolunteerView
from vms_linkage.db import inbox, outbox
from vms_linkage.handlers import LinkageHandlers
from vms_linkage.portal import Portal1365Client
from vms_linkage.sender import Sender
from vms_linkage.settings import LinkageSettings
from vms_platform.jetstream import CONSUMERS
from vms_platform.runtime import ServiceApp


def create_app(settings: LinkageSettings, *, portal: Portal1365Client | None = None) -> ServiceApp:
    app = ServiceApp("linkage", settings, migrations=str(files("vms_linkage") / "migrations"))
    portal = portal or Portal1365Client(settings.portal1365_url, timeout=settings.portal1365_timeout)

    async def look_up(volunteer_id: UUID) -> VolunteerView:
        return await app.rpc.call(GET_VOLUNTEER, VolunteerRef(volunteer_id=volunteer_id))

    sender = Sender(app.db, app.use_outbox(outbox), portal, settings, registry=look_up, metrics=app.metrics)
    handlers = LinkageHandlers(app.db, sender)
    app.serve(rpc.LIST_TRANSFERS, handlers.list_transfers)
    app.consume(
        CONSUMERS["linkage-registry"],
        # Registrations say nothing linkage needs: who a volunteer is, it asks the registry when sending.
        {ConsentChangedV1: handlers.on_consents_changed},
        inbox=inbox,
        on_commit=handlers.wake,
    )
    app.consume(
        CONSUMERS["linkage-hours"],
        {HoursConfirmedV1: handlers.on_hours_confirmed},
        inbox=inbox,
        on_commit=handlers.wake,
    )
    # A consumer each (one filter a consumer on NATS 2.9): 1365 follows corrections and cancellations.
    app.consume(
        CONSUMERS["linkage-corrected"],
        {HoursCorrectedV1: handlers.on_hours_changed},
        inbox=inbox,
        on_commit=handlers.wake,
    )
    app.consume(
        CONSUMERS["linkage-cancelled"],
        {HoursCancelledV1: handlers.on_hours_changed},
        inbox=inbox,
        on_commit=handlers.wake,
    )
    app.add_background(sender.run)
    app.add_health_check(sender.portal_problem)
    app.add_health_check(sender.registry_problem)
    app.on_stop(portal.close)
    return app
