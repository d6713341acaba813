"""a task chooses whether its groups take auxiliary experts (002 第九条第六款, 003 第七条)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Off for existing tasks: the rulebooks add experts only when a check needs them.
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auxiliary_experts", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("auxiliary_experts")
