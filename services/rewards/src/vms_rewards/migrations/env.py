from vms_platform.db import run_migrations_from_env
from vms_rewards.db import metadata

run_migrations_from_env(metadata)
