"""Wiring only: which requests the registry answers and where its events go."""

from vms_contracts.rpc import registry as rpc
from vms_platform.runtime import ServiceApp
from vms_registry.db import outbox
from vms_registry.handlers import RegistryHandlers
from vms_registry.settings import RegistrySettings


def create_app(settings: RegistrySettings) -> ServiceApp:
    app = ServiceApp("registry", settings)
    handlers = RegistryHandlers(app.db, app.use_outbox(outbox))
    app.serve(rpc.REGISTER_CENTRE, handlers.register_centre)
    app.serve(rpc.GET_CENTRE, handlers.get_centre)
    app.serve(rpc.LIST_CENTRES, handlers.list_centres)
    app.serve(rpc.REGISTER_VOLUNTEER, handlers.register_volunteer)
    app.serve(rpc.GET_VOLUNTEER, handlers.get_volunteer)
    app.serve(rpc.SET_CONSENT, handlers.set_consent)
    app.serve(rpc.LIST_ACCESS_RECORDS, handlers.list_access_records)
    return app
