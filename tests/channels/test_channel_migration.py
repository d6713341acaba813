"""Migration 0011: existing draw submissions become (subject_type "draw", subject_id = draw_id)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import MetaData, create_engine, insert, select, text, types

from spotcheck.config import Settings
from spotcheck.migrate import alembic_config
from tests.conftest import TEST_SECRET


def _filler(column: Any) -> Any:
    kind = column.type
    if isinstance(kind, types.Boolean):
        return False
    if isinstance(kind, types.Integer):
        return 1
    if isinstance(kind, types.DateTime):
        return dt.datetime(2026, 11, 24, 1, 30)
    if isinstance(kind, types.Date):
        return dt.date(2026, 11, 24)
    if isinstance(kind, types.JSON):
        return {}
    if isinstance(kind, types.LargeBinary):
        return b""
    return "x"


def test_it_moves_draw_submissions_onto_the_subject_columns_and_back(tmp_path: Path) -> None:
    # A database of its own, at the revision before channels (SQLite: rows without parents).
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(
        Settings(SPOTCHECK_ENV="test", DATABASE_URL=url, SECRET_KEY=TEST_SECRET)
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    meta = MetaData()
    meta.reflect(engine, only=["draw", "channel_submission"])
    draw = meta.tables["draw"]
    values = {c.name: _filler(c) for c in draw.columns if not c.nullable and c.name != "id"}
    with engine.begin() as connection:
        connection.execute(insert(draw).values(id=7, **{**values, "code": "SSJ-7"}))
        connection.execute(
            insert(meta.tables["channel_submission"]).values(
                id=1,
                draw_id=7,
                channel="局综合法规科",
                export_format="xlsx",
                export_sha256="a" * 64,
                note="",
                submitted_by="李明",
                submitted_at=dt.datetime(2026, 11, 24, 2, 0),
            )
        )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    query = "SELECT subject_type, subject_id, export_filename, channel FROM channel_submission"
    with engine.connect() as connection:
        assert connection.execute(text(query)).all() == [
            ("draw", 7, "SSJ-7-报送局综合法规科.xlsx", "局综合法规科")
        ]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    meta = MetaData()
    meta.reflect(engine, only=["channel_submission"])
    old = meta.tables["channel_submission"]
    with engine.connect() as connection:
        assert connection.execute(select(old.c.draw_id, old.c.channel)).all() == [
            (7, "局综合法规科")
        ]
    engine.dispose()
