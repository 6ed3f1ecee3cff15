"""The job tasks. Each message carries a task id only; the store holds the job, and the
whole per-image path (fetch, decode, engine, gate, analysis) runs here in one process."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_init

from pipeline.errors import (
    FacepipeError,
    InternalError,
    MissingModelError,
    ProcessingTimeoutError,
    RedeliveryLimitError,
    TransientError,
    error_named,
)
from pipeline.jobs import failure_result, run_job
from pipeline.notices import publish
from pipeline.sources.inline import is_inline
from pipeline.store import Finish, JobRecord
from pipeline.vision.engine import FaceEngine
from pipeline.vision.models import load_models
from workers.app import app
from workers.runtime import Runtime, runtime
from workers.webhooks import send_deliveries

logger = logging.getLogger(__name__)
# A job held by another delivery is checked again after this many seconds.
BUSY_RECHECK = 15.0


@worker_init.connect
def _load_models_before_forking(**_: Any) -> None:
    # The pool processes inherit the loaded models (copy-on-write) instead of each loading
    # its own: faster start-up and one copy of the model memory.
    load_models()


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


def process(task: Task[Any, Any], task_id: str) -> str:
    """Run one job to a stored result; returns what happened (for logs and tests)."""
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
        outcome = run_job(task_id, record.spec, rt.sources, rt.settings)
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
    except SoftTimeLimitExceeded:
        limit = rt.settings.worker.soft_time_limit
        return _fail(rt, record, delivery, ProcessingTimeoutError(f"took longer than {limit} s"))
    except Exception as exc:
        # A bug: stored as a failed result (visible, nothing lost) rather than retried forever.
        logger.exception("job %s failed unexpectedly", task_id)
        return _fail(rt, record, delivery, InternalError(f"{type(exc).__name__}: {exc}"))
    _finished(rt, record, rt.store.complete(task_id, delivery, outcome))
    logger.info("job %s %s: %s faces", task_id, record.spec.kind, outcome.faces)
    return "succeeded"


def sweep_stalled(rt: Runtime) -> int:
    """Fail every job stalled past `stall_timeout` with its last error; returns how many."""
    idle_since = datetime.now(UTC) - timedelta(seconds=rt.settings.worker.stall_timeout)
    finished = 0
    for record in rt.store.stalled(idle_since):
        error = _stalled_error(record, rt.settings.worker.stall_timeout)
        result = failure_result(record.task_id, record.spec, error)
        finish = rt.store.abandon(record.task_id, idle_since, error, result)
        if finish:
            finished += 1
            logger.warning("job %s stalled; failed with %s", record.task_id, error.code)
        _finished(rt, record, finish)
    return finished


def _stalled_error(record: JobRecord, timeout: float) -> FacepipeError:
    if record.status == "retrying" and record.error_name is not None:
        # The transient error it was retrying: its code says what went wrong.
        error = error_named(record.error_name)
        return error(f"{record.error_msg} (its retry was lost; gave up after {timeout:.0f} s)")
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
        for ref in (record.spec.source, record.spec.target):
            if ref is not None and is_inline(ref):
                rt.sources.inline.discard(ref)
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


# max_retries=None: the job's row counts transient retries (see `process`), not Celery.
@app.task(bind=True, name="facepipe.detect", max_retries=None)
def detect(self: Task[Any, Any], task_id: str) -> str:
    return process(self, task_id)


@app.task(bind=True, name="facepipe.attributes", max_retries=None)
def attributes(self: Task[Any, Any], task_id: str) -> str:
    return process(self, task_id)


@app.task(bind=True, name="facepipe.compare", max_retries=None)
def compare(self: Task[Any, Any], task_id: str) -> str:
    return process(self, task_id)
