from vms_gateway.db import metadata
from vms_platform.db import run_migrations_from_env

run_migrations_from_env(metadata)
