"""`spotcheck rulebook …` on the test database: validate names lines, changes are audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from spotcheck.audit.models import AuditEvent
from spotcheck.config import Settings
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.models import CustomProfile
from tests.conftest import Org
from tests.rulebooks.conftest import BREAKAGES, line_of

ZIBO = rulebooks_service.builtin_text("zibo-gxj")


@pytest.fixture
def run(settings: Settings, engine: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Invoke the real CLI app against the test database."""
    from spotcheck.cli import app
    from spotcheck.config import get_settings

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["rulebook", *args], terminal_width=200)

    yield invoke
    get_settings.cache_clear()


def test_it_validates_files_naming_the_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "zibo.toml"
    good.write_text(ZIBO, encoding="utf-8")
    result = run("validate", str(good))
    assert result.exit_code == 0 and "校验通过" in result.output
    for what, breaks, needle, words in BREAKAGES:
        bad = tmp_path / "bad.toml"
        broken = breaks(ZIBO)
        bad.write_text(broken, encoding="utf-8")
        result = run("validate", str(bad))
        assert result.exit_code == 1, what
        assert f"第 {line_of(broken, needle)} 行" in result.output, what
        assert words in result.output, what


def test_it_lists_and_shows_profiles_with_their_articles(run) -> None:  # type: ignore[no-untyped-def]
    listed = run("list")
    assert listed.exit_code == 0
    for code in rulebooks_service.BUILTIN_CODES:
        assert code in listed.output
    shown = run("show", "zibo-gxj")
    assert shown.exit_code == 0
    assert "已于 2025-06-06 失效" in shown.output
    assert "〔依据 002 第十二条第一款〕" in shown.output
    assert "【抽查分层】" in shown.output
    missing = run("show", "nope")
    assert missing.exit_code == 1 and "未找到" in missing.output


def test_it_copies_diffs_exports_imports_and_adopts(
    run, tmp_path: Path, db: Session, org: Org
) -> None:  # type: ignore[no-untyped-def]
    assert run("copy", "luan-daj", "luan-2026").exit_code == 0
    assert "完全相同" in run("diff", "luan-2026").output
    out = tmp_path / "luan.toml"
    assert run("export", "luan-2026", "-o", str(out)).exit_code == 0
    out.write_text(out.read_text(encoding="utf-8").replace("years = 1", "years = 2"), "utf-8")
    imported = run("import", str(out))
    assert imported.exit_code == 0 and "已替换" in imported.output
    diff = run("diff", "luan-2026")
    assert "检查间隔 › 年数" in diff.output and "exclusions.cooldown.years" in diff.output
    # A new copy from a file: a fresh code, based on a built-in profile.
    fresh = tmp_path / "fresh.toml"
    fresh.write_text(out.read_text(encoding="utf-8").replace('"luan-2026"', '"luan-b"'), "utf-8")
    assert "已新建" in run("import", str(fresh)).output
    broken = tmp_path / "broken.toml"
    broken.write_text(out.read_text(encoding="utf-8").replace("years = 2", "years = 0"), "utf-8")
    refused = run("import", str(broken))
    assert refused.exit_code == 1 and "不能小于 1" in refused.output
    builtin = tmp_path / "builtin.toml"
    builtin.write_text(ZIBO, encoding="utf-8")
    assert "内置配置" in run("import", str(builtin)).output
    adopted = run("adopt", "CITY-A", "luan-2026")
    assert adopted.exit_code == 0 and "甲市局" in adopted.output
    assert run("adopt", "NOPE", "luan-2026").exit_code == 1
    db.expire_all()
    assert rulebooks_service.profile_for(db, org.child).exclusions.cooldown.years == 2  # type: ignore[union-attr]
    assert db.scalars(select(CustomProfile.code).order_by(CustomProfile.code)).all() == [
        "luan-2026",
        "luan-b",
    ]
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("rulebook.%"))
    ).all()
    assert sorted(actions) == sorted(
        ["rulebook.copy", "rulebook.update", "rulebook.copy", "rulebook.update", "rulebook.adopt"]
    )
