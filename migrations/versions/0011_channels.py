"""channel submissions point at any subject (subject_type, subject_id) instead of a draw

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_type", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("export_filename", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("submitted_by_id", sa.Integer(), nullable=True))
    # Every existing submission is a draw's; its file was handed over as "<code>-报送<channel>.<fmt>".
    op.execute(
        "UPDATE channel_submission SET subject_type = 'draw', subject_id = draw_id, "
        "export_filename = COALESCE((SELECT draw.code FROM draw "
        "WHERE draw.id = channel_submission.draw_id), '') "
        "|| '-报送' || channel || '.' || export_format"
    )
    with op.batch_alter_table("channel_submission", schema=None) as batch_op:
        batch_op.alter_column("subject_type", existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column("subject_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column(
            "export_filename", existing_type=sa.String(length=200), nullable=False
        )
        batch_op.drop_index(batch_op.f("ix_channel_submission_draw_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_channel_submission_draw_id_draw"), type_="foreignkey"
        )
        batch_op.drop_column("draw_id")
        batch_op.create_foreign_key(
            batch_op.f("fk_channel_submission_submitted_by_id_user_account"),
            "user_account",
            ["submitted_by_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_channel_submission_subject", ["subject_type", "subject_id"], unique=False
        )


def downgrade() -> None:
    # Only draws had submissions before; submissions of other subjects cannot go back.
    op.execute("DELETE FROM channel_submission WHERE subject_type <> 'draw'")
    with op.batch_alter_table("channel_submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draw_id", sa.Integer(), nullable=True))
    op.execute("UPDATE channel_submission SET draw_id = subject_id")
    with op.batch_alter_table("channel_submission", schema=None) as batch_op:
        batch_op.alter_column("draw_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index("ix_channel_submission_subject")
        batch_op.drop_constraint(
            batch_op.f("fk_channel_submission_submitted_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("submitted_by_id")
        batch_op.drop_column("export_filename")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_type")
        batch_op.create_foreign_key(
            batch_op.f("fk_channel_submission_draw_id_draw"),
            "draw",
            ["draw_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_channel_submission_draw_id"), ["draw_id"], unique=False
        )
