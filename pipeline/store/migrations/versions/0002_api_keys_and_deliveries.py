"""api keys; webhook delivery content, seed and key; the callback's key on jobs

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    # batch mode: SQLite cannot ALTER most things in place; Alembic copies the table there.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("callback_key", sa.String(32)))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("seed", sa.String(256)))
        batch.add_column(sa.Column("key_id", sa.String(32)))
        batch.add_column(sa.Column("content", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("content")
        batch.drop_column("key_id")
        batch.drop_column("seed")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("callback_key")
    op.drop_table("api_keys")
