"""The import wizard: every error at once, nothing half-written, idempotent, round trips."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.targets.models import Target, TargetHistory
from tests.conftest import Org, csrf_of
from tests.registries.conftest import target_row, targets_csv


def _upload(
    client: TestClient,
    data: bytes,
    name: str,
    department_id: int,
    kind: str = "targets",
    **form: str,
) -> object:
    token = csrf_of(client, f"/imports/{kind}")
    return client.post(
        f"/imports/{kind}",
        data={"csrf_token": token, "department_id": str(department_id), **form},
        files={"file": (name, data, "text/csv")},
    )


def _token(page: str, kind: str = "targets") -> str:
    match = re.search(rf'action="/imports/{kind}/([0-9a-f]{{32}})/confirm"', page)
    assert match, "no confirm form on the page"
    return match.group(1)


def _confirm(client: TestClient, page: str, kind: str = "targets") -> object:
    token = _token(page, kind)
    return client.post(
        f"/imports/{kind}/{token}/confirm", data={"csrf_token": csrf_of(client, f"/imports/{kind}")}
    )


def _count(db: Session) -> int:
    return db.execute(select(func.count(Target.id))).scalar_one()


def test_it_lists_every_error_and_writes_nothing(editor: TestClient, db: Session, org: Org) -> None:
    rows = [target_row(i) for i in range(1, 6)]
    rows[1][0] = rows[1][0][:-1] + ("0" if rows[1][0][-1] != "0" else "1")  # wrong check character
    rows[3][2] = "公司"  # not a target type
    rows[4][0] = "9.13703E+17"  # a credit code Excel turned into a number
    response = _upload(editor, targets_csv(rows), "对象.csv", org.own.id)
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = response.text  # type: ignore[attr-defined]
    assert "发现 3 处错误" in page and "未导入任何数据" in page
    assert "<td>3</td><td>统一社会信用代码</td>" in page  # row numbers as in the file (header = 1)
    assert "<td>5</td><td>对象类型</td>" in page
    assert "<td>6</td><td>统一社会信用代码</td>" in page and "数字" in page
    assert _count(db) == 0
    link = page.split('id="error-report" href="')[1].split('"')[0]
    report = editor.get(link)
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).active
    header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert header[-1] == "错误说明"
    notes = {row[0].row: row[-1].value for row in sheet.iter_rows(min_row=2) if row[-1].value}
    assert set(notes) == {3, 5, 6} and "校验" in notes[3]


def test_it_previews_then_imports_in_one_go_and_twice_changes_nothing(
    editor: TestClient, db: Session, org: Org
) -> None:
    data = targets_csv([target_row(i) for i in range(1, 21)], encoding="gb18030")
    preview = _upload(editor, data, "对象.csv", org.own.id)
    assert preview.status_code == 200 and "确认后将新增 20" in preview.text  # type: ignore[attr-defined]
    assert _count(db) == 0  # the preview writes nothing
    done = _confirm(editor, preview.text)  # type: ignore[attr-defined]
    assert "导入完成：共 20 行，新增 20" in done.text  # type: ignore[attr-defined]
    assert _count(db) == 20
    again = _confirm(editor, _upload(editor, data, "对象.csv", org.own.id).text)  # type: ignore[attr-defined]
    assert "新增 0，更新 0，未变 20" in again.text  # type: ignore[attr-defined]
    assert db.execute(select(func.count(TargetHistory.id))).scalar_one() == 0


def test_it_keeps_history_of_every_change_made_by_an_import(
    editor: TestClient, db: Session, org: Org
) -> None:
    _confirm(
        editor,
        _upload(editor, targets_csv([target_row(1), target_row(2)]), "a.csv", org.own.id).text,
    )  # type: ignore[attr-defined]
    changed = targets_csv([target_row(1, 信用风险等级="D", 登记状态="吊销"), target_row(2)])
    preview = _upload(editor, changed, "b.csv", org.own.id)
    assert "更新 1" in preview.text  # type: ignore[attr-defined]
    _confirm(editor, preview.text)  # type: ignore[attr-defined]
    history = db.execute(select(TargetHistory)).scalars().all()
    assert len(history) == 1
    assert history[0].changes == {"risk_class": ["B", "D"], "status": ["存续", "吊销"]}
    assert "b.csv" in history[0].source


def test_it_round_trips_an_export(editor: TestClient, db: Session, org: Org) -> None:
    rows = [target_row(i, 标签="危险化学品") for i in range(1, 8)]
    rows[2][1] = '=HYPERLINK("http://x")公司'  # a formula must not survive as a formula
    _confirm(editor, _upload(editor, targets_csv(rows), "a.csv", org.own.id).text)  # type: ignore[attr-defined]
    for fmt in ("csv", "xlsx"):
        exported = editor.get(f"/targets/export.{fmt}")
        assert exported.status_code == 200
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(exported.content)).active
            codes = [r[0].value for r in sheet.iter_rows(min_row=2)]
            assert all(isinstance(c, str) and len(c) == 18 for c in codes)
            names = [r[1].value for r in sheet.iter_rows(min_row=2)]
            assert any(n.startswith("'=") for n in names)
        preview = _upload(editor, exported.content, f"export.{fmt}", org.own.id)
        assert preview.status_code == 200, preview.text  # type: ignore[attr-defined]
        assert "确认后将新增 0，更新 0，7 行与现有记录相同" in preview.text  # type: ignore[attr-defined]


def test_it_files_imported_targets_into_a_sub_registry(
    editor: TestClient, db: Session, org: Org
) -> None:
    made = editor.post(
        "/targets/registries",
        data={
            "csrf_token": csrf_of(editor, "/targets/registries"),
            "name": "危化品分库",
            "tag": "危险化学品",
            "department_id": str(org.own.id),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    preview = _upload(
        editor, targets_csv([target_row(1)]), "a.csv", org.own.id, registry="危化品分库"
    )
    _confirm(editor, preview.text)  # type: ignore[attr-defined]
    target = db.execute(select(Target)).scalar_one()
    assert target.tag_list == ["危险化学品"]
    assert "淄博测试1" in editor.get("/targets", params={"tag": "危险化学品"}).text


def test_it_refuses_wrong_files_and_other_peoples_uploads(
    editor: TestClient, app, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    bad = _upload(editor, b"\x00\x01binary", "evil.exe", org.own.id)
    assert bad.status_code == 400 and "文件无法读取" in bad.text  # type: ignore[attr-defined]
    preview = _upload(editor, targets_csv([target_row(1)]), "a.csv", org.own.id)
    token = _token(preview.text)  # type: ignore[attr-defined]
    from spotcheck.accounts.models import Role
    from tests.conftest import login

    make_user("colleague", org.own, Role.OFFICER)
    with TestClient(app) as other:
        login(other, "colleague")
        stolen = other.post(
            f"/imports/targets/{token}/confirm",
            data={"csrf_token": csrf_of(other, "/imports/targets")},
        )
        assert stolen.status_code == 404
    outside = _upload(editor, targets_csv([target_row(1)]), "a.csv", org.other.id)
    assert outside.status_code == 404  # type: ignore[attr-defined]
