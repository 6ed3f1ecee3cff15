"""A running facepipe service per test module: private Redis, SQLite store, a Celery worker
(with the webhook scheduler) and a thread-pool worker for downloads, uvicorn on loopback, a
key, and local HTTP servers for images and webhook callbacks on 127.0.0.2 - the only address
the SSRF guard lets through here, so 127.0.0.1 stays refused like any other private address."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.keys import Credentials, KeyRing
from pipeline.signatures.facepipe import signed_headers
from pipeline.store import ResultStore
from tests.backends import Worker, postgres_database, redis_broker
from tests.support import LOCAL, LocalSite, face_jpeg, free_port, wait_until

MASTER_KEY = "test-master-key-0123456789"
FACE = face_jpeg()
LIBRARY_PREFIX = {
    "action": "enroll",
    "prefix": "s3://photos/library/",
    "group": "uploads",
    "account": "account-1",
}


@dataclass
class Service:
    base_url: str
    store: ResultStore
    key: Credentials
    local: LocalSite
    environment: dict[str, str]

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: Credentials | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        timeout: float = 30.0,
    ) -> httpx.Response:
        key = key or self.key
        content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        signed = signed_headers(key.key_id, key.secret, method, path, content)
        return httpx.request(
            method,
            self.base_url + path,
            content=content,
            headers={"Content-Type": "application/json", **signed, **(headers or {})},
            timeout=timeout,
        )

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, body, **kwargs)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """The whole service on each results store: SQLite (the default) and PostgreSQL."""
    yield from running_service(tmp_path_factory, request.param)


def running_service(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp(f"service-{backend}")
    with contextlib.ExitStack() as stack:
        if backend == "postgresql":
            store_url = stack.enter_context(postgres_database())
        else:
            store_url = f"sqlite:///{tmp / 'store.db'}"
        yield from _running_service(tmp, store_url)


def _running_service(tmp: Path, store_url: str) -> Iterator[Service]:
    local = LocalSite()
    http_server = local.serve()
    store = ResultStore.open(store_url)
    with redis_broker(tmp) as broker:
        environment = {
            "FACEPIPE_BROKER_URL": broker,
            "FACEPIPE_STORE_URL": store_url,
            "FACEPIPE_API_MASTER_KEY": MASTER_KEY,
            "FACEPIPE_API_SYNC_TIMEOUT": "2.5",
            "FACEPIPE_SOURCE_HTTP_ALLOW_NETWORKS": json.dumps([f"{LOCAL}/32"]),
            "FACEPIPE_SOURCE_HTTP_TIMEOUT": "10",
            "FACEPIPE_WEBHOOK_BACKOFF_BASE": "0.3",
            "FACEPIPE_WEBHOOK_JITTER": "0",
            "FACEPIPE_WEBHOOK_SWEEP_INTERVAL": "0.2",
            "FACEPIPE_WEBHOOK_TIMEOUT": "2",
            "FACEPIPE_WORKER_SOFT_TIME_LIMIT": "20",
            "FACEPIPE_WORKER_TIME_LIMIT": "25",
            "FACEPIPE_WORKER_VISIBILITY_TIMEOUT": "30",
            "FACEPIPE_WORKER_RETRY_BACKOFF_MAX": "1",
            "FACEPIPE_WORKER_SWEEP_INTERVAL": "0.5",
            # Any account may name `photos`; only account-1 its own `own-*` buckets.
            "FACEPIPE_SOURCE_ALLOWED_BUCKETS": json.dumps(["photos", "account-1=s3://own-*"]),
            # Uploads under photos/library/ enrol into account-1's library (test_library.py).
            "FACEPIPE_LIBRARY_PREFIXES": json.dumps([LIBRARY_PREFIX]),
        }
        worker = Worker(
            environment,
            concurrency=2,
            log=tmp / "worker.log",
            queues="realtime,bulk,webhooks",
            extra=["--beat", "--schedule", str(tmp / "beat-schedule")],
        ).start()
        # Downloads of user URLs, as deployed: a thread pool apart from the analysis.
        fetcher = Worker(
            environment,
            concurrency=8,
            log=tmp / "fetcher.log",
            queues="fetch",
            extra=["--pool", "threads"],
        ).start()
        port = free_port()
        api = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "api", "--host", "127.0.0.1",
             "--port", str(port)],
            env={**os.environ, **environment},
            stdout=(tmp / "api.log").open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: answers(base_url), timeout=30, what="the API to answer")
            # Timed tests measure a running service, not the worker's start-up.
            worker.wait_ready()
            fetcher.wait_ready()
            key = KeyRing(store.api_keys, MASTER_KEY).create("account-1", "tests")
            yield Service(base_url, store, key, local, environment)
        finally:
            api.terminate()
            api.wait(timeout=10)
            worker.stop()
            fetcher.stop()
            http_server.shutdown()
            store.close()


def answers(base_url: str) -> bool | None:
    try:
        return httpx.get(base_url + "/healthz", timeout=1).status_code == 200 or None
    except httpx.HTTPError:
        return None
