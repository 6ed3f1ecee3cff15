"""Backfill: enqueue a job for every image under a bucket prefix (or folder).

Each batch is recorded in the store, then sent, then checkpointed, so a backfill killed at
any point resumes after its last checkpoint without losing or duplicating a result: objects
listed again after a crash are found in the store and only re-sent if still unfinished.
"""

from __future__ import annotations

import logging
import queue as queue_module
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.jobs import JobKind, JobSpec
from pipeline.producers.queue import JobQueue, QueueName, submit_and_enqueue
from pipeline.sources.listing import Listed, list_images
from pipeline.sources.s3 import BucketFetcher
from pipeline.store import TERMINAL, ResultStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackfillOptions:
    kind: JobKind = "detect"
    # False (--missing): skip images that already have a result for the same ETag.
    # True (--all): analyse again; the previous result stays until the new one is stored.
    reprocess: bool = False
    dry_run: bool = False
    # Objects per second at most (None: as fast as the queue accepts them).
    rate: float | None = None
    # Pause while the queue holds more messages than this.
    high_water: int = 50_000
    batch: int = 500
    queue: QueueName = "bulk"
    # Files of a folder not to enqueue (`list_images`).
    skip: frozenset[Path] = frozenset()
    # Keep the task ids (for `facepipe run`, which follows them to the end).
    collect_task_ids: bool = False
    # Resume from (and save) a checkpoint; `facepipe run` lists everything every time.
    checkpoint: bool = True
    # Called once per batch with the running report (progress bars).
    on_batch: Callable[[BackfillReport], None] | None = None
    # The job of each listed object (None: not a job, e.g. a file outside any person's
    # folder in `facepipe enroll`); by default a `kind` job on the object.
    spec_for: Callable[[Listed], JobSpec | None] | None = None


@dataclass
class BackfillReport:
    listed: int = 0
    enqueued: int = 0
    skipped: int = 0
    resumed_after: str | None = None
    task_ids: list[str] = field(default_factory=list)


def checkpoint_name(target: str, options: BackfillOptions) -> str:
    mode = "all" if options.reprocess else "missing"
    return f"{options.kind}:{mode}:{target}"


def backfill(
    target: str,
    store: ResultStore,
    queue: JobQueue,
    buckets: BucketFetcher,
    options: BackfillOptions,
) -> BackfillReport:
    """Enqueue the images under `target` (s3://, oss:// prefix or folder)."""
    name = checkpoint_name(target, options)
    saving = options.checkpoint and not options.dry_run
    saved = store.checkpoints.load(name) if saving else None
    report = BackfillReport(resumed_after=saved[0] if saved else None)
    report.enqueued = saved[1] if saved else 0
    if saved:
        logger.info("resuming %s after %r (%d enqueued before)", name, saved[0], saved[1])
    throttle = _Throttle(options.rate)
    pages = _read_ahead(list_images(target, buckets, report.resumed_after, options.skip))
    for batch in _batches(pages, options.batch):
        throttle.wait(len(batch))
        if not options.dry_run:
            _wait_below_high_water(queue, options)
        _submit(batch, store, queue, options, report)
        if saving:
            store.checkpoints.save(name, batch[-1].key, report.enqueued)
        if options.on_batch is not None:
            options.on_batch(report)
    if saving:
        # Finished: the next backfill of this prefix lists everything again.
        store.checkpoints.clear(name)
    logger.info(
        "backfill %s: %d listed, %d enqueued, %d skipped",
        name,
        report.listed,
        report.enqueued,
        report.skipped,
    )
    return report


def _submit(
    batch: list[Listed],
    store: ResultStore,
    queue: JobQueue,
    options: BackfillOptions,
    report: BackfillReport,
) -> None:
    make = options.spec_for or (lambda item: JobSpec(options.kind, item.ref))
    made = [make(item) for item in batch]
    specs = [spec for spec in made if spec is not None]
    report.listed += len(made)
    report.skipped += len(made) - len(specs)
    if options.dry_run:
        existing = store.statuses([spec.idempotency_key() for spec in specs])
        finished = sum(1 for _, status in existing.values() if status in TERMINAL)
        would_send = len(specs) if options.reprocess else len(specs) - finished
        report.enqueued += would_send
        report.skipped += len(specs) - would_send
        return
    submissions, sent = submit_and_enqueue(
        specs, store, queue, options.queue, reprocess=options.reprocess
    )
    report.enqueued += sent
    report.skipped += len(submissions) - sent
    if options.collect_task_ids:
        report.task_ids.extend(s.task_id for s in submissions)


def _read_ahead(pages: Iterator[list[Listed]], depth: int = 2) -> Iterator[list[Listed]]:
    """Fetch the next listing pages in a thread while the current one is being submitted."""
    buffer: queue_module.Queue[list[Listed] | BaseException | None] = queue_module.Queue(depth)

    def produce() -> None:
        try:
            for page in pages:
                buffer.put(page)
        except BaseException as exc:  # handed over: the consuming thread re-raises it
            buffer.put(exc)
        else:
            buffer.put(None)

    threading.Thread(target=produce, name="backfill-listing", daemon=True).start()
    while (item := buffer.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


def _batches(pages: Iterator[list[Listed]], size: int) -> Iterator[list[Listed]]:
    for page in pages:
        for start in range(0, len(page), size):
            yield page[start : start + size]


def _wait_below_high_water(queue: JobQueue, options: BackfillOptions) -> None:
    while queue.depth(options.queue) > options.high_water:
        # Backpressure: the workers are behind; listing further would only grow the queue.
        time.sleep(0.5)


class _Throttle:
    """At most `rate` objects per second, averaged since the start."""

    def __init__(self, rate: float | None) -> None:
        self._rate = rate
        self._start = time.monotonic()
        self._sent = 0

    def wait(self, count: int) -> None:
        if self._rate is not None:
            due = self._start + self._sent / self._rate
            time.sleep(max(0.0, due - time.monotonic()))
        self._sent += count
