"""`JobQueue` over Celery: what producers use to send job messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import Celery

from pipeline.jobs import JobKind
from pipeline.producers.queue import QueueName

# Redis commands per pipeline round trip; a backfill batch (500) fits in one.
_BATCH = 1000


def task_name(kind: JobKind) -> str:
    """The Celery task that runs a job of `kind` (`workers.tasks`)."""
    return f"facepipe.{kind}"


class CeleryJobQueue:
    def __init__(self, app: Celery) -> None:
        self._app = app

    def enqueue(self, jobs: Sequence[tuple[str, JobKind]], queue: QueueName) -> None:
        self._publish([(task_name(kind), task_id) for task_id, kind in jobs], queue)

    def send(self, task_name: str, ids: Sequence[str], queue: QueueName) -> None:
        """One `task_name` message per id (e.g. webhook deliveries), batched like `enqueue`."""
        self._publish([(task_name, id_) for id_ in ids], queue)

    def _publish(self, messages: Sequence[tuple[str, str]], queue: QueueName) -> None:
        # One pooled connection for the whole batch, and kombu's publish batch: the LPUSHes go
        # out in one Redis pipeline instead of one round trip (and one client) per message.
        with self._app.producer_or_acquire() as producer, producer.batch(max_size=_BATCH):
            # Declared (bound to its exchange) once per batch, not once per message.
            producer.maybe_declare(self._app.amqp.queues[queue])
            for task_name, id_ in messages:
                self._app.send_task(
                    task_name, args=[id_], queue=queue, producer=producer, declare=[]
                )

    def depth(self, queue: QueueName) -> int:
        with self._app.connection_for_write() as connection:
            # kombu's Redis channel exposes its redis-py client; the queue is a Redis list.
            channel: Any = connection.default_channel
            return int(channel.client.llen(queue))
