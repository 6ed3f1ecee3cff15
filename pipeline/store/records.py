"""What the results store hands out: job records, claims, submissions, summaries, and
how a job row is written and read."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import Row

from pipeline.errors import FacepipeError
from pipeline.jobs import JobKind, JobSpec
from pipeline.sources import ImageRef

Status = Literal["queued", "running", "retrying", "succeeded", "failed"]
STATUSES: tuple[Status, ...] = get_args(Status)
TERMINAL: tuple[Status, ...] = ("succeeded", "failed")


@dataclass(frozen=True)
class JobRecord:
    """One stored job and, once finished, its result."""

    task_id: str
    spec: JobSpec
    queue: str
    status: Status
    attempts: int
    error_code: int | None
    error_name: str | None
    error_msg: str | None
    result: dict[str, Any] | None
    faces: int | None
    qualified_faces: int | None
    created_at: datetime
    finished_at: datetime | None
    owner_key: str | None = None
    retries: int = 0

    def visible_to(self, key_id: str, *, admin: bool = False) -> bool:
        """Whether the API key `key_id` may read this job: the key that submitted it, or an
        admin key (the only ones that see jobs no key submitted: backfills, triggers)."""
        return admin or (self.owner_key is not None and self.owner_key == key_id)

    def to_json(self) -> dict[str, Any]:
        """The record as one JSONL export line."""
        return {
            "taskId": self.task_id,
            "kind": self.spec.kind,
            "source": self.spec.source.uri,
            "etag": self.spec.source.etag,
            "target": self.spec.target.uri if self.spec.target else None,
            "status": self.status,
            "attempts": self.attempts,
            "errorCode": self.error_code,
            "error": self.error_name,
            "result": self.result,
        }


@dataclass(frozen=True)
class Submission:
    """What `submit` did with one job; `enqueue` says whether a message must be sent."""

    task_id: str
    state: Literal["new", "pending", "done", "requeued"]

    @property
    def enqueue(self) -> bool:
        return self.state != "done"


@dataclass(frozen=True)
class Finish:
    """What storing a result did: `written` (false: the claim was lost to another delivery)
    and the webhook delivery it created, if the job asked for a callback."""

    written: bool
    delivery_id: str | None = None

    def __bool__(self) -> bool:
        return self.written


@dataclass(frozen=True)
class Claim:
    """A worker's attempt to take a job: `claimed` (run it), `done` or `busy` (elsewhere)."""

    outcome: Literal["claimed", "done", "busy", "missing"]
    record: JobRecord | None = None


@dataclass
class Summary:
    """Counts over a set of jobs, for progress bars and the end-of-run report."""

    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    failed_by_code: Counter[str] = field(default_factory=Counter)
    faces: int = 0
    qualified_faces: int = 0

    @property
    def finished(self) -> int:
        return sum(self.by_status[status] for status in TERMINAL)


def new_row(
    key: str,
    spec: JobSpec,
    queue: str,
    now: datetime,
    *,
    callback: dict[str, str | None],
) -> dict[str, Any]:
    """The columns of a newly submitted job."""
    return {
        "task_id": uuid.uuid4().hex,
        "idempotency_key": key,
        "kind": spec.kind,
        "source_uri": spec.source.uri,
        "etag": spec.source.etag,
        "version": spec.source.version,
        "data_id": spec.source.data_id,
        "target_uri": spec.target.uri if spec.target else None,
        "target_etag": spec.target.etag if spec.target else None,
        "params": json.dumps(dict(spec.params), sort_keys=True),
        "queue": queue,
        "status": "queued",
        "attempts": 0,
        **callback,
        "created_at": now,
        "updated_at": now,
    }


def error_columns(error: FacepipeError) -> dict[str, Any]:
    """The columns that record a job's error."""
    return {"error_code": error.code, "error_name": error.name, "error_msg": error.message}


def _utc(moment: datetime) -> datetime:
    # SQLite hands back the stored UTC time without its zone; PostgreSQL with it.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record_of(row: Row[Any]) -> JobRecord:
    """A job row as a record."""
    m = row._mapping
    kind: JobKind = m["kind"]
    target = ImageRef(m["target_uri"], etag=m["target_etag"]) if m["target_uri"] else None
    spec = JobSpec(
        kind=kind,
        source=ImageRef(
            m["source_uri"], etag=m["etag"], version=m["version"], data_id=m["data_id"]
        ),
        target=target,
        params=json.loads(m["params"]),
    )
    return JobRecord(
        task_id=m["task_id"],
        spec=spec,
        queue=m["queue"],
        status=m["status"],
        attempts=m["attempts"],
        error_code=m["error_code"],
        error_name=m["error_name"],
        error_msg=m["error_msg"],
        result=json.loads(m["result"]) if m["result"] else None,
        faces=m["faces"],
        qualified_faces=m["qualified_faces"],
        created_at=_utc(m["created_at"]),
        finished_at=_utc(m["finished_at"]) if m["finished_at"] else None,
        owner_key=m["owner_key"],
        retries=m["retries"],
    )
