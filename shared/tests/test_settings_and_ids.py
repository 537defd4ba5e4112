"""Which regions a deployment serves, how an id names its owner, and what a service refuses to start without."""

from __future__ import annotations

import ast
import asyncio
import os
import sys
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from vms_contracts.ids import new_id, region_of
from vms_contracts.regions import REGIONS
from vms_contracts.subjects import Bus
from vms_platform.runtime import ServiceApp, StartupError
from vms_platform.settings import ServiceSettings, configuration_errors, parse_regions, redacted, variable_of
from vms_platform.testing import run_program

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "src" / "vms_contracts"


@pytest.mark.parametrize(
    ("regions", "served", "national"),
    [
        ("*", sorted(REGIONS), True),
        ("*,-26", sorted(set(REGIONS) - {"26"}), True),
        ("* , -26, -27", sorted(set(REGIONS) - {"26", "27"}), True),
        ("26", ["26"], False),
        ("27,26", ["26", "27"], False),
        ("45", ["52"], False),
    ],
)
def test_a_deployment_serves_the_regions_it_is_given(regions: str, served: list[str], national: bool) -> None:
    assert parse_regions(regions) == (served, national)


@pytest.mark.parametrize(
    ("regions", "why"),
    [("", "no regions"), ("-26", "`\\*` is not given"), ("*,-00", "always answers region 00"), ("99", "99")],
)
def test_regions_that_make_no_sense_are_refused(regions: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_regions(regions)


def test_a_regional_deployment_names_its_consumers() -> None:
    assert ServiceSettings(regions="*,-26").deployment == ""
    assert ServiceSettings(regions="27,26").deployment == "26-27"


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_an_id_names_the_region_that_owns_it(region: str) -> None:
    made = new_id(region)
    assert made.version == 7
    assert region_of(made) == region


def test_ids_are_time_ordered_and_ids_without_an_owner_name_none() -> None:
    first, second = new_id("26"), new_id("11")
    assert first.int >> 80 <= second.int >> 80, "the first 48 bits are the creation time"
    assert region_of(new_id()) is None or region_of(new_id()) in REGIONS  # plain v7: almost always None
    assert region_of(uuid4()) is None
    assert region_of(UUID("01a2172c-0000-7000-8000-000000000000")) is None
    with pytest.raises(ValueError, match="99"):
        new_id("99")


def test_the_contract_depends_on_nothing_but_pydantic_and_uuid_utils() -> None:
    """Integrators install vms-contracts alone: it must never import the platform, NATS or a database driver."""
    allowed = {"vms_contracts", "pydantic", "pydantic_core", "uuid_utils", *sys.stdlib_module_names}
    for path in CONTRACTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                else []
            )
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_a_service_without_its_database_url_refuses_to_start() -> None:
    with pytest.raises(StartupError, match="VMS_DATABASE_URL"):
        ServiceApp("hours", ServiceSettings(database_url=""))


def test_the_service_command_names_the_missing_database_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_HOURS_")}
    result = run_program("vms-hours", "run", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "VMS_HOURS_DATABASE_URL" in result.stderr
    assert not list(tmp_path.rglob("*.db")), "no database file was made in its place"


@pytest.mark.parametrize(
    ("program", "variables", "named", "why"),
    [
        ("vms-hours", {"VMS_HOURS_DATABASE_URL": "garbage"}, "VMS_HOURS_DATABASE_URL", "not a URL"),
        (
            "vms-hours",
            {"VMS_HOURS_DATABASE_URL": "mysql://hours:s3cret@db/hours"},
            "VMS_HOURS_DATABASE_URL",
            "mysql:// is no database this runs on",
        ),
        ("vms-registry", {"VMS_REGISTRY_NATS_URL": "nats-1:4222"}, "VMS_REGISTRY_NATS_URL", "not a NATS server's URL"),
        (
            "vms-rewards",
            {"VMS_REWARDS_NATS_URL": "nats://rewards:s3cret@nats-1:4222,http://nats-2"},
            "VMS_REWARDS_NATS_URL",
            "'http://nats-2' is not a NATS server's URL",
        ),
        ("vms-linkage", {"VMS_LINKAGE_NATS_URL": "nats://nats-1:99999"}, "VMS_LINKAGE_NATS_URL", "port out of range"),
        ("vms-hours", {"VMS_HOURS_BATCH_SIZE": "many"}, "VMS_HOURS_BATCH_SIZE", "valid integer"),
        ("vms-gateway", {"VMS_GATEWAY_DATABASE_URL": "oracle://a/b"}, "VMS_GATEWAY_DATABASE_URL", "oracle://"),
    ],
)
def test_a_wrong_url_or_value_stops_the_program_at_once_naming_its_variable(
    tmp_path: Path, program: str, variables: dict[str, str], named: str, why: str
) -> None:
    """A URL that is no URL is a mistake to fix, not a server to wait for: the program exits at once, with a line
    naming the variable and what is wrong, and no password of the value in it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_")}
    env |= {"VMS_HOURS_DATABASE_URL": "sqlite:///unused.db", **variables}
    result = run_program(program, "run", env=env, cwd=tmp_path, timeout=30)
    assert result.returncode != 0
    line = next((line for line in result.stderr.splitlines() if line.strip().startswith(f"{named}:")), None)
    assert line is not None, result.stderr
    assert why in line, line
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.db")), "nothing was made"


def test_a_secret_that_is_wrong_is_named_and_never_shown() -> None:
    class WithSecret(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="VMS_TEST_")
        shared_key: SecretStr = Field(min_length=40)

    with pytest.raises(ValidationError) as raised:
        WithSecret(shared_key="short-and-secret", database_url="sqlite:///x.db")
    said = configuration_errors(WithSecret, raised.value)
    assert said.startswith("  VMS_TEST_SHARED_KEY: ")
    assert "short-and-secret" not in said
    assert variable_of(ServiceSettings, "actor_public_keys") == "VMS_ACTOR_PUBLIC_KEYS"


def test_a_rewards_deployment_is_national() -> None:
    with pytest.raises(StartupError, match="VMS_REGIONS must include"):
        ServiceApp("rewards", ServiceSettings(database_url="sqlite:///x.db", regions="26"))


def test_passwords_are_not_logged() -> None:
    urls = "nats://hours:s3cret@nats-1:4222,nats://nats-2:4222"
    assert redacted(urls) == "nats://hours:***@nats-1:4222,nats://nats-2:4222"
    assert redacted("nats://s3cret-token@nats-1:4222") == "nats://***@nats-1:4222"


def test_settings_show_their_urls_without_passwords() -> None:
    """Settings end up in tracebacks (a terminal's shows local variables) and error reports."""
    settings = ServiceSettings(
        nats_url="nats://hours:nats-s3cret@nats-1:4222", database_url="postgresql://hours:pg-s3cret@db/hours"
    )
    shown = repr(settings) + str(settings)
    assert "s3cret" not in shown, shown
    assert "nats://hours:***@nats-1:4222" in shown and "postgresql://hours:***@db/hours" in shown
    assert settings.nats_url == "nats://hours:nats-s3cret@nats-1:4222", "the value itself is untouched"


async def test_a_service_on_a_database_never_migrated_says_to_migrate_it(
    new_database: Any, nats_url: str, bus: Bus
) -> None:
    app = ServiceApp(
        "rewards", ServiceSettings(database_url=await new_database("rewards"), nats_url=nats_url, bus_root=bus.root)
    )
    try:
        with pytest.raises(StartupError, match="migrate it first"):
            await asyncio.wait_for(app.start(), timeout=30)
    finally:
        await app.stop()
