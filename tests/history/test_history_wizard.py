"""The 检查记录 import through the web wizard: preview, confirm, every error, idempotent, export."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.history.models import CheckRecord
from spotcheck.targets.models import Target
from tests.conftest import Org, csrf_of, login
from tests.history.conftest import check_row, count_checks, history_csv, history_xlsx


def _upload(client: TestClient, data: bytes, name: str = "检查记录.csv") -> object:
    token = csrf_of(client, "/imports/history")
    return client.post(
        "/imports/history",
        data={"csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
    )


def _confirm(client: TestClient, page: str) -> object:
    match = re.search(r'action="/imports/history/([0-9a-f]{32})/confirm"', page)
    assert match, "no confirm form on the page"
    return client.post(
        f"/imports/history/{match.group(1)}/confirm",
        data={"csrf_token": csrf_of(client, "/imports/history")},
    )


def test_it_previews_then_records_a_gb18030_csv_in_one_go(
    officer: TestClient, db: Session, org: Org
) -> None:
    rows = [check_row(i) for i in range(1, 6)]
    rows.append(check_row(6, department="CITY-B", 是否随机抽查="否", 是否发现问题="是"))
    rows.append(check_row(7, 是否随机抽查="", 是否已公示="", 备注=""))
    preview = _upload(officer, history_csv(rows, encoding="gb18030"))
    page = preview.text  # type: ignore[attr-defined]
    assert preview.status_code == 200, page  # type: ignore[attr-defined]
    assert "确认后将新增 7 条检查记录，0 行与已有记录相同" in page
    assert "1 行的检查部门不在您的管理范围内" in page  # CITY-B is 乙市局: allowed, flagged
    assert count_checks(db) == 0  # the preview writes nothing

    done = _confirm(officer, page)
    assert "导入完成：共 7 行，新增 7" in done.text  # type: ignore[attr-defined]
    checks = {c.target_key: c for c in db.scalars(select(CheckRecord))}
    assert len(checks) == 7
    other = checks[rows[5][0]]
    assert other.department_id == org.other.id
    assert (other.random, other.found_problem, other.published) == (False, True, True)
    defaulted = checks[rows[6][0]]
    assert (defaulted.random, defaulted.published, defaulted.note) == (True, True, "")
    first = checks[rows[0][0]]
    assert first.source == "import" and first.recorded_by == "OFFICER"
    assert first.completed_on == dt.date(2026, 3, 1) and first.item_code == "ZB-001"
    assert first.target_name == "淄博测试1有限公司" and first.task_id is None
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "history.import")).all()
    assert len(events) == 1  # one event for the whole file, not one per row
    assert events[0].after["created"] == 7 and len(events[0].after["sha256"]) == 64
    assert events[0].after["other_departments"] == 1
    assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "history.record")).all()


def test_it_reads_an_xlsx_with_real_dates_and_fills_names_from_the_registry(
    officer: TestClient, db: Session, org: Org
) -> None:
    row = check_row(1, 检查对象名称="", 检查完成日期=dt.date(2025, 12, 30))
    db.add(Target(department_id=org.own.id, key=row[0], name="名录里的名称", target_type="企业"))
    db.commit()
    preview = _upload(officer, history_xlsx([row, check_row(2)]), "记录.xlsx")
    assert preview.status_code == 200, preview.text  # type: ignore[attr-defined]
    assert "确认后将新增 2 条" in preview.text  # type: ignore[attr-defined]
    # Target 2 is in no registry of the user: imported, but the preview asks to check the code.
    assert "1 行的代码在您管理范围内的名录库中没有对应的检查对象" in preview.text  # type: ignore[attr-defined]
    _confirm(officer, preview.text)  # type: ignore[attr-defined]
    stored = db.scalars(select(CheckRecord).where(CheckRecord.target_key == row[0])).one()
    assert stored.completed_on == dt.date(2025, 12, 30)
    assert stored.target_name == "名录里的名称"
    detail = officer.get(f"/targets/{db.scalars(select(Target.id)).one()}")
    assert "2025-12-30" in detail.text and "甲市局" in detail.text


def test_it_names_the_row_and_column_of_a_bad_row_and_writes_nothing(
    officer: TestClient, db: Session
) -> None:
    later = (dt.date.today() + dt.timedelta(days=2)).isoformat()  # after today in Beijing too
    rows = [check_row(i) for i in range(1, 9)]
    rows[1][2] = "NO-SUCH-DEPT"  # row 3
    rows[2][4] = later  # row 4
    rows[3][6] = ""  # row 5: 是否发现问题 is required
    rows[4][0] = "9.13703E+17"  # row 6: a code Excel turned into a number
    rows[5][5] = "可能"  # row 7
    rows[6][4] = "1999-12-31"  # row 8: before any record the platform takes
    response = _upload(officer, history_csv(rows))
    page = response.text  # type: ignore[attr-defined]
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "发现 6 处错误" in page and "未导入任何数据" in page
    assert "<td>3</td><td>检查部门编码</td>" in page and "平台中没有这个部门编码" in page
    assert "<td>4</td><td>检查完成日期</td>" in page and "不能晚于今天" in page
    assert "<td>5</td><td>是否发现问题</td>" in page and "必填项" in page
    assert "<td>6</td><td>统一社会信用代码（或名录编码）</td>" in page
    assert "<td>7</td><td>是否随机抽查</td>" in page
    assert "<td>8</td><td>检查完成日期</td>" in page and "不能早于 2000-01-01" in page
    assert count_checks(db) == 0
    link = page.split('id="error-report" href="')[1].split('"')[0]
    sheet = load_workbook(io.BytesIO(officer.get(link).content)).active
    notes = {r[0].row: r[-1].value for r in sheet.iter_rows(min_row=2) if r[-1].value}
    assert set(notes) == {3, 4, 5, 6, 7, 8}
    assert "部门编码" in notes[3]  # a database rule is in the error file too


def test_it_refuses_duplicate_rows_naming_both(officer: TestClient, db: Session) -> None:
    rows = [check_row(1), check_row(2), check_row(1, 是否发现问题="是", 备注="另一次录入")]
    rows.append(check_row(1, 检查完成日期="2026-03-02"))  # another day: another check
    rows.append(check_row(1, 事项编码="ZB-002"))  # another item: another check
    rows.append(check_row(1, department="CITY-A-S1"))  # another department: another check
    response = _upload(officer, history_csv(rows))
    page = response.text  # type: ignore[attr-defined]
    assert response.status_code == 400, page  # type: ignore[attr-defined]
    assert "发现 1 处错误" in page
    assert "<td>4</td><td>统一社会信用代码（或名录编码）</td>" in page
    assert "与第 2 行重复" in page
    assert count_checks(db) == 0


def test_it_skips_checks_already_recorded_and_says_which_differ(
    officer: TestClient, db: Session
) -> None:
    rows = [check_row(i) for i in range(1, 5)]
    _confirm(officer, _upload(officer, history_csv(rows)).text)  # type: ignore[attr-defined]
    assert count_checks(db) == 4
    again = _upload(officer, history_csv(rows, encoding="gb18030"))
    assert "确认后将新增 0 条检查记录，4 行与已有记录相同" in again.text  # type: ignore[attr-defined]
    done = _confirm(officer, again.text)  # type: ignore[attr-defined]
    assert "新增 0，更新 0，未变 4" in done.text  # type: ignore[attr-defined]
    assert count_checks(db) == 4

    changed = [check_row(1, 是否发现问题="是"), check_row(9)]
    preview = _upload(officer, history_csv(changed))
    assert "确认后将新增 1 条检查记录，1 行与已有记录相同" in preview.text  # type: ignore[attr-defined]
    assert "已有记录保持不变" in preview.text  # type: ignore[attr-defined]
    _confirm(officer, preview.text)  # type: ignore[attr-defined]
    assert count_checks(db) == 5
    kept = db.scalars(select(CheckRecord).where(CheckRecord.target_key == rows[0][0])).one()
    assert kept.found_problem is False  # an import never edits a stored check


def test_it_exports_the_scope_and_reimports_the_export_unchanged(
    officer: TestClient, db: Session, org: Org
) -> None:
    mine, theirs, hidden, foreign = (
        check_row(1),
        check_row(2, department="CITY-B"),
        check_row(3, department="CITY-B", 是否已公示="否"),
        check_row(4, department="CITY-B"),
    )
    for row in (mine, theirs, hidden):
        db.add(Target(department_id=org.own.id, key=row[0], name=row[1], target_type="企业"))
    db.commit()
    rows = [mine, theirs, hidden, foreign]
    _confirm(officer, _upload(officer, history_csv(rows)).text)  # type: ignore[attr-defined]
    assert count_checks(db) == 4
    for fmt in ("csv", "xlsx"):
        exported = officer.get(f"/history/export.{fmt}")
        assert exported.status_code == 200
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(exported.content)).active
            keys = [r[0].value for r in sheet.iter_rows(min_row=2)]
            # Own department's checks, and other departments' published checks of own targets;
            # not another department's unpublished result, nor checks of targets elsewhere.
            assert sorted(keys) == sorted([mine[0], theirs[0]])
        preview = _upload(officer, exported.content, f"export.{fmt}")
        assert preview.status_code == 200, preview.text  # type: ignore[attr-defined]
        assert "确认后将新增 0 条检查记录，2 行与已有记录相同" in preview.text  # type: ignore[attr-defined]


def test_it_lets_only_registry_editors_import_and_links_the_wizard(
    client: TestClient, org: Org, make_user: Callable[..., object], db: Session
) -> None:
    make_user("inspector", org.own, Role.INSPECTOR)
    login(client, "inspector")
    assert client.get("/imports/history").status_code == 403
    make_user("officer", org.own, Role.OFFICER)
    login(client, "officer")
    assert 'href="/imports/history"' in client.get("/targets").text
    page = client.get("/imports/history")
    assert page.status_code == 200 and "002 第十二条第一款" in page.text
    template = client.get("/imports/history/template.xlsx")
    book = load_workbook(io.BytesIO(template.content))
    assert [c.value for c in book.active[1]][:3] == [
        "统一社会信用代码（或名录编码）",
        "检查对象名称",
        "检查部门编码",
    ]
    assert "填写说明" in book.sheetnames
