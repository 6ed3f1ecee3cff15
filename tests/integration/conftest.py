"""An isolated pipeline per test: its own Redis, bucket, store and worker processes, with
moto's S3 server behind a proxy that can inject 500s and delays."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from celery import Celery
from mypy_boto3_s3 import S3Client

from pipeline.settings import Settings, SourceSettings, WorkerSettings
from pipeline.sources import Sources
from pipeline.store import ResultStore
from tests.backends import Worker, redis_broker
from tests.support import FaultyProxy
from workers.app import create_app
from workers.queue import CeleryJobQueue

# Generous for a loaded 2-core CI machine, far below the production defaults.
WORKER_LIMITS = {
    "FACEPIPE_WORKER_SOFT_TIME_LIMIT": "20",
    "FACEPIPE_WORKER_TIME_LIMIT": "25",
    "FACEPIPE_WORKER_VISIBILITY_TIMEOUT": "30",
    "FACEPIPE_WORKER_RETRY_BACKOFF_MAX": "2",
}


@dataclass
class Pipeline:
    """Everything one integration test talks to."""

    settings: Settings
    store: ResultStore
    s3: S3Client
    bucket: str
    proxy: FaultyProxy
    environment: dict[str, str]
    log_dir: Path
    workers: list[Worker] = field(default_factory=list)

    @property
    def app(self) -> Celery:
        return create_app(self.settings)

    @property
    def queue(self) -> CeleryJobQueue:
        return CeleryJobQueue(self.app)

    @property
    def sources(self) -> Sources:
        return Sources(self.settings)

    def start_worker(self, concurrency: int = 2, **overrides: str) -> Worker:
        log = self.log_dir / f"worker-{len(self.workers)}.log"
        worker = Worker({**self.environment, **overrides}, concurrency=concurrency, log=log)
        self.workers.append(worker.start())
        return worker

    def put(self, key: str, body: bytes) -> str:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return f"s3://{self.bucket}/{key}"


@pytest.fixture
def pipeline(
    tmp_path: Path, s3_endpoint: str, aws_env: dict[str, str], store_url: str
) -> Iterator[Pipeline]:
    proxy = FaultyProxy(s3_endpoint)
    bucket = f"photos-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket=bucket)
    with redis_broker(tmp_path) as broker:
        environment = {
            **aws_env,
            **WORKER_LIMITS,
            "FACEPIPE_BROKER_URL": broker,
            "FACEPIPE_STORE_URL": store_url,
            "FACEPIPE_SOURCE_S3_ENDPOINT_URL": proxy.url,
            # No botocore retries: transient S3 errors reach the task's own retry logic.
            "FACEPIPE_SOURCE_S3_MAX_ATTEMPTS": "1",
        }
        settings = Settings(
            broker_url=broker,
            store_url=store_url,
            sources=SourceSettings(s3_endpoint_url=proxy.url, s3_max_attempts=1),
            worker=WorkerSettings(soft_time_limit=20, time_limit=25, visibility_timeout=30),
        )
        store = ResultStore.open(store_url)
        harness = Pipeline(settings, store, s3, bucket, proxy, environment, tmp_path)
        try:
            yield harness
        finally:
            for worker in harness.workers:
                worker.stop()
            store.close()
            proxy.close()
