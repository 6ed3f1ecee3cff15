"""The job tasks. Each message carries a task id only; the store holds the job, and the
whole per-image path (fetch, decode, engine, gate, analysis) runs here in one process."""

from __future__ import annotations

import logging
import random
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
)
from pipeline.jobs import failure_result, run_job
from pipeline.notices import publish
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
        if task.request.retries >= rt.settings.worker.max_retries:
            return _fail(rt, record, delivery, exc)
        rt.store.mark_retrying(task_id, delivery, exc)
        countdown = _backoff(task.request.retries, rt.settings.worker.retry_backoff_max)
        logger.info("job %s: %s; retrying in %.1f s", task_id, exc.message, countdown)
        raise task.retry(countdown=countdown, max_retries=None) from exc
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


def _fail(rt: Runtime, record: JobRecord, delivery: str, error: FacepipeError) -> str:
    result = failure_result(record.task_id, record.spec, error)
    _finished(rt, record, rt.store.fail(record.task_id, delivery, error, result))
    logger.info("job %s failed: %s %s", record.task_id, error.code, error.message)
    return "failed"


def _finished(rt: Runtime, record: JobRecord, finish: Finish) -> None:
    """After the result is committed: hand its webhook to the queue, wake a sync caller."""
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


@app.task(bind=True, name="facepipe.detect")
def detect(self: Task[Any, Any], task_id: str) -> str:
    return process(self, task_id)


@app.task(bind=True, name="facepipe.attributes")
def attributes(self: Task[Any, Any], task_id: str) -> str:
    return process(self, task_id)


@app.task(bind=True, name="facepipe.compare")
def compare(self: Task[Any, Any], task_id: str) -> str:
    return process(self, task_id)
