"""The queue as producers see it. `workers.queue.CeleryJobQueue` implements it; the protocol
keeps Celery out of `pipeline`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pipeline.jobs import JobKind

QueueName = Literal["realtime", "bulk", "webhooks"]


class JobQueue(Protocol):
    def enqueue(self, jobs: Sequence[tuple[str, JobKind]], queue: QueueName) -> None:
        """Send one message per (task id, kind); the message carries nothing but the id."""

    def depth(self, queue: QueueName) -> int:
        """Messages waiting in `queue` (for backpressure)."""
