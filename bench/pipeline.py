"""Throughput of the pipeline against the bare engine, and backfill enqueue rate.

    python -m bench.pipeline [--images 600] [--workers 2] [--objects 5000]

(As a module: run as a script, this file would shadow the `pipeline` package it measures.)

1. `facepipe run` (private redis-server, Celery worker with P processes, SQLite store, JSONL)
   over N images, versus the bare engine (`pipeline.detect`) over the same files in a
   `multiprocessing.Pool(P)`, each a fresh command timed from its start (interpreter, imports
   and model loading included) to the last result. Target: ratio pipeline/pool >= 0.9.
2. `backfill` of M objects from moto's S3 server (a subprocess, over HTTP) into a private
   Redis and a SQLite store, versus plain ListObjectsV2 paging of the same prefix.
   Target: >= 2,000 objects/s. Peak RSS of this process is reported.

Photos: ../shared/fixtures/faces (cycled to N files) when present, else scikit-image's
astronaut. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from calibrate.fixtures import fixtures_dir
from pipeline.analysis import detect
from pipeline.producers.backfill import BackfillOptions, backfill
from pipeline.settings import Settings, SourceSettings
from pipeline.sources import Sources
from pipeline.store import ResultStore
from pipeline.vision import dlib_models
from workers.app import create_app
from workers.embedded import private_broker
from workers.queue import CeleryJobQueue


def photo_folder(folder: Path, count: int) -> Path:
    faces = fixtures_dir() / "faces"
    sources = sorted(p for p in faces.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not sources:
        import skimage.data  # noqa: PLC0415

        sources = [Path(skimage.data.__file__).parent / "astronaut.png"]
    folder.mkdir(parents=True)
    for i in range(count):
        source = sources[i % len(sources)]
        shutil.copyfile(source, folder / f"{i:05d}{source.suffix}")
    return folder


def _pool_init() -> None:
    dlib_models.load()


def _pool_detect(path: Path) -> int:
    return len(detect(path.read_bytes()).faces or [])


def bare_engine(folder: Path, workers: int) -> tuple[float, float]:
    """(seconds from the command's start to the last result, from the first result to the last).

    In a fresh interpreter, like `facepipe run`, so both pay for start-up and imports.
    """
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--pool", str(folder), "--workers", str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, float(child.stdout)


def _pool_main(folder: Path, workers: int) -> None:
    files = sorted(folder.iterdir())
    with multiprocessing.get_context("fork").Pool(workers, initializer=_pool_init) as pool:
        finished = [time.perf_counter() for _ in pool.imap_unordered(_pool_detect, files)]
    print(finished[-1] - finished[0])


def facepipe_run(folder: Path, workers: int, work: Path) -> tuple[float, float]:
    """The same two durations for `facepipe run`, the second read from the store."""
    store_url = f"sqlite:///{work / 'run.db'}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FACEPIPE_")}
    environment["FACEPIPE_STORE_URL"] = store_url
    command = [sys.executable, "-m", "pipeline.cli", "run", str(folder), "-w", str(workers)]
    command += ["-o", str(work / "run.jsonl"), "--no-progress"]
    start = time.perf_counter()
    subprocess.run(command, env=environment, check=True, stdout=subprocess.DEVNULL)
    total = time.perf_counter() - start
    store = ResultStore(store_url)
    finished = sorted(r.finished_at for r in store.find() if r.finished_at is not None)
    return total, (finished[-1] - finished[0]).total_seconds()


def throughput(images: int, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = photo_folder(work / "photos", images)
        pool_total, pool_steady = bare_engine(folder, workers)
        run_total, run_steady = facepipe_run(folder, workers, work)
    return {
        "images": images,
        "workers": workers,
        "pool_images_per_s": round(images / pool_total, 2),
        "facepipe_run_images_per_s": round(images / run_total, 2),
        # Everything from the command's start: imports, broker, worker start-up, shutdown.
        "ratio_end_to_end": round(pool_total / run_total, 3),
        # First result to last: the rate once both are running.
        "pool_steady_images_per_s": round((images - 1) / pool_steady, 2),
        "facepipe_run_steady_images_per_s": round((images - 1) / run_steady, 2),
        "ratio_steady": round(pool_steady / run_steady, 3),
        "target_ratio": 0.9,
    }


def moto_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}")
    for _ in range(100):
        try:
            s3.list_buckets()
            return server
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")


def enqueue_rate(objects: int) -> dict[str, Any]:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    port = 5399
    server = moto_server(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="bench")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: s3.put_object(Bucket="bench", Key=f"p/{i:07d}.jpg", Body=b"x"),
                          range(objects)))  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp, private_broker(Path(tmp)) as broker:
            settings = Settings(
                broker_url=broker,
                store_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
                sources=SourceSettings(s3_endpoint_url=endpoint),
            )
            buckets = Sources(settings).buckets
            start = time.perf_counter()
            listed = sum(len(page) for page in buckets.list_objects("s3://bench/p/"))
            list_seconds = time.perf_counter() - start

            store = ResultStore.open(settings.store_url)
            queue = CeleryJobQueue(create_app(settings))
            start = time.perf_counter()
            report = backfill("s3://bench/p/", store, queue, buckets, BackfillOptions())
            backfill_seconds = time.perf_counter() - start
            depth = queue.depth("bulk")

            # Celery's send_task alone, to a queue no one reads: the ceiling of any backfill.
            fake = [(uuid.uuid4().hex, "detect") for _ in range(objects)]
            start = time.perf_counter()
            queue.enqueue(fake, "webhooks")
            send_seconds = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait()
    assert listed == objects == report.enqueued == depth, (listed, report.enqueued, depth)
    return {
        "objects": objects,
        "list_only_objects_per_s": round(listed / list_seconds),
        "send_task_only_per_s": round(objects / send_seconds),
        "backfill_objects_per_s": round(report.enqueued / backfill_seconds),
        "ratio_to_listing": round(list_seconds / backfill_seconds, 3),
        "target_objects_per_s": 2000,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=600)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--pool", type=Path, help=argparse.SUPPRESS)  # the baseline's child
    args = parser.parse_args()
    if args.pool is not None:
        _pool_main(args.pool, args.workers)
        return
    result = {
        "throughput": throughput(args.images, args.workers),
        "backfill": enqueue_rate(args.objects),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
