"""an item version's 抽查工作指引 becomes an ordered list of check points, each with its legal basis

Every version's non-empty free-text guideline becomes its point 1: the text is the guideline, the
legal basis is the version's 检查依据, or “（原指引未列明）” where it has none. The old
`check_item_version.guideline` column stays, read-only and superseded (nothing writes it).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-12 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UNKNOWN_BASIS = "（原指引未列明）"  # = spotcheck.catalog.points.UNKNOWN_BASIS, frozen here


def upgrade() -> None:
    op.create_table(
        "check_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_version_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["check_item_version.id"],
            name=op.f("fk_check_point_item_version_id_check_item_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_point")),
        sa.UniqueConstraint(
            "item_version_id", "number", name=op.f("uq_check_point_item_version_id_number")
        ),
    )
    with op.batch_alter_table("check_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_point_item_version_id"), ["item_version_id"], unique=False
        )
    migrate_guidelines(op.get_bind())


def migrate_guidelines(connection: sa.Connection) -> int:
    """Each version's non-empty guideline as its point 1; returns how many points were made."""
    versions = sa.table(
        "check_item_version",
        sa.column("id", sa.Integer),
        sa.column("guideline", sa.Text),
        sa.column("legal_basis", sa.Text),
    )
    points = sa.table(
        "check_point",
        sa.column("item_version_id", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("text", sa.Text),
        sa.column("method", sa.String),
        sa.column("legal_basis", sa.Text),
        sa.column("materials", sa.Text),
    )
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.guideline, versions.c.legal_basis).order_by(
            versions.c.id
        )
    ).all()
    new = [
        {
            "item_version_id": row.id,
            "number": 1,
            "text": row.guideline.strip(),
            "method": "",
            "legal_basis": (row.legal_basis or "").strip() or UNKNOWN_BASIS,
            "materials": "",
        }
        for row in rows
        if (row.guideline or "").strip()
    ]
    if new:
        connection.execute(sa.insert(points), new)
    return len(new)


def downgrade() -> None:
    # The guideline column was never changed, so the free text is still there.
    with op.batch_alter_table("check_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_point_item_version_id"))
    op.drop_table("check_point")
