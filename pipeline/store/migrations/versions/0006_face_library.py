"""the face library of 1:N search: groups, persons, their faces and descriptors

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "face_groups",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("group_id", sa.String(32), primary_key=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "persons",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "person_groups",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("group_id", sa.String(32), primary_key=True),
        sa.Column("person_id", sa.String(32), primary_key=True),
    )
    op.create_index("ix_person_groups_person", "person_groups", ["account_id", "person_id"])
    op.create_table(
        "faces",
        sa.Column("face_id", sa.String(20), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("source_uri", sa.Text, nullable=False),
        sa.Column("etag", sa.String(256)),
        sa.Column("box", sa.Text, nullable=False),
        sa.Column("descriptor", sa.LargeBinary, nullable=False),
        sa.Column("descriptor_name", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_faces_person", "faces", ["account_id", "person_id"])
    op.create_table(
        "library_versions",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("library_versions", "faces", "person_groups", "persons", "face_groups"):
        op.drop_table(table)
