"""The 检查记录 import on the command line and through the JSON API."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role, User
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.config import Settings
from spotcheck.history.models import CheckRecord
from tests.conftest import Org, csrf_of, login
from tests.history.conftest import check_row, count_checks, history_csv, history_xlsx


@pytest.fixture
def run(
    settings: Settings, engine: object, org: Org, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Result]]:
    """`spotcheck …` in-process against the test database (the Org tree committed)."""
    from spotcheck.cli import app
    from spotcheck.config import get_settings

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    yield invoke
    get_settings.cache_clear()


def _bearer(db: Session, user: User) -> dict[str, str]:
    _token, plain = accounts_service.create_api_token(db, SYSTEM, user, "数据对接")
    db.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_it_imports_from_the_cli_all_or_nothing(
    run: Callable[..., Result], db: Session, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    rows = [check_row(i) for i in range(1, 4)]
    rows[2][2] = "NOPE"
    bad.write_bytes(history_csv(rows, encoding="gb18030"))
    refused = run("import", "history", str(bad))
    assert refused.exit_code == 1
    assert "第 4 行【检查部门编码】“NOPE”：平台中没有这个部门编码" in refused.output
    assert count_checks(db) == 0

    good = tmp_path / "good.xlsx"
    good.write_bytes(history_xlsx([check_row(i) for i in range(1, 4)]))
    checked = run("import", "history", str(good), "--dry-run")
    assert checked.exit_code == 0 and "检查通过（未写入）" in checked.output
    assert count_checks(db) == 0
    done = run("import", "history", str(good), "--department", "CITY-A")
    assert done.exit_code == 0 and "新增 3，更新 0，未变 0" in done.output, done.output
    assert count_checks(db) == 3
    assert {c.recorded_by for c in db.scalars(select(CheckRecord))} == {"系统"}
    again = run("import", "history", str(good))
    assert again.exit_code == 0 and "新增 0，更新 0，未变 3" in again.output
    assert count_checks(db) == 3
    # Targets still need their department on the command line.
    assert run("import", "targets", str(good)).exit_code == 1


def test_it_exports_and_writes_the_template_from_the_cli(
    run: Callable[..., Result], db: Session, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(history_csv([check_row(1), check_row(2, department="CITY-A-S1")]))
    assert run("import", "history", str(source)).exit_code == 0
    out = tmp_path / "out.xlsx"
    exported = run("export", "history", str(out), "--department", "CITY-A")
    assert exported.exit_code == 0 and "已导出 2 行" in exported.output
    assert run("export", "history", str(out), "--department", "CITY-B").output.startswith(
        "已导出 0 行"
    )
    run("export", "history", str(out), "--department", "CITY-A")
    again = run("import", "history", str(out))
    assert "新增 0，更新 0，未变 2" in again.output, again.output
    template = tmp_path / "t.xlsx"
    assert run("template", "history", str(template)).exit_code == 0
    assert load_workbook(template).active["C1"].value == "检查部门编码"


def test_it_imports_through_the_api_with_the_same_rules(
    client: TestClient, org: Org, make_user: Callable[..., User], db: Session
) -> None:
    headers = _bearer(db, make_user("coord", org.own, Role.COORDINATOR))
    rows = [check_row(1), check_row(1)]
    refused = client.post(
        "/api/v1/imports/history",
        headers=headers,
        files={"file": ("h.csv", history_csv(rows), "text/csv")},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["row"] == 3
    assert "与第 2 行重复" in refused.json()["errors"][0]["rule"]
    assert count_checks(db) == 0
    done = client.post(
        "/api/v1/imports/history",
        headers=headers,
        files={"file": ("h.csv", history_csv([check_row(1), check_row(2, "CITY-B")]), "text/csv")},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["created"] == 2 and body["ok"] is True
    assert any("不在您的管理范围内" in w for w in body["warnings"])
    assert count_checks(db) == 2
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "history.import")).one()
    assert "导入检查记录 h.csv" in event.summary


def test_it_refuses_the_api_import_to_an_inspector(
    client: TestClient, org: Org, make_user: Callable[..., User], db: Session
) -> None:
    headers = _bearer(db, make_user("insp", org.own, Role.INSPECTOR))
    response = client.post(
        "/api/v1/imports/history",
        headers=headers,
        files={"file": ("h.csv", history_csv([check_row(1)]), "text/csv")},
    )
    assert response.status_code == 403
    assert count_checks(db) == 0


def test_it_shows_the_audit_label_and_exports_for_the_admin(
    client: TestClient, org: Org, make_user: Callable[..., User], db: Session
) -> None:
    make_user("admin", org.root, Role.ADMIN)
    login(client, "admin")
    preview = client.post(
        "/imports/history",
        data={"csrf_token": csrf_of(client, "/imports/history")},
        files={"file": ("h.xlsx", history_xlsx([check_row(1)]), "application/octet-stream")},
    )
    token = preview.text.split('action="/imports/history/')[1].split("/confirm")[0]
    client.post(
        f"/imports/history/{token}/confirm",
        data={"csrf_token": csrf_of(client, "/imports/history")},
    )
    page = client.get("/admin/audit")
    assert page.status_code == 200 and "导入检查记录" in page.text
    sheet = load_workbook(io.BytesIO(client.get("/history/export.xlsx").content)).active
    assert sheet.max_row == 2 and sheet["A2"].value == check_row(1)[0]
