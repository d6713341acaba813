"""Admin pages for the calendar and the audit log, through the real app."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.calendar import service as calendar_service
from tests.conftest import Org, csrf_of, login, post_form


def test_it_edits_a_day_and_imports_a_year_on_the_calendar_page(
    client: TestClient, db: Session, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", org.root, Role.ADMIN)
    login(client, "boss")
    page = client.get("/admin/calendar?year=2026")
    assert page.status_code == 200 and "12 月" in page.text
    saved = post_form(
        client,
        "/admin/calendar/day",
        {"day": "2026-12-31", "is_workday": "0", "note": "临时放假"},
        "/admin/calendar",
    )
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert calendar_service.is_workday(db, dt.date(2026, 12, 31)) is False

    token = csrf_of(client, "/admin/calendar")
    bad = client.post(
        "/admin/calendar/import",
        data={"csrf_token": token},
        files={"file": ("2027.csv", b"2027-01-01,1,\n2027-01-02,x,\n", "text/csv")},
    )
    assert bad.status_code == 400
    assert "第 2 行 is_workday 列" in bad.text and "未导入任何数据" in bad.text
    wrong_type = client.post(
        "/admin/calendar/import",
        data={"csrf_token": token},
        files={"file": ("2027.xlsx", b"PK\x03\x04", "application/octet-stream")},
    )
    assert wrong_type.status_code == 400 and "只接受 .csv" in wrong_type.text
    lines = []
    day = dt.date(2027, 1, 1)
    while day.year == 2027:
        lines.append(f"{day},{int(day.weekday() < 5)},")
        day += dt.timedelta(days=1)
    good = client.post(
        "/admin/calendar/import",
        data={"csrf_token": token},
        files={"file": ("2027.csv", "\n".join(lines).encode("gb18030"), "text/csv")},
        follow_redirects=False,
    )
    assert good.status_code == 303 and "2027" in good.headers["location"]
    fragment = client.get("/admin/calendar/workdays", params={"start": "2026-12-25", "n": 5})
    assert "2027-01-04" in fragment.text


def test_it_lists_filters_and_verifies_the_audit_log(
    client: TestClient, db: Session, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", org.root, Role.ADMIN)
    login(client, "boss")
    page = client.get("/admin/audit", params={"action": "login.success"})
    assert page.status_code == 200 and 'title="login.success"' in page.text
    assert 'title="department.create"' not in page.text  # filtered out of the table
    assert "哈希链完整" in client.get("/admin/audit", params={"verify": 1}).text
    db.execute(text("UPDATE audit_event SET summary = 'x' WHERE seq = 2"))
    db.commit()
    broken = client.get("/admin/audit", params={"verify": 1}).text
    assert "哈希链校验失败：第 2 号事件" in broken


def test_it_shows_chinese_error_pages(client: TestClient, org: Org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", org.own, Role.ADMIN)
    login(client, "boss")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "页面不存在" in missing.text
    # A path that names nothing is not found, also when it does not parse (spotcheck.ids).
    unparsed = client.get("/admin/users/not-a-number")
    assert unparsed.status_code == 404 and "页面不存在" in unparsed.text
    bad = client.get("/admin/audit", params={"page": "第二页"})
    assert bad.status_code == 422 and "格式有误" in bad.text and "page：应为整数" in bad.text
