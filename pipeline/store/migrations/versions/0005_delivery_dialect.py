"""webhook deliveries keep the Green result and the dialect to render it in

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before hold content already rendered in their dialect: as "green" they are
    # sent as they are.
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(
            sa.Column("dialect", sa.String(16), nullable=False, server_default="green")
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("dialect")
