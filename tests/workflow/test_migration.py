"""Migration 0008 on a database with data (SQLite, foreign keys enforced as in production): plan
steps become workflow steps, releases and draws get the steps their times show, leaders get
their approval level, a borrowing of a draw not yet committed becomes a row with its approval,
and no row of a table that batch mode rebuilds is lost to a cascade."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import MetaData, insert, text

from spotcheck import migrate
from spotcheck.config import Settings
from spotcheck.db import make_engine
from spotcheck.migrate import alembic_config
from tests.channels.test_channel_migration import _filler
from tests.conftest import TEST_SECRET

AT = dt.datetime(2026, 3, 2, 1, 0)


def test_it_moves_steps_levels_and_borrowings_without_losing_rows(tmp_path: Path) -> None:
    settings = Settings(
        SPOTCHECK_ENV="test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'old.db'}",
        SECRET_KEY=TEST_SECRET,
    )
    engine = make_engine(settings)  # PRAGMA foreign_keys=ON, as the app runs
    with engine.begin() as connection:
        config = alembic_config(settings)
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    meta = MetaData()
    meta.reflect(engine)

    def row(table: str, **values: Any) -> None:
        columns = meta.tables[table].columns
        base = {c.name: _filler(c) for c in columns if not c.nullable and c.name != "id"}
        with engine.begin() as connection:
            connection.execute(insert(meta.tables[table]).values(**{**base, **values}))

    row("department", id=1, code="A", name="甲局", level="city", path="/1/")
    row("department", id=2, code="A-1", name="甲局一科", level="section", parent_id=1, path="/1/2/")
    row("department", id=3, code="B", name="乙局", level="city", path="/3/")
    row("user_account", id=1, username="leader", full_name="刘洋", department_id=1)
    row("user_account", id=2, username="kz", full_name="王科长", department_id=2)
    row("user_account", id=3, username="officer", full_name="张伟", department_id=2)
    for user_id, role in ((1, "leader"), (2, "leader"), (3, "officer")):
        row("user_role", user_id=user_id, role=role)
    row(
        "annual_plan",
        id=1,
        department_id=1,
        year=2026,
        version=1,
        status="approved",
        profile_code="zibo-gxj",
    )
    for n, (action, before, after) in enumerate(
        (
            ("create", "", "draft"),
            ("submit", "draft", "submitted"),
            ("approve", "submitted", "approved"),
        )
    ):
        row(
            "plan_step",
            plan_id=1,
            action=action,
            from_status=before,
            to_status=after,
            actor_name="刘洋",
            rule="依据 002 第八条：年度计划由局领导审定",
            at=AT + dt.timedelta(hours=n),
        )
    row("task", id=1, plan_id=1, department_id=1, number=1, name="任务")
    row(
        "catalog_release",
        id=1,
        department_id=1,
        number=1,
        status="published",
        submitted_by="李明",
        submitted_at=AT,
        decided_by="刘洋",
        decided_at=AT,
        rule="依据 002 第五条第一款：随机抽查事项清单由局领导审定后公布",
    )
    loan = {
        "slot": "执法人员",
        "department_id": 3,
        "department": "乙局",
        "approved_by": "刘洋",
        "document": "甲〔2026〕3号",
        "rule": "依据 002 第十条第一款",
    }
    row(
        "draw",
        id=1,
        task_id=1,
        department_id=1,
        code="A-2026-01",
        profile_code="zibo-gxj",
        status="prepared",
        pools_info={"borrowed": [loan]},
        created_at=AT,
    )
    row("draw_event", draw_id=1, seq=1, kind="replace-target", payload={})

    migrate.upgrade(settings, engine)

    with engine.connect() as connection:
        steps = connection.execute(
            text(
                "SELECT subject_type, subject_id, action, from_status, to_status, article"
                " FROM workflow_step ORDER BY id"
            )
        ).all()
        assert steps[:3] == [
            ("annual_plan", 1, "create", "", "draft", "002 第八条"),
            ("annual_plan", 1, "submit", "draft", "submitted", "002 第八条"),
            ("annual_plan", 1, "approve", "submitted", "approved", "002 第八条"),
        ]
        assert [s[:3] for s in steps[3:]] == [
            ("catalog_release", 1, "create"),
            ("catalog_release", 1, "submit"),
            ("catalog_release", 1, "approve"),
        ]
        levels = connection.execute(
            text("SELECT username, approval_level FROM user_account ORDER BY id")
        ).all()
        assert levels == [("leader", "principal"), ("kz", "head"), ("officer", None)]
        borrowing = connection.execute(
            text(
                "SELECT b.slot, b.department_id, a.kind, a.approver_name, a.document_no, a.article"
                " FROM draw_borrowing b JOIN approval a ON a.id = b.approval_id"
            )
        ).all()
        assert borrowing == [("执法人员", 3, "borrow", "刘洋", "甲〔2026〕3号", "002 第十条第一款")]
        # Rebuilt tables keep their rows and their children (no cascade on the rebuild).
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("task", "draw", "draw_event", "annual_plan")
        ]
        assert counts == [1, 1, 1, 1]
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    engine.dispose()
