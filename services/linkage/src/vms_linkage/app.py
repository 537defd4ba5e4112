"""Wiring only: which events linkage follows, what it answers, and its sender to 1365."""

from vms_contracts.events.hours import HoursConfirmedV1
from vms_contracts.events.registry import ConsentChangedV1, VolunteerRegisteredV1
from vms_contracts.rpc import linkage as rpc
from vms_linkage.db import inbox, outbox
from vms_linkage.handlers import LinkageHandlers
from vms_linkage.portal import Portal1365Client
from vms_linkage.sender import Sender
from vms_linkage.settings import LinkageSettings
from vms_platform.jetstream import CONSUMERS
from vms_platform.runtime import ServiceApp


def create_app(settings: LinkageSettings, *, portal: Portal1365Client | None = None) -> ServiceApp:
    app = ServiceApp("linkage", settings)
    portal = portal or Portal1365Client(settings.portal1365_url, timeout=settings.portal1365_timeout)
    sender = Sender(app.db, app.use_outbox(outbox), portal, settings)
    handlers = LinkageHandlers(app.db, sender)
    app.serve(rpc.LIST_TRANSFERS, handlers.list_transfers)
    app.consume(
        CONSUMERS["linkage-registry"],
        {
            VolunteerRegisteredV1: handlers.on_volunteers_registered,
            ConsentChangedV1: handlers.on_consents_changed,
        },
        inbox=inbox,
        on_commit=handlers.wake,
    )
    app.consume(
        CONSUMERS["linkage-hours"],
        {HoursConfirmedV1: handlers.on_hours_confirmed},
        inbox=inbox,
        on_commit=handlers.wake,
    )
    app.add_background(sender.run)
    app.add_health_check(sender.portal_problem)
    app.on_stop(portal.close)
    return app
