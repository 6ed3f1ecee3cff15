"""The results store: jobs keyed by idempotency key, claimed by workers, queried by users."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from pipeline.dialects import dialect_of
from pipeline.errors import FacepipeError
from pipeline.jobs import JobOutcome, JobSpec
from pipeline.store import leases
from pipeline.store.api_keys import ApiKeys
from pipeline.store.checkpoints import Checkpoints
from pipeline.store.deliveries import Deliveries
from pipeline.store.engine import create_engine, upsert_for
from pipeline.store.records import (
    TERMINAL,
    Claim,
    Finish,
    JobRecord,
    Status,
    Submission,
    Summary,
    error_columns,
    new_row,
    record_of,
)
from pipeline.store.schema import jobs

MIGRATIONS = Path(__file__).with_name("migrations")
# SQLite allows 999 bound parameters per statement in older builds.
CHUNK = 500


class ResultStore:
    """Jobs and results over SQLAlchemy Core: SQLite by default, PostgreSQL in production.

    `lease` is how long a running job stays claimed by a worker that stopped answering; it
    must exceed the workers' hard time limit.
    """

    def __init__(self, url: str, *, lease: timedelta = timedelta(minutes=5)) -> None:
        self.url = url
        self.engine = create_engine(url)
        self._lease = lease
        self._insert = upsert_for(self.engine)
        self.deliveries = Deliveries(self.engine)
        self.api_keys = ApiKeys(self.engine)
        self.checkpoints = Checkpoints(self.engine)

    @classmethod
    def open(cls, url: str) -> ResultStore:
        """A store on `url` with its schema created or upgraded: what entry points use."""
        store = cls(url)
        store.migrate()
        return store

    def migrate(self) -> None:
        """Create or upgrade the schema in place (Alembic, to the newest revision)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    # -- producers ----------------------------------------------------------------------

    def submit(
        self,
        specs: Sequence[JobSpec],
        *,
        queue: str,
        reprocess: bool = False,
        callback_url: str | None = None,
        callback_seed: str | None = None,
        callback_key: str | None = None,
        owner_key: str | None = None,
    ) -> list[Submission]:
        """Record jobs, one row per idempotency key, and say which ones need a message.

        `owner_key` is the API key submitting them (see `JobRecord.visible_to`).

        A finished job is `done` (no message) unless `reprocess`, which re-queues it while
        keeping its previous result until the new one is stored. A job that is queued or
        running is `pending` and gets another message: if the first was lost before it was
        sent, this one does the work; if not, the worker sees the job finished and skips it.
        """
        keys = [spec.idempotency_key() for spec in specs]
        now = leases.now()
        existing = self.statuses(keys)
        fresh = {key: spec for key, spec in zip(keys, specs, strict=True) if key not in existing}
        if fresh:
            rows = [
                new_row(
                    key,
                    spec,
                    queue,
                    now,
                    callback={
                        "callback_url": callback_url,
                        "callback_seed": callback_seed,
                        "callback_key": callback_key,
                        "owner_key": owner_key,
                    },
                )
                for key, spec in fresh.items()
            ]
            with self.engine.begin() as connection:
                connection.execute(
                    self._insert(jobs).on_conflict_do_nothing(index_elements=["idempotency_key"]),
                    rows,
                )
            # Another producer may have won the race for some keys: read back the real ids.
            existing_after = self.statuses(list(fresh))
        else:
            existing_after = {}
        if reprocess:
            self._requeue([key for key, (_, status) in existing.items() if status in TERMINAL])
        submissions = []
        for key in keys:
            if key in existing:
                task_id, status = existing[key]
                if status in TERMINAL:
                    state: Literal["pending", "done", "requeued"] = (
                        "requeued" if reprocess else "done"
                    )
                else:
                    state = "pending"
                submissions.append(Submission(task_id, state))
            else:
                submissions.append(Submission(existing_after[key][0], "new"))
        return submissions

    def statuses(self, keys: Sequence[str]) -> dict[str, tuple[str, Status]]:
        """Task id and status of the jobs with these idempotency keys (absent: no job)."""
        found: dict[str, tuple[str, Status]] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(keys):
                query = select(jobs.c.idempotency_key, jobs.c.task_id, jobs.c.status).where(
                    jobs.c.idempotency_key.in_(chunk)
                )
                for key, task_id, status in connection.execute(query):
                    found[key] = (task_id, status)
        return found

    def _requeue(self, keys: Sequence[str]) -> None:
        with self.engine.begin() as connection:
            for chunk in _chunks(keys):
                connection.execute(
                    update(jobs)
                    .where(jobs.c.idempotency_key.in_(chunk))
                    .values(status="queued", claimed_by=None, attempts=0, updated_at=leases.now())
                )

    # -- workers ------------------------------------------------------------------------

    def claim(self, task_id: str, delivery_id: str) -> Claim:
        """Take a job for one delivery of its message, counting the delivery.

        The same delivery may re-claim (a redelivered message after its worker died); another
        may take over a running job only when its lease expired.
        """
        now = leases.now()
        claimable = or_(
            jobs.c.status.in_(("queued", "retrying")),
            and_(
                jobs.c.status == "running",
                or_(jobs.c.claimed_by == delivery_id, jobs.c.updated_at < now - self._lease),
            ),
        )
        taken = leases.take(
            self.engine,
            jobs,
            jobs.c.task_id == task_id,
            claimable,
            status="running",
            claimed_by=delivery_id,
            attempts=jobs.c.attempts + 1,
            updated_at=now,
        )
        record = self.get(task_id)
        if record is None:
            return Claim("missing")
        if taken:
            return Claim("claimed", record)
        return Claim("done" if record.status in TERMINAL else "busy", record)

    def complete(self, task_id: str, delivery_id: str, outcome: JobOutcome) -> Finish:
        """Store a successful result; False when the claim was lost to another delivery."""
        return self._finish(
            task_id,
            _held_by(delivery_id),
            status="succeeded",
            result=json.dumps(outcome.result),
            faces=outcome.faces,
            qualified_faces=outcome.qualified_faces,
            error_code=None,
            error_name=None,
            error_msg=None,
        )

    def fail(
        self, task_id: str, delivery_id: str, error: FacepipeError, result: dict[str, Any]
    ) -> Finish:
        """Store a permanent failure with its code, and the error in the documented shape."""
        return self._finish(
            task_id,
            _held_by(delivery_id),
            status="failed",
            result=json.dumps(result),
            faces=None,
            qualified_faces=None,
            **error_columns(error),
        )

    def mark_retrying(self, task_id: str, delivery_id: str, error: FacepipeError) -> None:
        """Release the claim after a transient error and count the retry; the retry message
        re-claims the job. The error stays stored: it is the job's code if it never recovers.
        A job already final stays final: an error after its result was committed (cleaning
        up, say) must not run it, and call back, a second time."""
        with self.engine.begin() as connection:
            connection.execute(
                update(jobs)
                .where(jobs.c.task_id == task_id, _held_by(delivery_id))
                .values(
                    status="retrying",
                    retries=jobs.c.retries + 1,
                    updated_at=leases.now(),
                    **error_columns(error),
                )
            )

    def hand_over(self, task_id: str, delivery_id: str, next_delivery: str) -> bool:
        """Pass the claim to the message that runs the job's next stage, before it is sent:
        that message then claims the job as its own redelivery. If it is never sent, the
        job stalls and the sweep finishes it (`stalled`)."""
        with self.engine.begin() as connection:
            moved = connection.execute(
                update(jobs)
                .where(jobs.c.task_id == task_id, _held_by(delivery_id))
                .values(claimed_by=next_delivery, updated_at=leases.now())
            ).rowcount
        return bool(moved)

    def stalled(self, idle_since: datetime, *, limit: int = 500) -> list[JobRecord]:
        """Jobs `retrying` or `running` with no progress since `idle_since`: their message
        was lost (a broker that lost data, a retry that could not be sent)."""
        query = select(jobs).where(_stalled(idle_since)).order_by(jobs.c.updated_at).limit(limit)
        with self.engine.connect() as connection:
            return [record_of(row) for row in connection.execute(query)]

    def redrive(self, task_id: str, idle_since: datetime, next_delivery: str) -> bool:
        """Give a stalled job (see `stalled`) to a new message, sent next, unless it moved
        meanwhile; the job's retries and deliveries go on counting."""
        with self.engine.begin() as connection:
            moved = connection.execute(
                update(jobs)
                .where(jobs.c.task_id == task_id, _stalled(idle_since))
                .values(status="retrying", claimed_by=next_delivery, updated_at=leases.now())
            ).rowcount
        return bool(moved)

    def abandon(
        self,
        task_id: str,
        idle_since: datetime,
        error: FacepipeError,
        result: dict[str, Any],
    ) -> Finish:
        """Fail a stalled job (see `stalled`) with `error`, unless it moved meanwhile."""
        return self._finish(
            task_id,
            _stalled(idle_since),
            status="failed",
            result=json.dumps(result),
            faces=None,
            qualified_faces=None,
            **error_columns(error),
        )

    def _finish(self, task_id: str, claim: ColumnElement[bool], **values: Any) -> Finish:
        """Store a final state if the job still satisfies `claim`, with its webhook delivery
        in the same transaction."""
        now = leases.now()
        with self.engine.begin() as connection:
            callback = connection.execute(
                update(jobs)
                .where(jobs.c.task_id == task_id, claim)
                .values(updated_at=now, finished_at=now, **values)
                .returning(
                    jobs.c.callback_url, jobs.c.callback_seed, jobs.c.callback_key, jobs.c.params
                )
            ).first()
            if callback is None:
                return Finish(False)
            if callback.callback_url is None:
                return Finish(True)
            # In the result's own transaction: a stored result with a callback always has its
            # delivery, whatever crashes next.
            webhook = self.deliveries.create(
                connection,
                task_id=task_id,
                url=callback.callback_url,
                content=values["result"],
                dialect=dialect_of(json.loads(callback.params)),
                seed=callback.callback_seed,
                key_id=callback.callback_key,
            )
        return Finish(True, webhook)

    # -- queries ------------------------------------------------------------------------

    def get(self, task_id: str) -> JobRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(jobs).where(jobs.c.task_id == task_id)).first()
        return None if row is None else record_of(row)

    def find(
        self,
        *,
        prefix: str | None = None,
        status: Status | None = None,
        task_ids: Sequence[str] | None = None,
        since: datetime | None = None,
    ) -> Iterator[JobRecord]:
        """Jobs by source-URI prefix, status, task ids and/or submission time, oldest first."""
        for chunk in _chunks(task_ids) if task_ids is not None else [None]:
            query = select(jobs).order_by(jobs.c.created_at, jobs.c.task_id)
            if chunk is not None:
                query = query.where(jobs.c.task_id.in_(chunk))
            if prefix is not None:
                query = query.where(jobs.c.source_uri.startswith(prefix, autoescape=True))
            if status is not None:
                query = query.where(jobs.c.status == status)
            if since is not None:
                query = query.where(jobs.c.created_at >= since)
            with self.engine.connect() as connection:
                for row in connection.execution_options(yield_per=1000).execute(query):
                    yield record_of(row)

    def export_jsonl(self, out: IO[str], **filters: Any) -> int:
        """Write the matching jobs as JSON lines; returns how many."""
        count = 0
        for record in self.find(**filters):
            out.write(json.dumps(record.to_json()) + "\n")
            count += 1
        return count

    def summary(self, task_ids: Sequence[str] | None = None) -> Summary:
        summary = Summary()
        columns = (
            jobs.c.status,
            jobs.c.error_code,
            jobs.c.error_name,
            func.count(),
            func.coalesce(func.sum(jobs.c.faces), 0),
            func.coalesce(func.sum(jobs.c.qualified_faces), 0),
        )
        with self.engine.connect() as connection:
            for chunk in _chunks(task_ids) if task_ids is not None else [None]:
                query = select(*columns).group_by(
                    jobs.c.status, jobs.c.error_code, jobs.c.error_name
                )
                if chunk is not None:
                    query = query.where(jobs.c.task_id.in_(chunk))
                for status, code, name, count, faces, qualified in connection.execute(query):
                    summary.total += count
                    summary.by_status[status] += count
                    summary.faces += faces
                    summary.qualified_faces += qualified
                    if status == "failed":
                        summary.failed_by_code[f"{code} {name}"] += count
        return summary


def _stalled(idle_since: datetime) -> ColumnElement[bool]:
    # What `stalled` lists, and what `redrive` and `abandon` require to still hold.
    return and_(jobs.c.status.in_(("retrying", "running")), jobs.c.updated_at < idle_since)


def _held_by(delivery_id: str) -> ColumnElement[bool]:
    return and_(jobs.c.claimed_by == delivery_id, jobs.c.status == "running")


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
