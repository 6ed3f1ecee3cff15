"""The results store's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL.

Alembic migrations in `migrations/versions/` create and upgrade these tables in place; a
change here needs a new migration (`alembic revision`), never an edit of an applied one.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

# One row per (source, content version, kind, params): the unit of work and its result.
jobs = Table(
    "jobs",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("source_uri", Text, nullable=False),
    Column("etag", String(256)),
    Column("version", String(256)),
    Column("data_id", String(256)),
    Column("target_uri", Text),
    Column("target_etag", String(256)),
    Column("params", Text, nullable=False, server_default="{}"),
    Column("queue", String(16), nullable=False),
    # queued -> running -> succeeded | failed; running -> retrying -> running on transient errors
    Column("status", String(16), nullable=False),
    # Deliveries that claimed the job; capped by FACEPIPE_WORKER_MAX_DELIVERIES.
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Transient failures retried so far; capped by FACEPIPE_WORKER_MAX_RETRIES.
    Column("retries", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(64)),
    Column("error_code", Integer),
    Column("error_name", String(64)),
    Column("error_msg", Text),
    # The documented response JSON (Green detect or CompareFaces), also for failures.
    Column("result", Text),
    Column("faces", Integer),
    Column("qualified_faces", Integer),
    # For the async API's signed callbacks (the webhook deliveries table below).
    Column("callback_url", Text),
    Column("callback_seed", String(256)),
    # The API key that asked for the callback: its account id and webhook secret sign it.
    Column("callback_key", String(32)),
    # The API key that submitted the job; only it (and admin keys) can poll the result. Null
    # for jobs from backfills and queue-fed bucket triggers, which only admin keys can read.
    Column("owner_key", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_jobs_status", "status"),
    Index("ix_jobs_source_uri", "source_uri"),
)

# Where a backfill got to, so a crashed one resumes with ListObjectsV2 StartAfter.
backfill_checkpoints = Table(
    "backfill_checkpoints",
    metadata,
    Column("name", String(512), primary_key=True),
    Column("last_key", Text, nullable=False),
    Column("enqueued", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Callback deliveries; retries are scheduled here (next_attempt_at), not in Celery countdowns.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", String(32), primary_key=True),
    Column("task_id", String(32), ForeignKey("jobs.task_id"), nullable=False),
    Column("url", Text, nullable=False),
    # pending -> sending -> delivered | pending (retry) | dead (retries used up) | gone (410)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # When it is due; while `sending` or handed to the queue, when that lease expires.
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("seed", String(256)),
    Column("key_id", String(32)),
    # The result JSON in the stored (Green) shape; `pipeline.webhooks` renders it in
    # `dialect`, the shape the job asked for, the same way at every attempt.
    Column("content", Text),
    Column("dialect", String(16), nullable=False, server_default="green"),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

# API keys. The AppSecret is derived from the service's master key and never stored; the
# hash lets authentication tell a key made with another master key from a valid one.
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("name", Text),
    Column("secret_hash", String(64), nullable=False),
    # Reads every job, including those no key submitted (backfills, queue-fed triggers).
    Column("admin", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# The face library of 1:N search (`pipeline.library`), every row scoped by account: one
# account's keys never read or search another's persons. IDs are the caller's (<= 32 chars).
face_groups = Table(
    "face_groups",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("group_id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

persons = Table(
    "persons",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("name", Text),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

person_groups = Table(
    "person_groups",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("group_id", String(32), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Index("ix_person_groups_person", "account_id", "person_id"),
)

faces = Table(
    "faces",
    metadata,
    # A random 53-bit integer in decimal: the documented API calls it a Long, and 53 bits
    # survive JSON readers that parse numbers as doubles.
    Column("face_id", String(20), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("person_id", String(32), nullable=False),
    Column("source_uri", Text, nullable=False),
    # With the URI, what makes enrolling the same object again a no-op.
    Column("etag", String(256)),
    # {"x","y","w","h"} in the source image's pixels, JSON.
    Column("box", Text, nullable=False),
    # float32 little-endian unit vector; compared only with descriptors of the same name.
    Column("descriptor", LargeBinary, nullable=False),
    Column("descriptor_name", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_faces_person", "account_id", "person_id"),
)

# Bumped in the transaction of every library change: search caches compare it to know that
# the descriptors they hold are stale.
library_versions = Table(
    "library_versions",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)
