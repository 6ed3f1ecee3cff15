"""jobs, backfill checkpoints and webhook deliveries

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "jobs",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_uri", sa.Text, nullable=False),
        sa.Column("etag", sa.String(256)),
        sa.Column("version", sa.String(256)),
        sa.Column("data_id", sa.String(256)),
        sa.Column("target_uri", sa.Text),
        sa.Column("target_etag", sa.String(256)),
        sa.Column("params", sa.Text, nullable=False, server_default="{}"),
        sa.Column("queue", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("error_code", sa.Integer),
        sa.Column("error_name", sa.String(64)),
        sa.Column("error_msg", sa.Text),
        sa.Column("result", sa.Text),
        sa.Column("faces", sa.Integer),
        sa.Column("qualified_faces", sa.Integer),
        sa.Column("callback_url", sa.Text),
        sa.Column("callback_seed", sa.String(256)),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.Column("finished_at", when),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_index("ix_jobs_source_uri", "jobs", ["source_uri"])
    op.create_table(
        "backfill_checkpoints",
        sa.Column("name", sa.String(512), primary_key=True),
        sa.Column("last_key", sa.Text, nullable=False),
        sa.Column("enqueued", sa.Integer, nullable=False),
        sa.Column("updated_at", when, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(32), primary_key=True),
        sa.Column("task_id", sa.String(32), sa.ForeignKey("jobs.task_id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", when),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", when, nullable=False),
        sa.Column("delivered_at", when),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("backfill_checkpoints")
    op.drop_table("jobs")
