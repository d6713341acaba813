"""inspector registry entries may be linked to one user account (我的任务)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_inspector_user_id"), ["user_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_inspector_user_id_user_account"),
            "user_account",
            ["user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_inspector_user_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_inspector_user_id"), type_="unique")
        batch_op.drop_column("user_id")
