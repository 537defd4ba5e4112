from vms_hours.db import metadata
from vms_shared.db import run_migrations_from_env

run_migrations_from_env(metadata)
