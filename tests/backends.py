"""Real services for the tests: a private Redis, moto's S3+SQS server, SQLite and PostgreSQL
stores, and Celery worker processes. Each is started here, never assumed to be running.
PostgreSQL is the machine's server (`FACEPIPE_TEST_POSTGRES`) where one answers, else a
private one from the `pgserver` wheel, started once per test run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from tests.support import wait_until
from workers.embedded import private_broker

POSTGRES_ADMIN = os.environ.get(
    "FACEPIPE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def redis_broker(directory: Path) -> Iterator[str]:
    with private_broker(directory) as url:
        yield url


@cache
def postgres_admin() -> URL:
    """Where test databases are created: the machine's PostgreSQL if it answers, else a
    private PostgreSQL 16 (`pgserver`), deleted when the test run exits."""
    try:
        psycopg.connect(POSTGRES_ADMIN, connect_timeout=3).close()
        return make_url(POSTGRES_ADMIN)
    except psycopg.OperationalError:
        pass
    import pgserver  # noqa: PLC0415 - starts nothing on import, but is slow to import

    directory = Path(tempfile.mkdtemp(prefix="facepipe-pg-"))
    # cleanup_mode="delete": stopped and removed when the interpreter exits.
    server = pgserver.get_server(directory, cleanup_mode="delete")
    return make_url(server.get_uri())


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on `postgres_admin`'s server, dropped afterwards."""
    name = f"facepipe_test_{uuid.uuid4().hex[:12]}"
    admin = postgres_admin()
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        try:
            url = admin.set(drivername="postgresql+psycopg", database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def pgvector_database(
    directory: Path, server_settings: Mapping[str, str] | None = None
) -> Iterator[str]:
    """A private PostgreSQL 16 with pgvector (the `pgserver` wheel), stopped afterwards;
    `server_settings` (such as shared_buffers) are set, and the server restarted for them."""
    import pgserver  # noqa: PLC0415 - starts nothing on import, but is slow to import

    server = pgserver.get_server(directory, cleanup_mode="stop")
    if server_settings:
        for name, value in server_settings.items():
            server.psql(f"ALTER SYSTEM SET {name} = '{value}'")
        server.cleanup()
        server = pgserver.get_server(directory, cleanup_mode="stop")
    try:
        socket_dir = server.get_uri().split("host=", 1)[1]
        yield f"postgresql+psycopg://postgres@/postgres?host={socket_dir}"
    finally:
        server.cleanup()


# The databases the face library is tested on: SQLite, the machine's PostgreSQL (exact
# search when it lacks pgvector) and a private PostgreSQL 16 with pgvector.
LIBRARY_DATABASES = ("sqlite", "postgresql", "pgvector")


@contextmanager
def library_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of a fresh database of one of LIBRARY_DATABASES, files in `directory`."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'store.db'}"
    elif kind == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        with pgvector_database(directory / "pg") as url:
            yield url


@dataclass
class Worker:
    """A Celery worker process (prefork) started with `celery worker`."""

    environment: dict[str, str]
    concurrency: int = 2
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    extra: list[str] = field(default_factory=list)
    queues: str = "realtime,bulk"

    def start(self) -> Worker:
        command = [
            sys.executable, "-m", "celery", "--quiet", "--app", "workers.app", "worker",
            "--queues", self.queues, "--concurrency", str(self.concurrency),
            "--loglevel", "INFO", "--without-gossip", "--without-mingle",
            "--hostname", f"test-{uuid.uuid4().hex[:6]}@%h", *self.extra,
        ]  # fmt: skip
        assert self.log is not None
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **self.environment},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the children too
        )
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until Celery logs that the worker consumes (its pool processes are warm)."""
        assert self.log is not None
        log = self.log
        wait_until(lambda: " ready." in log.read_text(errors="replace"), timeout, "the worker")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no warm shutdown, no acks."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
