"""The queue as producers see it. `workers.queue.CeleryJobQueue` implements it; the protocol
keeps Celery out of `pipeline`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, get_args

from pipeline.jobs import JobKind, JobSpec
from pipeline.store import ResultStore, Submission

# realtime: sync API calls; bulk: everything else; fetch: downloads of user URLs
# (`pipeline.sources.shelf`); webhooks: callbacks and the scheduler's sweeps.
QueueName = Literal["realtime", "bulk", "fetch", "webhooks"]
QUEUES: tuple[QueueName, ...] = get_args(QueueName)


class JobQueue(Protocol):
    def enqueue(self, jobs: Sequence[tuple[str, JobKind]], queue: QueueName) -> None:
        """Send one message per (task id, kind); the message carries nothing but the id."""

    def depth(self, queue: QueueName) -> int:
        """Messages waiting in `queue` (for backpressure)."""


def submit_and_enqueue(
    specs: Sequence[JobSpec],
    store: ResultStore,
    queue: JobQueue,
    queue_name: QueueName,
    *,
    reprocess: bool = False,
    callback_url: str | None = None,
    callback_seed: str | None = None,
    callback_key: str | None = None,
    owner_key: str | None = None,
) -> tuple[list[Submission], int]:
    """Record jobs in the store, then send a message for each one that needs it.

    Store first, send second: a crash in between leaves queued jobs that the next submit of
    the same images re-sends, never a message without a job. Returns the submissions and
    how many messages were sent. A callback (URL, seed, the key that signs it) and the
    submitting key (`owner_key`) apply to every job submitted.
    """
    submissions = store.submit(
        specs,
        queue=queue_name,
        reprocess=reprocess,
        callback_url=callback_url,
        callback_seed=callback_seed,
        callback_key=callback_key,
        owner_key=owner_key,
    )
    to_send = [
        (s.task_id, spec.kind) for s, spec in zip(submissions, specs, strict=True) if s.enqueue
    ]
    if to_send:
        queue.enqueue(to_send, queue_name)
    return submissions, len(to_send)
