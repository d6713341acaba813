"""a committed draw may be abandoned with approval; the task then draws again (attempt 2, …)

The draw keeps who abandoned it, why and who approved; `task_id` is no longer unique on its own
but together with the attempt number.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spotcheck.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_STATES = ("prepared", "committed", "computed", "published")


def upgrade() -> None:
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("abandoned_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("abandoned_by", sa.String(length=60), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("abandon_reason", sa.String(length=400), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("abandon_approver", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_draw_task_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_draw_task_id_attempt"), ["task_id", "attempt"]
        )
        batch_op.create_index(batch_op.f("ix_draw_task_id"), ["task_id"], unique=False)
        batch_op.alter_column(
            "status",
            existing_type=sa.Enum(*_STATES, name="drawstatus", native_enum=False, length=12),
            type_=sa.Enum(*_STATES, "abandoned", name="drawstatus", native_enum=False, length=12),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draw_task_id"))
        batch_op.drop_constraint(batch_op.f("uq_draw_task_id_attempt"), type_="unique")
        batch_op.create_unique_constraint("uq_draw_task_id", ["task_id"])
        batch_op.drop_column("abandon_approver")
        batch_op.drop_column("abandon_reason")
        batch_op.drop_column("abandoned_by")
        batch_op.drop_column("abandoned_at")
        batch_op.drop_column("attempt")
