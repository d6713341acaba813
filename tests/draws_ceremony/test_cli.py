"""`spotcheck ceremony …` end to end on the demo data; exported records pass `spotcheck verify`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.config import Settings
from spotcheck.draws.models import Draw
from spotcheck.plans import service as plans_service
from tests.draws_ceremony.conftest import audit_actions, department

Run = Callable[..., Result]


@pytest.fixture
def run(settings: Settings, engine: object, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`spotcheck …` in-process against the test database."""
    from spotcheck.cli import app
    from spotcheck.config import get_settings

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        return result

    yield invoke  # type: ignore[misc]
    get_settings.cache_clear()


def test_it_runs_a_ceremony_on_the_command_line_and_the_record_verifies(
    run: Run, demo: Session, tmp_path: Path
) -> None:
    db = demo
    plan = plans_service.current(db, department(db, "370300-GXJ"), 2026)
    assert plan is not None
    task = str(plan.tasks[0].id)
    db.commit()
    made = run(
        "ceremony", "prepare", task, "--user", "officer", "--no-drand", "--dice", "4", "--commit"
    )
    assert made.exit_code == 0, made.output
    assert "已承诺" in made.output and "清单摘要" in made.output
    added = run(
        "ceremony",
        "witness-add",
        task,
        "--user",
        "officer",
        "--name",
        "王监督",
        "--kind",
        "综合法规科",
    )
    assert added.exit_code == 0, added.output
    witness = added.output.split("#")[1].split(" ")[0]
    bad = run("ceremony", "dice", task, "--user", "officer", "--witness", witness, "--digits", "9x")
    assert bad.exit_code == 1 and "0–9" in bad.output
    rolled = run(
        "ceremony", "dice", task, "--user", "officer", "--witness", witness, "--digits", "3141"
    )
    assert rolled.exit_code == 0, rolled.output
    done = run("ceremony", "compute", task, "--user", "officer")
    assert done.exit_code == 0 and "已抽取" in done.output, done.output
    table = run("ceremony", "schedule", task, "--user", "officer")
    assert table.exit_code == 0 and "【组长】" in table.output
    # The auditor's copy (every opening) is for leaders and administrators, not the officer.
    refused = run(
        "ceremony",
        "export-record",
        task,
        "--user",
        "officer",
        "--out",
        str(tmp_path / "x.json"),
        "--auditor",
    )
    assert refused.exit_code == 1 and not (tmp_path / "x.json").exists()
    for user, flag, name in (
        ("officer", [], "public.json"),
        ("leader", ["--auditor"], "auditor.json"),
    ):
        out = tmp_path / name
        assert (
            run(
                "ceremony", "export-record", task, "--user", user, "--out", str(out), *flag
            ).exit_code
            == 0
        )
        checked = run("verify", str(out))
        assert checked.exit_code == 0, checked.output
    again = run("ceremony", "compute", task, "--user", "officer")
    assert again.exit_code == 1 and "已抽取" in again.output
    db.expire_all()
    draw = db.scalar(select(Draw).where(Draw.task_id == int(task)))
    assert draw is not None
    actions = audit_actions(db, draw)
    assert actions[-1] == "draw.refused"  # committed despite the refusal
    assert "draw.auditor_record" in actions
