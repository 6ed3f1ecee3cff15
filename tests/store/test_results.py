"""The results store on SQLite and on the machine's PostgreSQL (same tests, both engines)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, update

from pipeline.errors import ImageDecodeError, SourceUnavailableError
from pipeline.jobs import JobOutcome, JobSpec, failure_result
from pipeline.sources import ImageRef
from pipeline.store import ResultStore
from pipeline.store.schema import webhook_deliveries


@pytest.fixture
def store(store_url: str) -> ResultStore:
    store = ResultStore(store_url, lease=timedelta(seconds=60))
    store.migrate()
    return store


def specs(n: int, etag: str = "v1") -> list[JobSpec]:
    return [JobSpec("detect", ImageRef(f"s3://photos/p{i:03d}.jpg", etag=etag)) for i in range(n)]


def test_migrate_is_idempotent_and_creates_the_tables(store: ResultStore) -> None:
    store.migrate()  # a second upgrade is a no-op, not an error
    tables = set(inspect(store.engine).get_table_names())
    assert {"jobs", "backfill_checkpoints", "webhook_deliveries", "alembic_version"} <= tables


def test_one_job_per_idempotency_key(store: ResultStore) -> None:
    first = store.submit(specs(3), queue="bulk")
    again = store.submit(specs(3), queue="bulk")
    assert [s.state for s in first] == ["new"] * 3
    assert [s.task_id for s in again] == [s.task_id for s in first]
    assert [s.state for s in again] == ["pending"] * 3  # unfinished: re-sent, never re-created
    assert store.summary().total == 3


def test_a_new_etag_is_a_new_job(store: ResultStore) -> None:
    store.submit(specs(2), queue="bulk")
    changed = store.submit(specs(2, etag="v2"), queue="bulk")
    assert [s.state for s in changed] == ["new", "new"]
    assert store.summary().total == 4


def test_claims_count_deliveries_and_exclude_other_deliveries(store: ResultStore) -> None:
    [job] = store.submit(specs(1), queue="bulk")
    first = store.claim(job.task_id, "delivery-1")
    assert first.outcome == "claimed"
    assert first.record is not None
    assert first.record.attempts == 1
    assert store.claim(job.task_id, "delivery-2").outcome == "busy"
    redelivered = store.claim(job.task_id, "delivery-1")  # the same message, after a crash
    assert redelivered.outcome == "claimed"
    assert redelivered.record is not None
    assert redelivered.record.attempts == 2
    assert store.claim("no-such-task", "delivery-1").outcome == "missing"


def test_finished_jobs_are_skipped_unless_reprocessed(store: ResultStore) -> None:
    [job] = store.submit(specs(1), queue="bulk")
    store.claim(job.task_id, "d1")
    assert store.complete(job.task_id, "d1", JobOutcome({"faces": ["old"]}, 1, 1))
    assert store.submit(specs(1), queue="bulk")[0].state == "done"
    assert store.claim(job.task_id, "d2").outcome == "done"

    [again] = store.submit(specs(1), queue="bulk", reprocess=True)
    assert (again.task_id, again.state) == (job.task_id, "requeued")
    record = store.get(job.task_id)
    assert record is not None
    assert record.status == "queued"
    assert record.result == {"faces": ["old"]}  # kept until the new result is stored
    store.claim(job.task_id, "d3")
    store.complete(job.task_id, "d3", JobOutcome({"faces": ["new"]}, 1, 0))
    record = store.get(job.task_id)
    assert record is not None
    assert record.result == {"faces": ["new"]}


def test_a_lost_claim_cannot_overwrite(store: ResultStore) -> None:
    [job] = store.submit(specs(1), queue="bulk")
    store.claim(job.task_id, "d1")
    assert not store.complete(job.task_id, "someone-else", JobOutcome({}, 0, 0))


def test_failures_keep_their_code_and_the_documented_shape(store: ResultStore) -> None:
    [spec] = specs(1)
    [job] = store.submit([spec], queue="bulk")
    store.claim(job.task_id, "d1")
    error = ImageDecodeError("truncated JPEG")
    store.fail(job.task_id, "d1", error, failure_result(job.task_id, spec, error))
    record = store.get(job.task_id)
    assert record is not None
    assert (record.status, record.error_code, record.error_name) == (
        "failed",
        422,
        "ImageDecodeFailed",
    )
    assert record.result is not None
    assert record.result["code"] == 422
    assert record.result["taskId"] == job.task_id
    summary = store.summary()
    assert summary.failed_by_code == {"422 ImageDecodeFailed": 1}


def test_queries_and_jsonl_export(store: ResultStore) -> None:
    jobs = store.submit(specs(3), queue="bulk")
    store.claim(jobs[0].task_id, "d")
    store.complete(jobs[0].task_id, "d", JobOutcome({"ok": True}, 2, 1))
    assert [r.task_id for r in store.find(status="succeeded")] == [jobs[0].task_id]
    assert len(list(store.find(prefix="s3://photos/p00"))) == 3
    [only] = store.find(prefix="s3://photos/p001")
    assert only.task_id == jobs[1].task_id
    out = io.StringIO()
    assert store.export_jsonl(out, status="queued") == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {line["taskId"] for line in lines} == {jobs[1].task_id, jobs[2].task_id}
    summary = store.summary([j.task_id for j in jobs])
    assert (summary.total, summary.finished, summary.faces, summary.qualified_faces) == (3, 1, 2, 1)


def test_prefix_queries_treat_wildcards_literally(store: ResultStore) -> None:
    store.submit([JobSpec("detect", ImageRef("s3://b/100%_done.jpg"))], queue="bulk")
    store.submit([JobSpec("detect", ImageRef("s3://b/100xyz.jpg"))], queue="bulk")
    assert len(list(store.find(prefix="s3://b/100%_"))) == 1


def test_checkpoints(store: ResultStore) -> None:
    assert store.checkpoints.load("detect:missing:s3://b/") is None
    store.checkpoints.save("detect:missing:s3://b/", "k100", 100)
    store.checkpoints.save("detect:missing:s3://b/", "k200", 200)
    assert store.checkpoints.load("detect:missing:s3://b/") == ("k200", 200)
    store.checkpoints.clear("detect:missing:s3://b/")
    assert store.checkpoints.load("detect:missing:s3://b/") is None


def test_retries_are_counted_and_stalled_jobs_are_abandoned_once(store: ResultStore) -> None:
    [retrying, running, fresh] = store.submit(specs(3), queue="bulk")
    for job in (retrying, running, fresh):
        store.claim(job.task_id, f"d-{job.task_id}")
    store.mark_retrying(retrying.task_id, f"d-{retrying.task_id}", SourceUnavailableError("5xx"))
    record = store.get(retrying.task_id)
    assert record is not None
    assert (record.status, record.retries, record.error_code) == ("retrying", 1, 503)

    assert store.stalled(datetime.now(UTC) - timedelta(seconds=60)) == []
    later = datetime.now(UTC) + timedelta(seconds=1)
    stalled = {r.task_id: r.status for r in store.stalled(later)}
    assert stalled == {
        retrying.task_id: "retrying",
        running.task_id: "running",
        fresh.task_id: "running",
    }
    error = SourceUnavailableError("gave up")
    result = failure_result(retrying.task_id, specs(1)[0], error)
    assert store.abandon(retrying.task_id, later, error, result)
    assert not store.abandon(retrying.task_id, later, error, result)  # already final
    # A delivery that still held the job cannot overwrite the abandoned result.
    assert not store.complete(retrying.task_id, f"d-{retrying.task_id}", JobOutcome({}, 0, 0))
    record = store.get(retrying.task_id)
    assert record is not None
    assert (record.status, record.error_code) == ("failed", 503)


def test_jobs_no_key_submitted_are_visible_to_admin_keys_only(store: ResultStore) -> None:
    [backfilled] = store.submit(specs(1), queue="bulk")
    [owned] = store.submit(specs(1, etag="v2"), queue="realtime", owner_key="k1")
    backfill_record, owned_record = store.get(backfilled.task_id), store.get(owned.task_id)
    assert backfill_record is not None
    assert owned_record is not None
    assert not backfill_record.visible_to("k1")
    assert backfill_record.visible_to("k1", admin=True)
    assert owned_record.visible_to("k1")
    assert not owned_record.visible_to("k2")
    assert owned_record.visible_to("k2", admin=True)


def test_a_claim_handed_over_belongs_to_the_next_message_only(store: ResultStore) -> None:
    [job] = store.submit(specs(1), queue="bulk")
    store.claim(job.task_id, "fetch-message")
    assert not store.hand_over(job.task_id, "someone-else", "next")
    assert store.hand_over(job.task_id, "fetch-message", "analysis-message")
    assert store.claim(job.task_id, "fetch-message").outcome == "busy"
    taken = store.claim(job.task_id, "analysis-message")
    assert taken.outcome == "claimed"
    assert taken.record is not None
    assert taken.record.attempts == 2


def test_a_stalled_job_is_redriven_to_one_new_message(store: ResultStore) -> None:
    [job] = store.submit(specs(1), queue="bulk")
    store.claim(job.task_id, "lost-message")
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert store.redrive(job.task_id, later, "new-message")
    assert not store.redrive(job.task_id, datetime.now(UTC) - timedelta(seconds=60), "other")
    assert store.claim(job.task_id, "new-message").outcome == "claimed"
    assert store.stalled(datetime.now(UTC) - timedelta(seconds=60)) == []


def test_a_webhook_whose_sender_died_is_handed_out_and_claimed_again(store: ResultStore) -> None:
    [job] = store.submit(specs(1), queue="bulk")
    with store.engine.begin() as connection:
        delivery_id = store.deliveries.create(
            connection, task_id=job.task_id, url="https://example.com/hook", content="{}",
            dialect="green", seed="s", key_id=None,
        )  # fmt: skip
    assert store.deliveries.claim(delivery_id) is not None  # its sender dies while sending
    assert store.deliveries.claim(delivery_id) is None  # within the lease: not twice
    with store.engine.begin() as connection:
        connection.execute(
            update(webhook_deliveries).values(next_attempt_at=datetime.now(UTC) - timedelta(1))
        )
    assert store.deliveries.due() == [delivery_id]
    again = store.deliveries.claim(delivery_id)  # the message the scheduler handed out
    assert again is not None
    assert again.attempts == 2


def test_an_error_after_the_result_does_not_reopen_the_job(store: ResultStore) -> None:
    """A transient error raised after the result was committed (its clean-up met a broker
    that was down) leaves the job final: a retry would run it, and call back, again."""
    (job,) = store.submit(specs(1), queue="bulk")
    store.claim(job.task_id, "d1")
    assert store.complete(job.task_id, "d1", JobOutcome({"faces": []}, 0, 0))
    store.mark_retrying(job.task_id, "d1", SourceUnavailableError("Redis went away"))
    record = store.get(job.task_id)
    assert record is not None
    assert (record.status, record.retries) == ("succeeded", 0)
    assert store.claim(job.task_id, "d1").outcome == "done"
