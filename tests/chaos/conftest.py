"""A whole pipeline to break, per test: a Redis that keeps its data on disk (AOF, fsync on
every write) and can be killed -9 and restarted on the same port, job workers that can be
SIGKILLed, a separate scheduler worker (webhooks + sweeps, `--beat`), the results store, and
a loopback server for images and callbacks that counts what it receives."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from pipeline.jobs import JobSpec
from pipeline.producers.queue import submit_and_enqueue
from pipeline.settings import Settings
from pipeline.sources import ImageRef
from pipeline.store import TERMINAL, ResultStore
from tests.backends import Worker
from tests.support import LOCAL, LocalSite, free_port, wait_until
from workers.app import create_app
from workers.embedded import redis_server_command
from workers.queue import CeleryJobQueue


@dataclass
class DurableRedis:
    """redis-server on a loopback port with appendfsync always: a kill -9 loses nothing.

    TCP, as deployments run it (kombu cannot reconnect over a unix socket: its worker exits
    with "'NoneType' object has no attribute 'hostname'")."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> DurableRedis:
        self.process = subprocess.Popen(
            redis_server_command(self.directory, port=self.port, durable=True),
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port)
        wait_until(lambda: _pings(client), 20, "redis to answer")
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@dataclass
class Chaos:
    redis: DurableRedis
    store: ResultStore
    site: LocalSite
    environment: dict[str, str]
    log_dir: Path
    workers: list[Worker] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def supervise(self) -> None:
        """Restart any worker that exits, as Kubernetes or compose's `restart:` do: on some
        broker connection losses kombu ends the worker ("Unrecoverable error:
        AttributeError: 'NoneType' object has no attribute 'hostname'", while it restores
        its unacknowledged messages)."""

        def watch() -> None:
            while not self.stopping.is_set():
                for worker in list(self.workers):
                    if worker.process is not None and worker.process.poll() is not None:
                        self.workers.remove(worker)
                        self._start(worker.queues, worker.extra)
                self.stopping.wait(0.5)

        threading.Thread(target=watch, daemon=True).start()

    def start_jobs_worker(self) -> Worker:
        """Analysis and downloads in one prefork worker, as `facepipe run` has them."""
        return self._start("realtime,bulk,fetch", [])

    def start_scheduler(self) -> Worker:
        schedule = str(self.log_dir / f"beat-{uuid.uuid4().hex[:6]}")
        return self._start("webhooks", ["--beat", "--schedule", schedule])

    def _start(self, queues: str, extra: list[str]) -> Worker:
        log = self.log_dir / f"worker-{len(self.workers)}.log"
        worker = Worker(self.environment, concurrency=2, log=log, queues=queues, extra=extra)
        self.workers.append(worker.start())
        return worker

    def submit(self, count: int) -> list[str]:
        specs = [
            JobSpec("detect", ImageRef(self.site.url(f"/face.jpg?n={uuid.uuid4().hex}")))
            for _ in range(count)
        ]
        settings = Settings(broker_url=self.redis.url, store_url=self.store.url)
        submissions, _ = submit_and_enqueue(
            specs,
            self.store,
            CeleryJobQueue(create_app(settings)),
            "bulk",
            callback_url=self.site.url("/hook"),
            callback_seed="s",
        )
        return [submission.task_id for submission in submissions]

    def final(self, task_ids: list[str]) -> dict[str, str] | None:
        """Every job's status once all of them are final, else None."""
        records = list(self.store.find(task_ids=task_ids))
        if len(records) == len(task_ids) and all(r.status in TERMINAL for r in records):
            return {r.task_id: r.status for r in records}
        return None

    def assert_nothing_lost_duplicated_or_stuck(self, task_ids: list[str]) -> None:
        try:
            statuses = wait_until(lambda: self.final(task_ids), 120, "every job to finish")
        except AssertionError:
            records = list(self.store.find(task_ids=task_ids))
            stuck = [
                (r.task_id, r.status, r.attempts, r.error_code)
                for r in records
                if r.status not in TERMINAL
            ]
            raise AssertionError(
                f"{len(stuck)} of {len(task_ids)} unfinished: {stuck[:5]}"
            ) from None
        assert sorted(statuses) == sorted(task_ids)  # no job lost, none added
        assert set(statuses.values()) == {"succeeded"}
        # A callback whose hand-out to the queue failed (the broker was down) is sent by the
        # scheduler once its lease (60 s) has passed: up to a minute late, never lost.
        receiver = self.site.receiver
        wait_until(lambda: len(receiver.callbacks) >= len(task_ids), 150, "every callback")
        time.sleep(1.0)  # a duplicate would arrive within a few sweep intervals
        # Exactly one delivery per job. Its sender can die after the receiver answered and
        # before the result is recorded (a kill, the broker gone): the delivery is then sent
        # again under the same webhook-id, which is how the receiver knows it has it.
        deliveries = {task: set(ids) for task, ids in receiver.callbacks.items()}
        assert sorted(deliveries) == sorted(task_ids)
        assert all(len(ids) == 1 for ids in deliveries.values()), deliveries


@pytest.fixture
def chaos(tmp_path: Path, store_url: str) -> Iterator[Chaos]:
    # Every image answer waits, so the work is long enough to be interrupted.
    site = LocalSite(image_delay=0.3)
    server = site.serve()
    broker = DurableRedis(tmp_path).start()
    store = ResultStore.open(store_url)
    environment = {
        "FACEPIPE_BROKER_URL": broker.url,
        "FACEPIPE_STORE_URL": store_url,
        "FACEPIPE_SOURCE_HTTP_ALLOW_NETWORKS": json.dumps([f"{LOCAL}/32"]),
        "FACEPIPE_SOURCE_HTTP_TIMEOUT": "10",
        "FACEPIPE_WORKER_SOFT_TIME_LIMIT": "8",
        "FACEPIPE_WORKER_TIME_LIMIT": "9",
        "FACEPIPE_WORKER_VISIBILITY_TIMEOUT": "10",
        "FACEPIPE_WORKER_RETRY_BACKOFF_MAX": "1",
        "FACEPIPE_WORKER_SWEEP_INTERVAL": "1",
        "FACEPIPE_WEBHOOK_BACKOFF_BASE": "0.3",
        "FACEPIPE_WEBHOOK_BACKOFF_MAX": "1",
        "FACEPIPE_WEBHOOK_JITTER": "0",
        "FACEPIPE_WEBHOOK_SWEEP_INTERVAL": "0.2",
        "FACEPIPE_WEBHOOK_TIMEOUT": "2",
    }
    harness = Chaos(broker, store, site, environment, tmp_path)
    try:
        yield harness
    finally:
        harness.stopping.set()
        for worker in harness.workers:
            worker.stop()
        broker.stop()
        store.close()
        server.shutdown()
