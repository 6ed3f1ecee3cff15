"""The pipeline end to end: real Redis, real Celery worker processes, moto's S3/SQS server over
HTTP, and the results store on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
from PIL import Image

from pipeline.jobs import JobSpec
from pipeline.producers.backfill import BackfillOptions, backfill
from pipeline.producers.listener import listen
from pipeline.producers.queue import submit_and_enqueue
from pipeline.sources import ImageRef
from pipeline.store import JobRecord, ResultStore
from tests.integration.conftest import Pipeline
from tests.support import face_jpeg, noise_png, wait_until

FACE = face_jpeg()


def finished(store: ResultStore, task_ids: list[str]) -> list[JobRecord] | None:
    records = list(store.find(task_ids=task_ids))
    done = [r for r in records if r.status in ("succeeded", "failed")]
    return done if len(done) == len(task_ids) else None


def test_an_upload_with_an_event_notification_becomes_a_stored_result(
    pipeline: Pipeline, s3_endpoint: str
) -> None:
    sqs = boto3.client("sqs", endpoint_url=s3_endpoint)
    queue_url = sqs.create_queue(QueueName=f"events-{pipeline.bucket}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    pipeline.s3.put_bucket_notification_configuration(
        Bucket=pipeline.bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"QueueArn": arn["Attributes"]["QueueArn"], "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    pipeline.start_worker()
    uri = pipeline.put("intake/Zhang San.jpg", FACE)  # the event URL-encodes the space as +

    deadline = time.monotonic() + 30
    report = listen(
        queue_url,
        sqs,
        pipeline.store,
        pipeline.queue,
        keep_going=lambda: (
            time.monotonic() < deadline and not list(pipeline.store.find(prefix=uri))
        ),
        wait_seconds=1,
    )
    assert report.enqueued == 1  # the s3:TestEvent made no job
    [job] = list(pipeline.store.find(prefix=uri))
    [record] = wait_until(lambda: finished(pipeline.store, [job.task_id]), 60, "the result")
    assert record.status == "succeeded"
    assert record.result is not None
    assert record.result["url"] == uri
    assert len(record.result["faces"]) == 1

    # The same notification delivered again collapses onto the finished job.
    head = pipeline.s3.head_object(Bucket=pipeline.bucket, Key="intake/Zhang San.jpg")
    duplicate = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": pipeline.bucket},
                    "object": {"key": "intake/Zhang+San.jpg", "eTag": head["ETag"]},
                },
            }
        ]
    }
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(duplicate))
    once = iter([True, False]).__next__
    again = listen(queue_url, sqs, pipeline.store, pipeline.queue, keep_going=once, wait_seconds=2)
    assert (again.messages, again.enqueued) == (1, 0)
    assert len(list(pipeline.store.find(prefix=uri))) == 1


def bad_images() -> dict[str, tuple[bytes, int]]:
    wide = io.BytesIO()
    Image.new("L", (30_001, 1)).save(wide, format="PNG")
    tiff = io.BytesIO()
    Image.new("RGB", (8, 8)).save(tiff, format="TIFF")
    return {
        "empty.jpg": (b"", 460),
        "truncated.jpg": (FACE[: len(FACE) // 3], 422),
        "scan.tif": (tiff.getvalue(), 415),
        "notes.txt": (b"not an image at all", 415),
        "wide.png": (wide.getvalue(), 461),
    }


def test_bad_images_are_stored_as_failed_results_with_their_codes(pipeline: Pipeline) -> None:
    expected = {
        pipeline.put(f"bad/{name}", body): code for name, (body, code) in bad_images().items()
    }
    missing = ImageRef(f"s3://{pipeline.bucket}/bad/deleted-before-processing.jpg")
    expected[missing.uri] = 404
    pipeline.put("bad/noise.png", noise_png())  # decodes fine, no face: a success with 0 faces
    pipeline.start_worker()

    report = backfill(
        f"s3://{pipeline.bucket}/bad/",
        pipeline.store,
        pipeline.queue,
        pipeline.sources.buckets,
        BackfillOptions(collect_task_ids=True),
    )
    submissions, _ = submit_and_enqueue(
        [JobSpec("detect", missing)], pipeline.store, pipeline.queue, "bulk"
    )
    task_ids = [*report.task_ids, submissions[0].task_id]
    records = wait_until(lambda: finished(pipeline.store, task_ids), 90, "all results")

    codes = {r.spec.source.uri: r.error_code for r in records if r.status == "failed"}
    assert codes == expected
    [noise] = [r for r in records if r.spec.source.uri.endswith("noise.png")]
    assert noise.status == "succeeded"
    assert noise.result is not None
    assert noise.result["faces"] == []
    for record in records:
        assert record.result is not None
        assert record.result["taskId"] == record.task_id  # failures keep the documented shape
        assert record.attempts == 1  # permanent errors are not retried


def test_s3_failing_twice_then_answering_gives_one_result(pipeline: Pipeline) -> None:
    uri = pipeline.put("flaky/face.jpg", FACE)
    pipeline.proxy.faults.errors["flaky/face.jpg"] = 2
    pipeline.start_worker()
    submissions, _ = submit_and_enqueue(
        [JobSpec("detect", ImageRef(uri, etag="e1"))], pipeline.store, pipeline.queue, "bulk"
    )
    [record] = wait_until(lambda: finished(pipeline.store, [submissions[0].task_id]), 60, "result")
    assert record.status == "succeeded"
    assert record.attempts == 3  # two 503s retried with backoff, then the real answer
    assert pipeline.proxy.faults.seen["flaky/face.jpg"] == 3
    assert len(list(pipeline.store.find(prefix=uri))) == 1


def test_s3_failing_for_good_ends_with_its_code_after_the_retry_budget(
    pipeline: Pipeline,
) -> None:
    uri = pipeline.put("down/face.jpg", FACE)
    pipeline.proxy.faults.errors["down/face.jpg"] = 1000
    retries = pipeline.settings.worker.max_retries
    pipeline.start_worker()
    submissions, _ = submit_and_enqueue(
        [JobSpec("detect", ImageRef(uri))], pipeline.store, pipeline.queue, "bulk"
    )
    [record] = wait_until(lambda: finished(pipeline.store, [submissions[0].task_id]), 90, "end")
    assert (record.status, record.error_code) == ("failed", 503)
    # More than Celery's own default of 3 retries, which used to leave the row `retrying`.
    assert record.retries == retries == 5
    assert record.attempts == retries + 1
    assert pipeline.proxy.faults.seen["down/face.jpg"] == retries + 1
    assert record.result is not None
    assert record.result["code"] == 503


def test_a_job_over_its_memory_budget_is_stored_as_507_and_the_worker_goes_on(
    pipeline: Pipeline,
) -> None:
    big = io.BytesIO()
    Image.new("RGB", (15_000, 15_000)).save(big, format="PNG", compress_level=1)
    heavy = pipeline.put("memory/heavy.png", big.getvalue())
    light = pipeline.put("memory/face.jpg", FACE)
    # 64 MB over the warm process: the reduced 4096 px copy alone takes 48 MB.
    pipeline.start_worker(concurrency=1, FACEPIPE_WORKER_MAX_JOB_MEMORY_MB="64")
    submissions, _ = submit_and_enqueue(
        [JobSpec("detect", ImageRef(uri)) for uri in (heavy, light)],
        pipeline.store,
        pipeline.queue,
        "bulk",
    )
    ids = [submission.task_id for submission in submissions]
    records = {
        r.spec.source.uri: r for r in wait_until(lambda: finished(pipeline.store, ids), 90, "end")
    }
    assert (records[heavy].status, records[heavy].error_code) == ("failed", 507)
    assert records[light].status == "succeeded"  # the same pool process, after the refusal


def test_a_worker_killed_mid_task_loses_and_duplicates_nothing(pipeline: Pipeline) -> None:
    limits = {
        "FACEPIPE_WORKER_SOFT_TIME_LIMIT": "8",
        "FACEPIPE_WORKER_TIME_LIMIT": "9",
        "FACEPIPE_WORKER_VISIBILITY_TIMEOUT": "10",
    }
    uri = pipeline.put("slow/face.jpg", FACE)
    pipeline.proxy.faults.delays["slow/face.jpg"] = 5.0  # holds the first download for 5 s
    first = pipeline.start_worker(concurrency=1, **limits)
    submissions, _ = submit_and_enqueue(
        [JobSpec("detect", ImageRef(uri))], pipeline.store, pipeline.queue, "bulk"
    )
    task_id = submissions[0].task_id

    def running() -> JobRecord | None:
        record = pipeline.store.get(task_id)
        return record if record is not None and record.status == "running" else None

    wait_until(running, 60, "the job to start")
    first.kill()  # SIGKILL to the worker and its pool: no ack, no warm shutdown

    pipeline.start_worker(concurrency=1, **limits)
    [record] = wait_until(lambda: finished(pipeline.store, [task_id]), 90, "the redelivery")
    assert record.status == "succeeded"
    assert record.attempts == 2  # the killed delivery and the redelivered one
    assert len(list(pipeline.store.find(prefix=uri))) == 1


OBJECTS = 200


def test_backfill_of_200_resumes_after_a_kill_and_a_missing_rerun_enqueues_nothing(
    pipeline: Pipeline,
) -> None:
    # Four listing batches of 50: the kill lands between batches.
    prefix = f"s3://{pipeline.bucket}/bulk/"
    for i in range(OBJECTS):
        pipeline.put(f"bulk/{i:04d}.jpg", FACE)
    environment = {**os.environ, **pipeline.environment}
    command = [
        sys.executable, "-m", "pipeline.cli", "backfill", prefix,
        "--batch", "50", "--rate", "50",
    ]  # fmt: skip
    producer = subprocess.Popen(command, env=environment)
    name = f"detect:missing:{prefix}"

    def halfway() -> tuple[str, int] | None:
        saved = pipeline.store.checkpoints.load(name)
        return saved if saved is not None and saved[1] >= 60 else None

    wait_until(halfway, 60, "the backfill to get halfway")
    producer.kill()
    producer.wait()
    killed_at = pipeline.store.checkpoints.load(name)
    assert killed_at is not None
    assert killed_at[1] < OBJECTS

    pipeline.start_worker()
    resumed = backfill(
        prefix, pipeline.store, pipeline.queue, pipeline.sources.buckets, BackfillOptions()
    )
    assert resumed.resumed_after == killed_at[0]
    assert resumed.listed == OBJECTS - int(killed_at[0].split("/")[-1].split(".")[0]) - 1
    assert pipeline.store.checkpoints.load(name) is None  # finished: the next run starts over

    def all_done() -> list[JobRecord] | None:
        records = list(pipeline.store.find(prefix=prefix))
        return (
            records
            if len(records) == OBJECTS and all(r.status == "succeeded" for r in records)
            else None
        )

    records = wait_until(all_done, 240, f"{OBJECTS} results")
    assert len({r.spec.source.uri for r in records}) == OBJECTS
    assert all(r.attempts == 1 for r in records)  # no image was analysed twice

    again = backfill(
        prefix, pipeline.store, pipeline.queue, pipeline.sources.buckets, BackfillOptions()
    )
    assert (again.listed, again.enqueued, again.skipped) == (OBJECTS, 0, OBJECTS)


def test_facepipe_run_embedded(tmp_path: Path) -> None:
    """The README's main job: own broker, own workers, SQLite store, JSONL, summary."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "face.jpg").write_bytes(FACE)
    (folder / "noise.png").write_bytes(noise_png())
    (folder / "broken.jpg").write_bytes(FACE[:100])
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("FACEPIPE_")
    }
    environment["FACEPIPE_STORE_URL"] = f"sqlite:///{tmp_path / 'store.db'}"
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "pipeline.cli", "run", str(folder), "-w", "1"]
    command += ["-o", str(output)]
    done = subprocess.run(
        command, check=False, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("images 3, succeeded 2, faces 1, qualified ")
    assert "failed 1 (422 ImageDecodeFailed: 1)" in done.stdout
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert {Path(line["source"]).name: line["status"] for line in lines} == {
        "face.jpg": "succeeded",
        "noise.png": "succeeded",
        "broken.jpg": "failed",
    }
    rerun = subprocess.run(
        command, check=False, env=environment, capture_output=True, text=True, timeout=120
    )
    assert rerun.returncode == 0
    assert len(output.read_text().splitlines()) == 3  # same jobs reused, nothing duplicated


def test_facepipe_run_in_a_photo_folder_leaves_its_own_files_out(tmp_path: Path) -> None:
    """`facepipe run .` with the default store and output, which land in the folder itself."""
    (tmp_path / "face.jpg").write_bytes(FACE)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("FACEPIPE_")
    }
    command = [sys.executable, "-m", "pipeline.cli", "run", ".", "-w", "1", "--report", "r.html"]
    for _ in range(2):  # the second finds facepipe.db, its -wal/-shm, the JSONL and the report
        done = subprocess.run(
            command, check=False, env=environment, capture_output=True, text=True,
            timeout=120, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("images 1, succeeded 1, faces 1"), done.stdout
        assert "superuser" not in done.stderr  # the private worker's root warning
    assert (tmp_path / "facepipe.db").exists()
    assert "face.jpg" in (tmp_path / "r.html").read_text()
