"""draws at national scale: large texts in draw_document, drawn targets carry order and group;
the revision counter of what eligibility reads (data_revision)

The manifest, openings and both records move out of the draw's row into draw_document
(compressed, with their SHA-256); the draw keeps its entropy plan, seed and counts; drawn targets
get their visit order, commitment, group and search text (draws computed before this are filled
in from their record the first time they are read: spotcheck.draws.visits.backfill); events
remember the names of the targets they touch.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 20:00:00.000000
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from spotcheck.db import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_MOVED = ("manifest_text", "openings", "record_text", "auditor_record_text")


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _core(record_text: str) -> str:
    """The record as now stored: without the manifest it embeds (draws.ceremony.record_core)."""
    if not record_text:
        return ""
    try:
        record = json.loads(record_text)
    except ValueError:
        return record_text
    return _canonical({**record, "manifest": 0})


def upgrade() -> None:
    op.create_table(
        "data_revision",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_revision")),
    )
    op.create_table(
        "draw_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["draw.id"], name=op.f("fk_draw_document_draw_id_draw"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_document")),
        sa.UniqueConstraint("draw_id", "kind", name=op.f("uq_draw_document_draw_id_kind")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The texts are stored as they are (draws.documents): no TOAST compression either.
        op.execute("ALTER TABLE draw_document ALTER COLUMN body SET STORAGE EXTERNAL")
    with op.batch_alter_table("draw") as batch:
        batch.add_column(sa.Column("entropy_plan", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("evaluation", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("candidate_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("seed", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("selected_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("list_sha256", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("draw_event") as batch:
        batch.add_column(sa.Column("names", sa.JSON(), nullable=True))
    with op.batch_alter_table("drawn_target") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("commitment", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("members", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("replaces", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("search", sa.Text(), nullable=False, server_default=""))
        batch.create_index("ix_drawn_target_task_seq", ["task_id", "seq"])
    _move_texts()
    empty = {("draw", "entropy_plan"): "[]", ("draw", "evaluation"): "{}"}
    empty |= {("draw_event", "names"): "{}"}
    for (table, column), value in empty.items():
        # Names and values are the constants above, never input.
        op.execute(f"UPDATE {table} SET {column} = '{value}' WHERE {column} IS NULL")  # noqa: S608
    with op.batch_alter_table("draw") as batch:
        for column in _MOVED:
            batch.drop_column(column)
        batch.alter_column("entropy_plan", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("evaluation", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("draw_event") as batch:
        batch.alter_column("names", existing_type=sa.JSON(), nullable=False)


def _move_texts() -> None:
    bind = op.get_bind()
    draw = sa.table(
        "draw",
        sa.column("id", sa.Integer()),
        sa.column("manifest_text", sa.Text()),
        sa.column("openings", sa.JSON()),
        sa.column("record_text", sa.Text()),
        sa.column("auditor_record_text", sa.Text()),
        sa.column("strata_map", sa.JSON()),
        sa.column("secret_hex", sa.String()),
        sa.column("entropy_plan", sa.JSON()),
        sa.column("seed", sa.String()),
        sa.column("selected_count", sa.Integer()),
        sa.column("candidate_count", sa.Integer()),
    )
    document = sa.table(
        "draw_document",
        sa.column("draw_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("sha256", sa.String()),
        sa.column("size", sa.Integer()),
        sa.column("body", sa.LargeBinary()),
        sa.column("stored_at", UTCDateTime()),
    )
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    ids = [row[0] for row in bind.execute(sa.select(draw.c.id))]
    for ident in ids:
        row = bind.execute(sa.select(draw).where(draw.c.id == ident)).mappings().one()
        if not row["manifest_text"]:
            continue
        texts = {
            "manifest": row["manifest_text"],
            "openings": "".join(
                f"{c}\t{o['key']}\n" for c, o in sorted((row["openings"] or {}).items())
            ),
            "record": _core(row["record_text"]),
        }
        for kind, text in texts.items():
            if not text:
                continue
            data = text.encode("utf-8")
            bind.execute(
                document.insert().values(
                    draw_id=ident,
                    kind=kind,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    body=data,
                    stored_at=now,
                )
            )
        try:
            manifest = json.loads(row["manifest_text"])
            record = json.loads(row["record_text"]) if row["record_text"] else None
        except ValueError:  # not a draw's texts: moved as they are, nothing derived
            continue
        strata_map = dict(row["strata_map"] or {})
        for stratum in manifest["strata"]:
            entry = dict(strata_map.get(stratum["name"], {}))
            entry.update(size=len(stratum["candidates"]), quota=stratum["quota"])
            strata_map[stratum["name"]] = entry
        values: dict[str, Any] = {
            "entropy_plan": manifest["entropy"],
            "strata_map": strata_map,
            "candidate_count": sum(len(s["candidates"]) for s in manifest["strata"]),
        }
        if record is not None:
            values["seed"] = record["seed"]
            values["selected_count"] = len(record["assignments"])
        bind.execute(draw.update().where(draw.c.id == ident).values(**values))


def downgrade() -> None:
    with op.batch_alter_table("draw") as batch:
        batch.add_column(sa.Column("manifest_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("openings", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("record_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("auditor_record_text", sa.Text(), nullable=False, server_default="")
        )
    bind = op.get_bind()
    columns = ("manifest_text", "record_text", "auditor_record_text")
    draw = sa.table(
        "draw",
        sa.column("id", sa.Integer()),
        sa.column("openings", sa.JSON()),
        *(sa.column(c, sa.Text()) for c in columns),
    )
    from spotcheck.draws.ceremony import assemble
    from spotcheck.draws.openings import Openings, canonical

    secrets = dict(bind.execute(sa.text("SELECT id, secret_hex FROM draw")).all())
    rows = bind.execute(sa.text("SELECT draw_id, kind, body FROM draw_document")).all()
    texts: dict[int, dict[str, str]] = {}
    for draw_id, kind, body in rows:
        texts.setdefault(draw_id, {})[kind] = bytes(body).decode("utf-8")
    for draw_id, parts in texts.items():
        values: dict[str, Any] = {"manifest_text": parts.get("manifest", "")}
        lines = parts.get("openings", "")
        try:
            secret = bytes.fromhex(secrets.get(draw_id) or "")
            values["openings"] = dict(Openings(lines, secret).items())
        except ValueError:  # not a draw's texts (moved as they were): nothing to rebuild
            secret, values["openings"] = b"", {}
        core = parts.get("record", "")
        if core and '"manifest":0' in core and secret:
            # assemble and canonical work on the stored UTF-8 bytes
            stored = {k: v.encode("utf-8") for k, v in parts.items()}
            values["record_text"] = assemble(stored["record"], stored["manifest"]).decode()
            values["auditor_record_text"] = assemble(
                stored["record"], stored["manifest"], canonical(stored["openings"], secret)
            ).decode()
        else:  # not a draw's record (moved as it was): back as it is
            values["record_text"] = core
        bind.execute(draw.update().where(draw.c.id == draw_id).values(**values))
    with op.batch_alter_table("drawn_target") as batch:
        batch.drop_index("ix_drawn_target_task_seq")
        for column in ("seq", "commitment", "members", "replaces", "search"):
            batch.drop_column(column)
    with op.batch_alter_table("draw_event") as batch:
        batch.drop_column("names")
    with op.batch_alter_table("draw") as batch:
        for column in (
            "entropy_plan",
            "evaluation",
            "candidate_count",
            "seed",
            "selected_count",
            "list_sha256",
        ):
            batch.drop_column(column)
    op.drop_table("draw_document")
    op.drop_table("data_revision")
