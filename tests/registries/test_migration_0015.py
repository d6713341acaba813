"""Migration 0015: existing targets get registry codes in id order; one keyed by a resident ID
number is rekeyed by its code, with its exemption following."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, create_engine, insert, text

from spotcheck.config import Settings
from spotcheck.migrate import alembic_config
from spotcheck.tabular.codes import make_resident_id, make_uscc
from tests.channels.test_channel_migration import _filler
from tests.conftest import TEST_SECRET

PERSON = make_resident_id(5, region="370303", born=dt.date(1990, 5, 1))


def test_it_numbers_targets_and_rekeys_the_one_known_by_an_id_number(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(
        Settings(SPOTCHECK_ENV="test", DATABASE_URL=url, SECRET_KEY=TEST_SECRET)
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
        meta = MetaData()
        meta.reflect(connection, only=["department", "target", "exemption"])

        def add(table: str, **values: object) -> None:
            columns = meta.tables[table].columns
            row = {c.name: _filler(c) for c in columns if not c.nullable and c.name != "id"}
            connection.execute(insert(meta.tables[table]), [{**row, **values}])

        add("department", id=1, code="CITY-A", name="甲市局", parent_id=None)
        for n, key in enumerate([make_uscc(1), PERSON, "XM-1"], start=1):
            add("target", id=n, department_id=1, key=key, name=f"对象{n}", id_number="")
        add("exemption", department_id=1, target_key=PERSON, valid_until=None, revoked_at=None)
        command.upgrade(config, "0015")
        rows = connection.execute(
            text("SELECT key, registry_code, id_number FROM target ORDER BY id")
        ).all()
        exempt = connection.execute(text("SELECT target_key FROM exemption")).scalar()
    assert [r[1] for r in rows] == ["CITY-A-0000001", "CITY-A-0000002", "CITY-A-0000003"]
    assert rows[0][0] == make_uscc(1) and rows[2][0] == "XM-1"
    assert rows[1] == ("CITY-A-0000002", "CITY-A-0000002", PERSON)
    assert exempt == "CITY-A-0000002"
