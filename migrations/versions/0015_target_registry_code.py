"""every target gets a registry code (登记编号); a target keyed by a resident ID number is rekeyed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:00:00.000000

Existing targets are numbered per department in id order ("<department code>-0000001", or
"D<department id>-…" when the department code is too long). A target whose key is a resident
ID number (a natural person; spec/draw-v1.md "Commitments") is rekeyed by its registry code,
the number moving to id_number; its exemptions, past checks of its department and declared
conflicts follow the new key. Draws already recorded keep what they recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spotcheck.targets.registry_codes import MAX_LEN, SERIAL_DIGITS, is_resident_id

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("registry_code", sa.String(length=40), nullable=False, server_default="")
        )
    bind = op.get_bind()
    departments = bind.execute(sa.text("SELECT id, code FROM department")).all()
    for department_id, code in departments:
        prefix = f"{code}-" if len(code) + 1 + SERIAL_DIGITS <= MAX_LEN else f"D{department_id}-"
        rows = bind.execute(
            sa.text("SELECT id, key, id_number FROM target WHERE department_id = :d ORDER BY id"),
            {"d": department_id},
        ).all()
        updates = []
        rekeyed = []
        for serial, (target_id, key, id_number) in enumerate(rows, start=1):
            registry_code = f"{prefix}{serial:0{SERIAL_DIGITS}d}"
            if is_resident_id(key):
                rekeyed.append({"old": key, "new": registry_code, "d": department_id})
                updates.append(
                    {
                        "i": target_id,
                        "c": registry_code,
                        "k": registry_code,
                        "n": id_number or key,
                    }
                )
            else:
                updates.append({"i": target_id, "c": registry_code, "k": key, "n": id_number})
        if updates:
            bind.execute(
                sa.text(
                    "UPDATE target SET registry_code = :c, key = :k, id_number = :n WHERE id = :i"
                ),
                updates,
            )
        if rekeyed:
            bind.execute(
                sa.text(
                    "UPDATE exemption SET target_key = :new "
                    "WHERE department_id = :d AND target_key = :old"
                ),
                rekeyed,
            )
            bind.execute(
                sa.text(
                    "UPDATE check_record SET target_key = :new "
                    "WHERE department_id = :d AND target_key = :old"
                ),
                rekeyed,
            )
            bind.execute(
                sa.text(
                    "UPDATE conflict SET target_key = :new WHERE target_key = :old AND "
                    "inspector_id IN (SELECT id FROM inspector WHERE department_id = :d)"
                ),
                rekeyed,
            )
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.alter_column("registry_code", server_default=None)
        batch_op.create_unique_constraint(
            "uq_target_department_id_registry_code", ["department_id", "registry_code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_constraint("uq_target_department_id_registry_code", type_="unique")
        batch_op.drop_column("registry_code")
