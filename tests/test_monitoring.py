"""The alert rules and the dashboard in deploy/monitoring/ use only metrics the services export, and say what an
operator needs: every alert has a severity, a summary and a description, and waits long enough not to page on a
blip."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from vms_platform.metrics import Metrics

MONITORING = Path(__file__).resolve().parents[1] / "deploy" / "monitoring"
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "by", "rate", "increase", "histogram_quantile", "le", "up", "job", "instance",
    "operation", "outcome", "consumer", "offset", "on", "without", "and", "or", "unless",
}  # fmt: skip


def exported() -> set[str]:
    """Every series name the services export: the shared metrics and linkage's own, as Prometheus names them."""
    metrics = Metrics()

    names: set[str] = set()
    for family in metrics.registry.collect():
        names |= {sample.name for sample in family.samples} | {family.name}
    # Histograms' and counters' series exist once observed: name them as Prometheus does.
    for family in metrics.registry.collect():
        if family.type == "histogram":
            names |= {f"{family.name}_bucket", f"{family.name}_sum", f"{family.name}_count"}
        if family.type == "counter":
            names.add(f"{family.name}_total")
    return names | linkage_names()


def linkage_names() -> set[str]:
    source = (Path(__file__).resolve().parents[1] / "services/linkage/src/vms_linkage/sender.py").read_text()
    names = set(re.findall(r'"(vms_linkage_[a-z0-9_]+)"', source))
    return names | {f"{name}_total" for name in names}


def metric_names(expr: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}", "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    words = set(re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", without_ranges))
    return {w for w in words if w not in PROMQL_WORDS}


def alert_rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def test_alerts_use_only_exported_metrics_and_say_what_to_do() -> None:
    known = exported() | {"up"}
    rules = alert_rules()
    assert {rule["alert"] for rule in rules} >= {
        "VmsServiceDown",
        "VmsServiceNotReady",
        "VmsConsumerFallingBehind",
        "VmsOutboxNotDraining",
        "VmsDeadLettersArriving",
        "Vms1365Unreachable",
    }
    for rule in rules:
        assert metric_names(rule["expr"]) <= known, (rule["alert"], metric_names(rule["expr"]) - known)
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        if rule["labels"]["severity"] == "page":
            assert re.fullmatch(r"\d+m", rule["for"]), f"{rule['alert']} pages only once it has lasted"


def test_the_dashboard_plots_only_exported_metrics() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    known = exported()
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= 10
    for expr in exprs:
        assert metric_names(expr) <= known, (expr, metric_names(expr) - known)
    used = set().union(*(metric_names(e) for e in exprs))
    for family in ("vms_consumer_pending", "vms_outbox_oldest_unsent_age_seconds", "vms_linkage_1365_available"):
        assert family in used
