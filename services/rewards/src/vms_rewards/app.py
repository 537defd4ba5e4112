"""Wiring only: which requests rewards answers and which events it follows."""

from importlib.resources import files

from vms_contracts.events.hours import HoursCancelledV1, HoursConfirmedV1, HoursCorrectedV1
from vms_contracts.rpc import rewards as rpc
from vms_platform.jetstream import CONSUMERS
from vms_platform.runtime import ServiceApp
from vms_rewards.db import inbox
from vms_rewards.handlers import RewardsHandlers
from vms_rewards.settings import RewardsSettings


def create_app(settings: RewardsSettings) -> ServiceApp:
    app = ServiceApp("rewards", settings, migrations=str(files("vms_rewards") / "migrations"))
    handlers = RewardsHandlers(app.db)
    app.serve(rpc.GET_TOTAL, handlers.get_total)
    app.consume(CONSUMERS["rewards-hours"], {HoursConfirmedV1: handlers.on_hours_confirmed}, inbox=inbox)
    app.consume(CONSUMERS["rewards-corrected"], {HoursCorrectedV1: handlers.on_hours_changed}, inbox=inbox)
    app.consume(CONSUMERS["rewards-cancelled"], {HoursCancelledV1: handlers.on_hours_changed}, inbox=inbox)
    return app
