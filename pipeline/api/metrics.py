"""The service's Prometheus metrics: requests, latency, queue depth."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from pipeline.producers.queue import QUEUES, JobQueue


class ApiMetrics:
    """Counters and gauges in a registry of their own (one per app)."""

    def __init__(self, queue: JobQueue) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "facepipe_api_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "facepipe_api_request_seconds",
            "HTTP request duration by route",
            ["route"],
            registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 6, 10),
        )
        depth = Gauge(
            "facepipe_queue_depth", "Messages waiting per queue", ["queue"], registry=self.registry
        )
        for name in QUEUES:
            depth.labels(name).set_function(lambda name=name: queue.depth(name))  # type: ignore[misc]
