"""search indexes: target names in (name, id) order for paged registry searches

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:40:00.000000

The registry pages sort by (name, id) and show 50 rows. With this index a search that
matches many targets reads one page in order and stops, instead of sorting every match; the
trailing columns let it check the usual filters (department scope, region, key prefix,
pinyin initials) on the index alone, so a walk past many non-matching names stays cheap.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.create_index(
            "ix_target_name_id",
            ["name", "id", "department_id", "region_code", "key", "initials"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_index("ix_target_name_id")
