"""The job tasks. Each message carries a task id only; the store holds the job, and the
whole per-image path (fetch, decode, engine, gate, analysis) runs here in one process."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_init

from pipeline.errors import (
    FacepipeError,
    InternalError,
    MemoryLimitError,
    MissingModelError,
    ProcessingTimeoutError,
    RedeliveryLimitError,
    TransientError,
    error_named,
)
from pipeline.jobs import JOB_KINDS, JobKind, failure_result, run_job
from pipeline.notices import publish
from pipeline.sources.inline import is_inline
from pipeline.sources.shelf import downloads
from pipeline.store import Finish, JobRecord
from pipeline.vision import dlib_models
from pipeline.vision.engine import FaceEngine
from workers.app import app
from workers.limits import cap_job_memory
from workers.queue import task_name
from workers.runtime import Runtime, runtime
from workers.webhooks import send_deliveries

logger = logging.getLogger(__name__)
# A job held by another delivery is checked again after this many seconds.
BUSY_RECHECK = 15.0


@worker_init.connect
def _load_models_before_forking(**_: Any) -> None:
    # The pool processes inherit the loaded models (copy-on-write) instead of each loading
    # its own: faster start-up and one copy of the model memory.
    dlib_models.load()


@worker_process_init.connect
def _warm_up(**_: Any) -> None:
    # Open the store (and its connections) and the engine's ONNX sessions in each pool
    # process, before the first message: a sync API call should not wait for them.
    rt = runtime()
    try:
        FaceEngine(rt.settings.engine).warm_up()
    except MissingModelError as error:
        # Raising here would kill the pool process, and Celery would start it again, forever.
        # Each job then fails with this error, stored in its result.
        logger.error("cannot load a model: %s", error)
    # After the warm-up: the models are the process's baseline, not the job's budget.
    cap_job_memory(rt.settings.worker.max_job_memory_mb)


Step = Callable[[Runtime, JobRecord, str], str]


def process(task: Task[Any, Any], task_id: str) -> str:
    """Run one job to a stored result; returns what happened (for logs and tests).

    A job with images at user URLs goes to the `fetch` queue first (`pipeline.sources.shelf`)
    and comes back here with its downloads parked.
    """
    return _claimed(task, task_id, _analyse)


def download(task: Task[Any, Any], task_id: str) -> str:
    """The fetch stage: park a job's user-URL images, then hand it back to analysis."""
    return _claimed(task, task_id, _download)


def _claimed(task: Task[Any, Any], task_id: str, step: Step) -> str:
    """Claim the job for this message, run `step`, and turn every failure into a final
    state or a counted retry."""
    rt = runtime()
    # Stays the same across redeliveries and retries of this message.
    delivery = str(task.request.id)
    claim = rt.store.claim(task_id, delivery)
    if claim.outcome == "busy":
        # Another message for the same job is running it. Look again later: if that worker
        # died, its lease expires and this message takes the job over.
        lease = rt.settings.worker.time_limit + 30
        raise task.retry(countdown=BUSY_RECHECK, max_retries=int(lease // BUSY_RECHECK) + 2)
    if claim.outcome != "claimed" or claim.record is None:
        logger.info("job %s is %s; nothing to do", task_id, claim.outcome)
        return claim.outcome
    record = claim.record
    if record.attempts > rt.settings.worker.max_deliveries:
        return _fail(rt, record, delivery, RedeliveryLimitError(_redelivered(record)))
    try:
        return step(rt, record, delivery)
    except TransientError as exc:
        # Counted in the job's row, not by Celery: its count is per message and its default
        # cap (3) would drop the message with the row left `retrying`.
        if record.retries >= rt.settings.worker.max_retries:
            return _fail(rt, record, delivery, exc)
        rt.store.mark_retrying(task_id, delivery, exc)
        countdown = _backoff(record.retries, rt.settings.worker.retry_backoff_max)
        logger.info("job %s: %s; retrying in %.1f s", task_id, exc.message, countdown)
        # If this send fails, the sweep (`sweep_jobs`) finishes the job with this error.
        raise task.retry(countdown=countdown) from exc
    except FacepipeError as exc:
        return _fail(rt, record, delivery, exc)
    except MemoryError:
        budget = rt.settings.worker.max_job_memory_mb
        error = MemoryLimitError(f"the image needed more than the job's {budget} MB")
        return _fail(rt, record, delivery, error)
    except SoftTimeLimitExceeded:
        limit = rt.settings.worker.soft_time_limit
        return _fail(rt, record, delivery, ProcessingTimeoutError(f"took longer than {limit} s"))
    except Exception:
        # A bug: stored as a failed result (visible, nothing lost) rather than retried forever.
        logger.exception("job %s failed unexpectedly", task_id)
        # The stored message is read by API clients: the details stay in the worker's log.
        internal = InternalError("internal error; the worker log has the details")
        return _fail(rt, record, delivery, internal)


def _analyse(rt: Runtime, record: JobRecord, delivery: str) -> str:
    urls = downloads(record.spec.images)
    if urls and not rt.shelf.holds(record.task_id, urls):
        _hand_over(rt, record, delivery, download_task.name, "fetch")
        return "fetching"
    images = rt.shelf.over(record.task_id, rt.sources)
    outcome = run_job(record.task_id, record.spec, images, rt.settings, rt.library)
    _finished(rt, record, rt.store.complete(record.task_id, delivery, outcome))
    logger.info("job %s %s: %s faces", record.task_id, record.spec.kind, outcome.faces)
    return "succeeded"


def _download(rt: Runtime, record: JobRecord, delivery: str) -> str:
    for ref in downloads(record.spec.images):
        rt.shelf.park(record.task_id, ref, rt.sources.fetch(ref))
    _hand_over(rt, record, delivery, task_name(record.spec.kind), record.queue)
    return "downloaded"


def _hand_over(rt: Runtime, record: JobRecord, delivery: str, stage: str, queue: str) -> None:
    """Send the job's next stage as a message that already holds the job's claim."""
    next_delivery = uuid.uuid4().hex
    if rt.store.hand_over(record.task_id, delivery, next_delivery):
        _send(stage, record.task_id, queue, next_delivery)


def sweep_stalled(rt: Runtime) -> int:
    """Deal with every job stalled past `stall_timeout` (its message was lost): send it
    again while it has retries and deliveries left, else fail it with its last error.
    Returns how many jobs it touched."""
    worker = rt.settings.worker
    idle_since = datetime.now(UTC) - timedelta(seconds=worker.stall_timeout)
    touched = 0
    for record in rt.store.stalled(idle_since):
        spent = record.retries >= worker.max_retries or record.attempts >= worker.max_deliveries
        if not spent:
            delivery = uuid.uuid4().hex
            if rt.store.redrive(record.task_id, idle_since, delivery):
                touched += 1
                logger.warning("job %s stalled; sent again", record.task_id)
                _send(task_name(record.spec.kind), record.task_id, record.queue, delivery)
            continue
        error = _stalled_error(record, worker.stall_timeout)
        result = failure_result(record.task_id, record.spec, error)
        finish = rt.store.abandon(record.task_id, idle_since, error, result)
        if finish:
            touched += 1
            logger.warning("job %s stalled; failed with %s", record.task_id, error.code)
        _finished(rt, record, finish)
    return touched


def _send(stage: str, task_id: str, queue: str, delivery: str) -> None:
    """A message for the job's `stage` whose id is the `delivery` the job's claim names."""
    app.send_task(stage, args=[task_id], queue=queue, task_id=delivery)


def _stalled_error(record: JobRecord, timeout: float) -> FacepipeError:
    if record.status == "retrying" and record.error_name is not None:
        # The transient error it was retrying: its code says what went wrong.
        error = error_named(record.error_name)
        return error(f"{record.error_msg} (no retry left; stalled for {timeout:.0f} s)")
    return ProcessingTimeoutError(f"no worker finished the job within {timeout:.0f} s")


def _fail(rt: Runtime, record: JobRecord, delivery: str, error: FacepipeError) -> str:
    result = failure_result(record.task_id, record.spec, error)
    _finished(rt, record, rt.store.fail(record.task_id, delivery, error, result))
    logger.info("job %s failed: %s %s", record.task_id, error.code, error.message)
    return "failed"


def _finished(rt: Runtime, record: JobRecord, finish: Finish) -> None:
    """After the result is committed: hand its webhook to the queue, wake a sync caller,
    and drop the job's inline payloads (a final job never reads them again)."""
    if finish:
        for ref in record.spec.images:
            if is_inline(ref):
                rt.sources.inline.discard(ref)
        rt.shelf.discard(record.task_id, downloads(record.spec.images))
    if finish.delivery_id is not None:
        # If this message is lost, the scheduler finds the delivery due after its lease.
        send_deliveries([finish.delivery_id])
    if finish and record.queue == "realtime":
        publish(rt.notices, record.task_id)


def _backoff(retries: int, cap: int) -> float:
    # Exponential with "equal jitter": spreads retries of many jobs hit by one outage.
    ceiling = min(float(cap), 2.0**retries)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _redelivered(record: JobRecord) -> str:
    return f"delivered {record.attempts} times without finishing (it keeps killing its worker)"


@app.task(name="facepipe.sweep_jobs")
def sweep_jobs() -> int:
    """Finish jobs whose messages were lost (run by the scheduler, `--beat`)."""
    return sweep_stalled(runtime())


def _job_task(kind: JobKind) -> Task[Any, Any]:
    """The task that runs jobs of `kind` (named by `workers.queue.task_name`)."""

    def run(self: Task[Any, Any], task_id: str) -> str:
        return process(self, task_id)

    run.__name__ = run.__qualname__ = kind
    run.__doc__ = f"Run one {kind} job to a stored result."
    # max_retries=None: the job's row counts transient retries (see `process`), not Celery.
    task: Task[Any, Any] = app.task(bind=True, name=task_name(kind), max_retries=None)(run)
    return task


JOB_TASKS: dict[JobKind, Task[Any, Any]] = {kind: _job_task(kind) for kind in JOB_KINDS}


@app.task(bind=True, name="facepipe.fetch", max_retries=None)
def download_task(self: Task[Any, Any], task_id: str) -> str:
    return download(self, task_id)
