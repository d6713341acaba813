"""Migration 0014: a draw stored with its texts in its own row comes out with the texts in
draw_document, and the records put together from them are the ones it had, byte for byte."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, create_engine, insert
from sqlalchemy.orm import Session

from spotcheck.config import Settings
from spotcheck.draws import ceremony, documents, visits
from spotcheck.draws.models import Draw, DrawnTarget
from spotcheck.migrate import alembic_config
from spotcheck.sampling import build_manifest, canonical_json, compute_record, manifest_digest
from spotcheck.sampling.build import dice_plan
from tests.channels.test_channel_migration import _filler
from tests.conftest import TEST_SECRET

SECRET = b"k" * 32


def test_it_moves_the_texts_out_of_the_draw_row_and_keeps_the_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(
        Settings(SPOTCHECK_ENV="test", DATABASE_URL=url, SECRET_KEY=TEST_SECRET)
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0013")
    keys = [f"91370300MA{n:08d}" for n in range(12)]
    manifest, openings = build_manifest(
        task="OLD-2026-01",
        policy="zibo-gxj@1",
        committed_at="2026-11-20T02:00:00Z",
        strata=[{"name": "第1层", "quota": 3, "keys": keys}],
        slots=[{"name": "执法人员", "count": 2, "pool": [f"鲁C-{n:04d}" for n in range(5)]}],
        entropy=[dice_plan(6)],
        secret=SECRET,
    )
    entropy = [{"kind": "dice", "value": "314159"}]
    public = compute_record(manifest, entropy, openings=openings)
    auditor = compute_record(manifest, entropy, openings=openings, audience="auditor")
    meta = MetaData()
    meta.reflect(engine, only=["draw"])
    table = meta.tables["draw"]
    values = {c.name: _filler(c) for c in table.columns if not c.nullable and c.name != "id"}
    values.update(
        code="OLD-2026-01",
        status="computed",
        digest=manifest_digest(manifest),
        secret_hex=SECRET.hex(),
        manifest_text=canonical_json(manifest),
        openings=dict(openings),  # the old column held the openings as JSON
        record_text=canonical_json(public),
        auditor_record_text=canonical_json(auditor),
        strata_map={"第1层": {"key": "all", "name": "全部对象", "article": "002 第八条"}},
        revealed=entropy,
        computed_at=dt.datetime(2026, 11, 20, 3, 0),
    )
    with engine.begin() as connection:
        connection.execute(insert(table).values(id=5, **values))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    with Session(engine) as db:
        draw = db.get(Draw, 5)
        assert draw is not None
        assert ceremony.record_text(db, draw) == canonical_json(public)
        assert ceremony.record_text(db, draw, auditor=True) == canonical_json(auditor)
        assert documents.text(db, draw, "manifest") == canonical_json(manifest)
        assert draw.entropy_plan == manifest["entropy"] and draw.seed == public["seed"]
        assert draw.selected_count == 3 and draw.candidate_count == 12
        assert draw.strata_map["第1层"]["size"] == 12 and draw.strata_map["第1层"]["name"]
        # What `spotcheck db upgrade` then does: the drawn targets get their order and group.
        visits.backfill(db, draw)
        rows = db.query(DrawnTarget).order_by(DrawnTarget.seq).all()
        assert [r.commitment for r in rows] == [a["target"] for a in public["assignments"]]
        assert rows[0].target_key == openings[rows[0].commitment]["key"]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    meta = MetaData()
    meta.reflect(engine, only=["draw"])
    with engine.connect() as connection:
        old = connection.execute(meta.tables["draw"].select()).mappings().one()
    assert old["record_text"] == canonical_json(public)
    assert old["auditor_record_text"] == canonical_json(auditor)
    assert old["openings"] == openings
    engine.dispose()
