"""The command line as an operator uses it, in real subprocesses on a throwaway database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spotcheck.config import Settings

CLI = str(Path(sys.executable).with_name("spotcheck"))


def _run(*args: str, url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, check=check)


def test_it_builds_a_working_copy_anywhere(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgraded = _run("db", "upgrade", url=url)
    assert "最新版本（0" in upgraded.stdout and "8401 天" in upgraded.stdout
    loaded = _run("demo", "load", url=url)
    assert "coordinator" in loaded.stdout and "Demo#2026zb" in loaded.stdout
    again = _run("demo", "load", url=url)
    assert "跳过演示数据" in again.stdout
    assert "完整" in _run("audit", "verify", url=url).stdout
    # A second upgrade is a no-op and seeds nothing twice.
    assert "载入" not in _run("db", "upgrade", url=url).stdout


def test_it_creates_users_from_the_cli(
    settings: Settings, engine: object, org, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from spotcheck.cli import app
    from spotcheck.config import get_settings

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "user",
            "create",
            "dave",
            "--name",
            "大卫",
            "--department",
            "CITY-A",
            "--role",
            "inspector",
            "--password",
            "Davy#Pass2026x",
        ],
    )
    assert made.exit_code == 0, made.output
    assert "已创建用户 dave" in made.output
    bad_role = runner.invoke(
        app,
        [
            "user",
            "create",
            "erin",
            "--name",
            "E",
            "--department",
            "CITY-A",
            "--role",
            "boss",
            "--password",
            "Erin#Pass2026x",
        ],
    )
    assert bad_role.exit_code == 1 and "未知角色" in bad_role.output
    bad_dept = runner.invoke(
        app,
        [
            "user",
            "create",
            "erin",
            "--name",
            "E",
            "--department",
            "NOPE",
            "--role",
            "officer",
            "--password",
            "Erin#Pass2026x",
        ],
    )
    assert bad_dept.exit_code == 1 and "NOPE" in bad_dept.output
    get_settings.cache_clear()


def test_it_refuses_to_start_with_a_default_key_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'y.db'}",
        "SPOTCHECK_ENV": "production",
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run([CLI, "db", "upgrade"], env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "SECRET_KEY" in result.stderr


def test_it_exports_and_reimports_from_the_cli_without_changes(
    settings: Settings,
    engine: object,
    org,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from spotcheck.cli import app
    from spotcheck.config import get_settings
    from tests.registries.conftest import target_row, targets_csv

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    source = tmp_path / "in.csv"
    source.write_bytes(targets_csv([target_row(i) for i in range(1, 6)], encoding="gb18030"))
    first = runner.invoke(app, ["import", "targets", str(source), "--department", "CITY-A"])
    assert first.exit_code == 0 and "新增 5" in first.output, first.output
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"out.{suffix}"
        exported = runner.invoke(app, ["export", "targets", str(out), "--department", "CITY-A"])
        assert exported.exit_code == 0 and "已导出 5 行" in exported.output
        again = runner.invoke(app, ["import", "targets", str(out), "--department", "CITY-A"])
        assert again.exit_code == 0 and "新增 0，更新 0，未变 5" in again.output, again.output
    get_settings.cache_clear()
