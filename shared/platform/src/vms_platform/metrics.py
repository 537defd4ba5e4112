"""What a service counts for Prometheus, served at `/metrics` on its probe port (`vms_platform.probes`).

Counted as it happens: requests by operation and outcome, with their duration; events handled and parked by
consumer, and the size of the batches they came in. Read when scraped: the outbox's backlog and the age of its
oldest unsent event, each durable consumer's pending and redelivered events (JetStream's count), the database
connections in use, and whether the process is ready. Each process has a registry of its own (a test runs several
services in one process); the scrape's job and instance labels say which service and replica it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)

Refresh = Callable[["Metrics"], Awaitable[None]]
"""Sets the gauges read at scrape time."""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "vms_rpc_requests", "Requests answered, by operation and outcome (ok, or the refusal's kind)",
            ["operation", "outcome"], registry=r,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "vms_rpc_duration_seconds", "Time to answer a request, by operation", ["operation"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.events_handled = Counter(
            "vms_events_handled", "Events applied by a consumer (each once)", ["consumer"], registry=r
        )
        self.events_parked = Counter(
            "vms_events_parked", "Events a consumer parked as dead letters", ["consumer"], registry=r
        )
        self.batch_size = Histogram(
            "vms_consumer_batch_size", "Events in each batch a consumer took", ["consumer"],
            buckets=BATCH_BUCKETS, registry=r,
        )  # fmt: skip
        self.consumer_pending = Gauge(
            "vms_consumer_pending", "Events in the stream not yet given to the consumer (its lag)", ["consumer"],
            registry=r,
        )  # fmt: skip
        self.consumer_redelivered = Gauge(
            "vms_consumer_redelivered", "Events given to the consumer more than once, not yet acknowledged",
            ["consumer"], registry=r,
        )  # fmt: skip
        self.outbox_backlog = Gauge("vms_outbox_backlog", "Events committed and not yet published", registry=r)
        self.outbox_oldest_seconds = Gauge(
            "vms_outbox_oldest_unsent_age_seconds", "Age of the oldest event not yet published (0: none)", registry=r
        )
        self.db_connections_in_use = Gauge(
            "vms_db_connections_in_use", "Database connections checked out of the pool", registry=r
        )
        self.ready = Gauge("vms_ready", "1 when the process may be given work (readiness), else 0", registry=r)
        self._refresh: list[Refresh] = []

    def request(self, operation: str, outcome: str, seconds: float) -> None:
        self.requests.labels(operation, outcome).inc()
        self.request_seconds.labels(operation).observe(seconds)

    def on_scrape(self, refresh: Refresh) -> None:
        self._refresh.append(refresh)

    async def exposition(self) -> bytes:
        """The text format Prometheus scrapes, the gauges read now."""
        for refresh in self._refresh:
            await refresh(self)
        return generate_latest(self.registry)
