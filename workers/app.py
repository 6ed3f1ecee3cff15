"""The Celery app: Redis broker, the queues, and the reliability settings (docs/contract.md).

`celery -A workers.app worker` (or `facepipe worker`) reads `FACEPIPE_*` settings from the
environment here, at the entry point.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from pipeline.broker import broker_url
from pipeline.producers.queue import QUEUES
from pipeline.settings import Settings, WorkerSettings


def create_app(settings: Settings) -> Celery:
    """A Celery app configured from `settings`; tasks are registered by `workers.tasks`."""
    worker = settings.worker
    _check_limits(worker)
    broker = broker_url(settings)
    app = Celery("facepipe", broker=broker, include=["workers.tasks", "workers.webhooks"])
    # Redis reads the visibility timeout from both transport options: keep them equal.
    transport = {
        "visibility_timeout": worker.visibility_timeout,
        # kombu sweeps for abandoned (unacked, timed-out) messages only every interval x
        # throttle seconds, 100 s by default; a killed worker's job should come back within
        # about a third of the visibility timeout after it expires.
        "unacked_restore_interval": max(1, min(10, worker.visibility_timeout // 3)),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        # Each queue on its own direct exchange, so `queue=` at send time routes unambiguously.
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
        task_default_queue="bulk",
        task_routes={
            "facepipe.deliver_webhook": {"queue": "webhooks"},
            "facepipe.sweep_webhooks": {"queue": "webhooks"},
            "facepipe.sweep_jobs": {"queue": "webhooks"},
        },
        # `celery beat` (or `facepipe worker --beat`, one per deployment) runs the scheduler
        # that sends due webhook retries and finishes stalled jobs; a sweep nobody ran in
        # time is dropped, not stacked.
        beat_schedule={
            "sweep-webhooks": {
                "task": "facepipe.sweep_webhooks",
                "schedule": settings.webhooks.sweep_interval,
                "options": {"expires": settings.webhooks.sweep_interval},
            },
            "sweep-jobs": {
                "task": "facepipe.sweep_jobs",
                "schedule": worker.sweep_interval,
                "options": {"expires": worker.sweep_interval},
            },
        },
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # Ack only after the task finished, and requeue when its process dies: a crash or
        # SIGKILL mid-task hands the message to another worker instead of losing it.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=worker.soft_time_limit,
        task_time_limit=worker.time_limit,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        worker_max_tasks_per_child=worker.max_tasks_per_child,
        worker_max_memory_per_child=worker.max_memory_per_child_kb,
        broker_connection_retry_on_startup=True,
        worker_cancel_long_running_tasks_on_connection_loss=True,
    )
    return app


def _check_limits(worker: WorkerSettings) -> None:
    if not worker.soft_time_limit < worker.time_limit < worker.visibility_timeout:
        raise ValueError(
            "need soft_time_limit < time_limit < visibility_timeout, got "
            f"{worker.soft_time_limit} / {worker.time_limit} / {worker.visibility_timeout}"
        )


app = create_app(Settings())
