"""Migration 0019: each version's non-empty free-text guideline becomes its check point 1."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, create_engine, insert, text

from spotcheck.config import Settings
from spotcheck.migrate import alembic_config
from tests.channels.test_channel_migration import _filler
from tests.conftest import TEST_SECRET

GUIDELINE = "1. 出示执法证件，告知检查事项；\n2. 查阅相关制度、台账和记录。"


def test_it_turns_each_guideline_into_one_point_with_the_versions_basis(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(
        Settings(SPOTCHECK_ENV="test", DATABASE_URL=url, SECRET_KEY=TEST_SECRET)
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0018")
        meta = MetaData()
        meta.reflect(connection, only=["department", "check_item", "check_item_version"])

        def add(table: str, **values: object) -> None:
            columns = meta.tables[table].columns
            row = {c.name: _filler(c) for c in columns if not c.nullable and c.name != "id"}
            connection.execute(insert(meta.tables[table]), [{**row, **values}])

        add("department", id=1, code="CITY-A", name="甲市局", parent_id=None)
        add("check_item", id=1, department_id=1, code="T-1")
        versions = [
            (1, f"  {GUIDELINE}\n", "《中华人民共和国档案法》第四十二条"),
            (2, GUIDELINE, "  "),  # no basis of its own
            (3, "   ", "《中华人民共和国档案法》第十九条"),  # nothing to migrate
        ]
        for n, guideline, basis in versions:
            add(
                "check_item_version",
                id=n,
                item_id=1,
                version=n,
                release_id=None,
                guideline=guideline,
                legal_basis=basis,
            )
        command.upgrade(config, "0019")
        rows = connection.execute(
            text(
                "SELECT item_version_id, number, text, method, legal_basis, materials "
                "FROM check_point ORDER BY item_version_id"
            )
        ).all()
        kept = connection.execute(
            text("SELECT guideline FROM check_item_version WHERE id = 1")
        ).scalar()
        command.downgrade(config, "0018")
        tables = connection.execute(
            text("SELECT name FROM sqlite_master WHERE name = 'check_point'")
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, 1, GUIDELINE, "", "《中华人民共和国档案法》第四十二条", ""),
        (2, 1, GUIDELINE, "", "（原指引未列明）", ""),
    ]
    assert kept == f"  {GUIDELINE}\n"  # the old column is kept as it was (superseded)
    assert tables == []
