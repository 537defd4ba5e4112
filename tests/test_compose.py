"""docker-compose.yml lays the system out as in production: each service, and the gateway, its own database and
its own NATS user, configured by environment variables only, started after the JetStream setup job; every program
signs what it asks with its own actor key and verifies with everyone's public keys, the set `vms keys` prints; it
refuses to start without its secrets, which .env.example lists. Checked by parsing the file, so no Docker engine is
needed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from vms_contracts.actor import Actor
from vms_contracts.subjects import Bus
from vms_deploy.cli import main as vms
from vms_deploy.nats_setup import INTEGRATORS_VARIABLE, parse_integrators
from vms_platform import actor
from vms_platform.testing import CENTRAL_ADMIN

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
NATS_CONFIG_DIR = ROOT / "deploy" / "nats"

SERVICES = ("registry", "hours", "rewards", "linkage")
"""The VMS services that own a database."""
PROGRAMS = (*SERVICES, "gateway")
"""Every VMS program that talks to NATS as a long-running service."""
DATABASE_OWNERS = PROGRAMS
"""Who owns a PostgreSQL database of its own: the services their domain data, the gateway its accounts."""
SHARED_VARIABLES = {actor.PUBLIC_KEYS_VARIABLE}
"""The one variable read under the same name by several programs: the public keys of the whole system, which
every service verifies requests with (the gateway only signs)."""
NATS_NODES = ("nats-1", "nats-2", "nats-3")

_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and `$$`, resolved against
    `env`; a `:?` variable that is unset or empty raises KeyError, as Compose refuses to start."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        # With a colon an empty value counts as unset.
        found = (env.get(name) or None) if op in (":-", ":?") else env.get(name)
        if found is not None:
            return found
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise KeyError(f"{name} must be set: {arg}")
        return ""

    return _VARIABLE.sub(replace, value)


def example_variables() -> dict[str, str]:
    """The variables .env.example lists, with the value it gives each."""
    found: dict[str, str] = {}
    if not ENV_EXAMPLE.is_file():
        return found
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


OPERATOR_ENV = {name: f"{name.lower().replace('_', '-')}-value" for name in example_variables()}
"""What an operator who filled in .env.example gives Compose: a distinct value for every variable."""
CHOICES = {
    "VMS_NATS_IMAGE": "nats:2.15-alpine",
    "VMS_POSTGRES_IMAGE": "postgres:16",
    "VMS_PYTHON_IMAGE": "python:3.11-slim",
    "VMS_IMAGE_TAG": "latest",
    "VMS_PUBLISH_NATS": "127.0.0.1:4222",
    "VMS_PUBLISH_GATEWAY": "8000",
    "VMS_PUBLISH_SIM1365": "127.0.0.1:8365",
}
"""The variables that are no secret: where the images come from and where the host publishes the ports, each with
the official image or the usual port as its default, so that the file runs unchanged where those can be pulled."""


def resolved(value: Any) -> Any:
    """`value` (a string, or lists and maps of them) with the choices' defaults filled in, as Compose does."""
    if isinstance(value, str):
        return interpolate(value, {}) if any(f"${{{name}" in value for name in CHOICES) else value
    if isinstance(value, list):
        return [resolved(v) for v in value]
    if isinstance(value, dict):
        return {k: resolved(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), "compose file needs `services`"
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each service as Compose sees it with no choice made: its images and published ports the defaults."""
    found: dict[str, dict[str, Any]] = {
        name: {key: resolved(value) if key in ("image", "ports", "build") else value for key, value in service.items()}
        for name, service in compose["services"].items()
    }
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict of resolved strings (compose accepts a map or a `KEY=value` list)."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(k): interpolate(str(v), OPERATOR_ENV) for k, v in raw.items()}


def raw_environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(k): str(v) for k, v in raw.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """{dependency: condition}; the short list form means `service_started`."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {name: "service_started" for name in raw}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def published_ports(service: dict[str, Any]) -> set[tuple[str, str]]:
    """{(host port, container port)} from the short (`[ip:]host:container`) or the long syntax."""
    found: set[tuple[str, str]] = set()
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            found.add((str(port.get("published", "")), str(port["target"])))
            continue
        parts = str(port).split("/")[0].split(":")
        if len(parts) == 1:
            found.add(("", parts[0]))
        else:
            found.add((parts[-2], parts[-1]))
    return found


# -- databases ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATABASE_OWNERS)
def test_each_service_has_its_own_postgres(services: dict[str, dict[str, Any]], name: str) -> None:
    db = services.get(f"{name}-db")
    assert db is not None, f"{name} needs its own database service `{name}-db`"
    assert str(db.get("image", "")).startswith("postgres:16"), f"{name}-db runs PostgreSQL 16"
    env = environment(db)
    for key in ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        assert env.get(key), f"{name}-db sets {key}"
    test = (db.get("healthcheck") or {}).get("test")
    assert test and "pg_isready" in " ".join(test if isinstance(test, list) else [test]), (
        f"{name}-db has a pg_isready healthcheck"
    )
    assert depends_on(services[name]).get(f"{name}-db") == "service_healthy", (
        f"{name} starts once its database is healthy"
    )


@pytest.mark.parametrize("name", DATABASE_OWNERS)
def test_database_url_points_at_own_database_with_its_credentials(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    db = environment(services[f"{name}-db"])
    url = environment(services[name]).get(f"VMS_{name.upper()}_DATABASE_URL")
    assert url, f"{name} is given VMS_{name.upper()}_DATABASE_URL"
    parts = urlsplit(url)
    assert parts.scheme == "postgresql"
    assert parts.hostname == f"{name}-db"
    assert parts.port in (None, 5432)
    assert unquote(parts.username or "") == db["POSTGRES_USER"]
    assert unquote(parts.password or "") == db["POSTGRES_PASSWORD"]
    assert parts.path == f"/{db['POSTGRES_DB']}"


def test_no_two_services_share_a_database_host_name_user_or_password(services: dict[str, dict[str, Any]]) -> None:
    seen: dict[str, dict[str, str]] = {"host": {}, "database": {}, "user": {}, "password": {}, "password variable": {}}
    for name in DATABASE_OWNERS:
        parts = urlsplit(environment(services[name])[f"VMS_{name.upper()}_DATABASE_URL"])
        raw_password = raw_environment(services[f"{name}-db"])["POSTGRES_PASSWORD"]
        values = {
            "host": parts.hostname or "",
            "database": parts.path,
            "user": parts.username or "",
            "password": parts.password or "",
            # Distinct defaults are not enough: each password must also come from a variable of its own.
            "password variable": raw_password,
        }
        for kind, value in values.items():
            other = seen[kind].get(value)
            assert other is None, f"{name} and {other} share a database {kind} ({value!r})"
            seen[kind][value] = name


# -- images and configuration ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*PROGRAMS, "sim1365"])
def test_each_program_is_built_from_its_own_dockerfile(services: dict[str, dict[str, Any]], name: str) -> None:
    build = services[name].get("build")
    assert isinstance(build, dict), f"{name} is built (build: {{context, dockerfile}})"
    assert (ROOT / build.get("context", ".")).resolve() == ROOT, f"{name} builds with the repository root as context"
    dockerfile = ROOT / build["dockerfile"]
    assert dockerfile.is_file(), f"{name}'s Dockerfile {build['dockerfile']} exists"
    others = [
        n for n in PROGRAMS if n != name and services[n].get("build", {}).get("dockerfile") == build["dockerfile"]
    ]
    assert not others, f"{name} shares its Dockerfile with {others}"


@pytest.mark.parametrize(
    ("name", "folder"),
    [(n, f"services/{n}") for n in PROGRAMS] + [("sim1365", "services/linkage/simulators")],
)
def test_dockerfile_is_small_pinned_and_non_root(name: str, folder: str) -> None:
    text = (ROOT / folder / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM\s+(.+)$", text, flags=re.MULTILINE)
    assert bases and all(b.startswith("${PYTHON_IMAGE}") for b in bases), f"{name} builds on PYTHON_IMAGE: {bases}"
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, flags=re.MULTILINE), (
        f"{name} builds on python:3.11-slim unless told otherwise"
    )
    assert len(bases) == 2 and bases[0].endswith(" AS build"), f"{name}: built in one stage, run from a clean one"
    final = text[text.rindex("FROM ") :]
    assert "COPY --from=build /opt/vms /opt/vms" in final and "pip install" not in final, (
        f"{name}'s final image takes the built environment only, no installer run there"
    )
    copies = " ".join(re.findall(r"^COPY\s+(.+)$", text, flags=re.MULTILINE))
    assert "requirements/constraints.txt" in copies, f"{name} installs with the pinned constraints"
    assert "shared/" in copies, f"{name} installs the contracts package"
    assert f"{folder}/" in copies, f"{name} installs its own package"
    assert re.search(r"pip install -c requirements/constraints\.txt", text), f"{name} pins with -c constraints"
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users, f"{name} switches to a non-root user"
    assert users[-1].split(":")[0] not in ("root", "0"), f"{name} runs as a non-root user, not {users[-1]}"


@pytest.mark.parametrize("name", [*PROGRAMS, "nats-setup"])
def test_programs_are_configured_by_environment_only(services: dict[str, dict[str, Any]], name: str) -> None:
    service = services[name]
    assert "env_file" not in service, f"{name}: configuration is environment variables in the compose file"
    assert not service.get("volumes"), f"{name}: no mounted files (configuration or state) for a VMS program"
    assert not service.get("configs") and not service.get("secrets"), f"{name}: no config files"
    prefix = "VMS_NATS_" if name == "nats-setup" else f"VMS_{name.upper()}_"
    env = environment(service)
    assert env, f"{name} is configured through `environment`"
    stray = [key for key in env if not key.startswith(prefix) and key not in SHARED_VARIABLES]
    assert not stray, f"{name}: every variable carries the {prefix} prefix, not {stray}"


@pytest.mark.parametrize("name", [*PROGRAMS, "nats-setup", "sim1365"])
def test_programs_run_on_a_read_only_root_filesystem(services: dict[str, dict[str, Any]], name: str) -> None:
    """A program that is broken into cannot change the programs it runs: only /tmp is writable (in memory), and
    the simulator's data volume."""
    assert services[name].get("read_only") is True, f"{name} runs with a read-only root filesystem"
    assert services[name].get("tmpfs") == ["/tmp"], f"{name} writes its temporary files to memory"


def test_the_gateway_migrates_its_accounts_database_before_it_serves(services: dict[str, dict[str, Any]]) -> None:
    assert services["gateway"].get("command") == ["vms-gateway", "run", "--migrate"]
    assert environment(services["gateway"]).get("VMS_GATEWAY_LOG_FORMAT") == "json"


@pytest.mark.parametrize("name", SERVICES)
def test_services_run_and_migrate_with_json_logs(services: dict[str, dict[str, Any]], name: str) -> None:
    service = services[name]
    if "command" in service:
        assert service["command"] == [f"vms-{name}", "run", "--migrate"]
    dockerfile = (ROOT / "services" / name / "Dockerfile").read_text(encoding="utf-8")
    assert f'CMD ["vms-{name}", "run", "--migrate"]' in dockerfile
    assert environment(service).get(f"VMS_{name.upper()}_LOG_FORMAT") == "json"


# -- NATS ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("node", NATS_NODES)
def test_nats_nodes_run_the_cluster_config_with_jetstream_on_a_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]], node: str
) -> None:
    service = services[node]
    image = str(service.get("image", ""))
    match = re.match(r"nats:(\d+)\.(\d+)", image)
    assert match and (int(match.group(1)), int(match.group(2))) >= (2, 10), f"{node} runs nats 2.10 or newer"
    command = service.get("command")
    command = command.split() if isinstance(command, str) else list(command or [])
    config = command[command.index("--config") + 1] if "--config" in command else command[command.index("-c") + 1]
    volumes = [str(v) for v in service.get("volumes") or []]
    config_mount = next((v for v in volumes if v.startswith("./deploy/nats:")), None)
    assert config_mount, f"{node} mounts deploy/nats"
    mounted_at = config_mount.split(":")[1]
    assert config.startswith(mounted_at + "/")
    assert (NATS_CONFIG_DIR / config[len(mounted_at) + 1 :]).is_file(), f"{node}'s config {config} exists"
    assert config.endswith(f"{node}.conf")

    store = re.search(r"store_dir:\s*(\S+)", (NATS_CONFIG_DIR / "cluster.conf").read_text(encoding="utf-8"))
    assert store is not None
    data = [v for v in volumes if v.split(":")[1:2] == [store.group(1)]]
    assert len(data) == 1, f"{node} keeps its JetStream store ({store.group(1)}) on a volume"
    volume = data[0].split(":")[0]
    assert volume in (compose.get("volumes") or {}), f"{node}'s store is a named volume"
    others = [
        n for n in NATS_NODES if n != node and any(str(v).startswith(volume + ":") for v in services[n]["volumes"])
    ]
    assert not others, f"{node} shares its JetStream volume with {others}"
    assert service.get("healthcheck"), f"{node} has a healthcheck (nats-setup waits for it)"


def test_nats_nodes_get_every_password_the_config_reads(services: dict[str, dict[str, Any]]) -> None:
    referenced: set[str] = set()
    for path in NATS_CONFIG_DIR.glob("*.conf"):
        text = re.sub(r"#.*", "", path.read_text(encoding="utf-8"))
        # `$NAME` outside quotes is a variable; quoted "$JS.API..." subjects are not.
        referenced |= set(re.findall(r"(?<![\"'\w$])\$([A-Z][A-Z0-9_]*)", text))
    assert referenced, "the NATS config reads its passwords from the environment"
    for node in NATS_NODES:
        missing = referenced - set(environment(services[node]))
        assert not missing, f"{node} does not set {sorted(missing)}"


@pytest.mark.parametrize("name", [*PROGRAMS, "nats-setup"])
def test_each_program_connects_to_every_node_as_its_own_nats_user(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    user = "setup" if name == "nats-setup" else name
    key = "VMS_NATS_URL" if name == "nats-setup" else f"VMS_{name.upper()}_NATS_URL"
    urls = [u.strip() for u in environment(services[name])[key].split(",")]
    expected_password = environment(services["nats-1"])[f"NATS_{user.upper()}_PASSWORD"]
    hosts = []
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "nats"
        assert unquote(parts.username or "") == user, f"{name} connects as NATS user {user!r}"
        assert unquote(parts.password or "") == expected_password, f"{name}'s password is the server's"
        assert parts.port == 4222
        hosts.append(parts.hostname or "")
    assert sorted(hosts) == sorted(NATS_NODES), f"{name} lists every node: {hosts}"


def test_no_two_programs_share_a_nats_password(services: dict[str, dict[str, Any]]) -> None:
    node = raw_environment(services["nats-1"])
    passwords = {key: value for key, value in node.items() if key.startswith("NATS_") and key.endswith("_PASSWORD")}
    resolved = [interpolate(v, OPERATOR_ENV) for v in passwords.values()]
    assert len(set(resolved)) == len(resolved), "every NATS user has a password of its own"
    assert len(set(passwords.values())) == len(passwords), "every NATS password comes from its own variable"


def test_nats_setup_declares_three_replicas_before_anything_starts(services: dict[str, dict[str, Any]]) -> None:
    setup = services["nats-setup"]
    assert environment(setup).get("VMS_NATS_REPLICAS") == "3"
    command = setup.get("command")
    command = command.split() if isinstance(command, str) else list(command or [])
    assert command == ["vms", "nats-setup"]
    assert setup.get("restart") == "on-failure", "a setup that gave up waiting for the cluster is started again"
    assert float(environment(setup)["VMS_NATS_SETUP_WAIT"]) >= 60, "it waits for the cluster to form"
    for node in NATS_NODES:
        assert depends_on(setup).get(node) == "service_healthy", f"nats-setup waits for {node}"
    for name in PROGRAMS:
        assert depends_on(services[name]).get("nats-setup") == "service_completed_successfully", (
            f"{name} starts only after nats-setup completed"
        )


# -- HTTP ----------------------------------------------------------------------------------------------------------


def test_gateway_is_published_on_8000(services: dict[str, dict[str, Any]]) -> None:
    gateway = services["gateway"]
    assert ("8000", "8000") in published_ports(gateway)
    env = environment(gateway)
    assert env.get("VMS_GATEWAY_HOST") == "0.0.0.0", "inside a container the gateway listens on every interface"
    assert env.get("VMS_GATEWAY_PORT") == "8000"


def test_linkage_reaches_the_1365_simulator(services: dict[str, dict[str, Any]]) -> None:
    url = urlsplit(environment(services["linkage"])["VMS_LINKAGE_PORTAL1365_URL"])
    sim = environment(services["sim1365"])
    assert url.hostname == "sim1365"
    assert str(url.port) == sim["VMS_SIM1365_PORT"] == "8365"
    assert sim["VMS_SIM1365_HOST"] == "0.0.0.0"
    assert sim["VMS_SIM1365_DATABASE_URL"].startswith("sqlite:////data/")
    assert any(str(v).endswith(":/data") for v in services["sim1365"].get("volumes") or []), (
        "the simulator keeps its SQLite file on a volume"
    )


def test_only_the_gateway_and_local_views_are_published(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for port in service.get("ports") or []:
            text = str(port if not isinstance(port, dict) else port.get("host_ip", "") + ":" + str(port["published"]))
            if name != "gateway":
                assert text.startswith("127.0.0.1:"), f"{name} publishes {text} beyond this host"


def test_interpolation_helper() -> None:
    assert interpolate("a${X:-d}b", {}) == "adb"
    assert interpolate("${X:-d}", {"X": "v"}) == "v"
    assert interpolate("${X:-d}", {"X": ""}) == "d"
    assert interpolate("${X-d}", {"X": ""}) == ""
    assert interpolate("$${X}", {}) == "${X}"
    assert interpolate("${X:?set it}", {"X": "v"}) == "v"
    for env in ({}, {"X": ""}):
        with pytest.raises(KeyError, match="X must be set"):
            interpolate("${X:?set it}", env)


# -- secrets -------------------------------------------------------------------------------------------------------


def references(text: str) -> list[re.Match[str]]:
    return [m for m in _VARIABLE.finditer(text) if m.group(0) != "$$"]


def test_no_secret_has_a_default() -> None:
    """Every variable the file reads but the choices of images and ports is a password, and each is required
    (`${VAR:?…}`): with one missing, Compose refuses to start and says which, instead of running with a password
    anyone can read here. Each choice defaults to the official image or the usual port."""
    text = COMPOSE.read_text(encoding="utf-8")
    choices = [m for m in references(text) if m.group("name") in CHOICES]
    assert {m.group("name") for m in choices} == set(CHOICES)
    assert all(m.group("op") == ":-" and m.group("arg") == CHOICES[m.group("name")] for m in choices), choices
    found = [m for m in references(text) if m.group("name") not in CHOICES]
    assert found, "the passwords come from variables"
    loose = sorted({m.group(0) for m in found if m.group("op") != ":?" or not m.group("arg").strip()})
    assert not loose, f"required, with a message saying what to do: {loose}"
    assert all(re.search(r"(PASSWORD|SECRET|TOKEN|KEYS?)$", m.group("name")) for m in found)


def test_every_password_in_an_environment_comes_from_a_required_variable(services: dict[str, dict[str, Any]]) -> None:
    """No password is written in the file, in a variable of its own or inside a URL."""
    required = r"\$\{[A-Z0-9_]+:\?[^}]+\}"
    for name, service in services.items():
        for key, value in raw_environment(service).items():
            if key.endswith("PASSWORD"):
                assert re.fullmatch(required, value), f"{name}: {key} is {value!r}"
            for password in re.findall(r"://[^:/@$]+:(\$\{[^}]*\}|[^@/]*)@", value):
                assert re.fullmatch(required, password), f"{name}: {key} holds the password {password!r}"


def test_compose_refuses_to_start_without_any_one_of_its_secrets(services: dict[str, dict[str, Any]]) -> None:
    names = sorted({m.group("name") for m in references(COMPOSE.read_text(encoding="utf-8"))} - set(CHOICES))
    for missing in names:
        for value in (None, ""):
            env = {k: v for k, v in OPERATOR_ENV.items() if k != missing}
            if value is not None:
                env[missing] = value
            with pytest.raises(KeyError, match=f"{missing} must be set"):
                for service in services.values():
                    for raw in raw_environment(service).values():
                        interpolate(raw, env)


def test_env_example_names_every_secret_and_holds_no_value() -> None:
    read = {m.group("name") for m in references(COMPOSE.read_text(encoding="utf-8"))} - set(CHOICES)
    listed = example_variables()
    assert set(listed) == read, f"missing: {sorted(read - set(listed))}, unused: {sorted(set(listed) - read)}"
    assert not any(listed.values()), "the example holds no password, not even a sample one"


def test_nats_setup_declares_the_integrators_consumer_the_nats_users_know(services: dict[str, dict[str, Any]]) -> None:
    declared = parse_integrators(environment(services["nats-setup"]).get(INTEGRATORS_VARIABLE, ""), Bus())
    assert declared, "the integrator reads through a consumer the operator declares"
    accounts = (NATS_CONFIG_DIR / "accounts.conf").read_text(encoding="utf-8")
    for consumer in declared:
        assert f'"$JS.API.CONSUMER.MSG.NEXT.{consumer.stream}.{consumer.durable}"' in accounts


# -- who is asking -------------------------------------------------------------------------------------------------


def key_set_from_vms_keys(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """What `vms keys` prints, read as Compose reads .env: `NAME=value` lines, comments skipped."""
    vms(["keys"])
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("# "), "the set comes with a line saying what it is"
    lines = [line for line in printed if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_each_program_signs_with_its_own_key_and_reads_everyones_public_keys(
    services: dict[str, dict[str, Any]],
) -> None:
    assert set(actor.PROGRAMS) == set(PROGRAMS), "every program that asks on the bus has a key of its own"
    required = r"\$\{%s:\?[^}]+\}"
    for name in PROGRAMS:
        raw = raw_environment(services[name])
        own = f"VMS_{name.upper()}_ACTOR_KEY"
        assert re.fullmatch(required % own, raw.get(own, "")), f"{name}: {own} comes from the variable {own}"
        public = actor.PUBLIC_KEYS_VARIABLE
        if name in SERVICES:
            assert re.fullmatch(required % public, raw.get(public, "")), f"{name}: {public} from the variable {public}"
        else:
            assert public not in raw, f"{name} answers nothing on the bus: it verifies no one"
        others = [key for key in raw if key.endswith("_ACTOR_KEY") and key != own]
        assert not others, f"{name} holds another program's private key: {others}"
    for name in ("nats-setup", "sim1365", *(f"{n}-db" for n in DATABASE_OWNERS)):
        assert not any("ACTOR" in key for key in raw_environment(services[name])), f"{name} asks nobody anything"


def test_vms_keys_prints_what_compose_reads_and_the_programs_trust_each_other(
    services: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """An operator pastes `vms keys` into .env: every actor variable Compose reads is set, .env.example lists each,
    and a request the gateway signs with its key is verified by every service with the public keys it is given,
    while one a service signs for itself names only itself."""
    keys = key_set_from_vms_keys(capsys)
    read = {m.group("name") for m in references(COMPOSE.read_text(encoding="utf-8"))}
    assert {name for name in read if "ACTOR" in name} == set(keys)
    assert set(keys) <= set(example_variables())
    env = {**OPERATOR_ENV, **keys}
    program_env = {
        name: {k: interpolate(v, env) for k, v in raw_environment(services[name]).items()} for name in PROGRAMS
    }
    gateway = actor.ActorSigner("gateway", actor.private_key(program_env["gateway"]["VMS_GATEWAY_ACTOR_KEY"]))
    token = gateway.token(CENTRAL_ADMIN)
    for name in SERVICES:
        verifier = actor.ActorVerifier(actor.public_keys(program_env[name][actor.PUBLIC_KEYS_VARIABLE]))
        assert verifier.verify(token) == CENTRAL_ADMIN, f"{name} trusts the gateway"
        own = actor.ActorSigner(name, actor.private_key(program_env[name][f"VMS_{name.upper()}_ACTOR_KEY"]))
        assert verifier.verify(own.token(Actor.service(name))).id == name
        with pytest.raises(actor.ActorInvalid, match=f"{name} may sign only for itself"):
            verifier.verify(own.token(CENTRAL_ADMIN))


def test_vms_keys_makes_a_new_set_each_time(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = key_set_from_vms_keys(capsys), key_set_from_vms_keys(capsys)
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first), "no key is fixed in the code"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_image_opens_its_probes_and_checks_its_readiness(name: str) -> None:
    text = (ROOT / "services" / name / "Dockerfile").read_text(encoding="utf-8")
    port = re.search(rf"^ENV VMS_{name.upper()}_PROBE_PORT=(\d+)$", text, flags=re.MULTILINE)
    assert port is not None, f"{name}: the probes open on a port of their own"
    assert re.search(rf"^EXPOSE {port[1]}$", text, flags=re.MULTILINE)
    check = re.search(r"^HEALTHCHECK .*\n\s+CMD (.+)$", text, flags=re.MULTILINE)
    assert check is not None and f"http://127.0.0.1:{port[1]}/readyz" in check[1], f"{name}: healthy once ready"


def test_the_gateway_image_checks_its_own_readiness() -> None:
    text = (ROOT / "services" / "gateway" / "Dockerfile").read_text(encoding="utf-8")
    check = re.search(r"^HEALTHCHECK .*\n\s+CMD (.+)$", text, flags=re.MULTILINE)
    assert check is not None and "http://127.0.0.1:8000/readyz" in check[1]
