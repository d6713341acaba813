"""Settings every department shares (the working-day calendar, the rulebook profiles and the
channels they name) are changed only by administrators of the top department, the root of the
tree; a lower administrator (张店区 in the demo) sees them without the edit controls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role, User
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.calendar import service as calendar_service
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import DepartmentLevel
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.web.security import route_table
from tests.conftest import Org, csrf_of, login, post_form

NEW_YEAR_EVE = dt.date(2026, 12, 31)  # a Thursday: a working day in the seeded calendar


def _year_2027() -> bytes:
    lines = []
    day = dt.date(2027, 1, 1)
    while day.year == 2027:
        lines.append(f"{day},{int(day.weekday() < 5)},")
        day += dt.timedelta(days=1)
    return "\n".join(lines).encode()


def test_a_lower_administrator_sees_the_calendar_but_cannot_change_it(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    make_user("district", org.own, Role.ADMIN)
    login(client, "district")
    page = client.get("/admin/calendar?year=2026")
    assert page.status_code == 200 and "12 月" in page.text
    assert 'action="/admin/calendar/day"' not in page.text
    assert 'action="/admin/calendar/import"' not in page.text
    assert "由顶级部门的系统管理员维护" in page.text

    refused = post_form(
        client, "/admin/calendar/day", {"day": NEW_YEAR_EVE, "is_workday": "0"}, "/admin/calendar"
    )
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "仅限顶级部门（省厅）的系统管理员" in refused.text  # type: ignore[attr-defined]
    imported = client.post(
        "/admin/calendar/import",
        data={"csrf_token": csrf_of(client, "/admin/calendar")},
        files={"file": ("2027.csv", _year_2027(), "text/csv")},
    )
    assert imported.status_code == 403
    db.expire_all()
    assert calendar_service.is_workday(db, NEW_YEAR_EVE) is True
    assert 2027 not in calendar_service.known_years(db)


def test_the_top_departments_administrators_change_it_and_a_bad_flag_is_refused(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    # A 科室 of the top department acts for it (as it does for scope).
    office = departments_service.create(
        db, SYSTEM, code="ROOT-BGS", name="办公室", level=DepartmentLevel.SECTION, parent=org.root
    )
    db.commit()
    make_user("boss", office, Role.ADMIN)
    login(client, "boss")
    page = client.get("/admin/calendar?year=2026").text
    assert 'action="/admin/calendar/day"' in page and 'action="/admin/calendar/import"' in page
    for value in ("x", "", "2", "yes please"):
        bad = post_form(
            client,
            "/admin/calendar/day",
            {"day": NEW_YEAR_EVE, "is_workday": value},
            "/admin/calendar",
        )
        assert bad.status_code == 400, value  # type: ignore[attr-defined]
        assert "“类型（is_workday）”只能是 1（工作日）或 0（休息日）" in bad.text  # type: ignore[attr-defined]
    db.expire_all()
    assert calendar_service.is_workday(db, NEW_YEAR_EVE) is True
    assert "calendar.update_day" not in db.scalars(select(AuditEvent.action)).all()
    saved = post_form(
        client, "/admin/calendar/day", {"day": NEW_YEAR_EVE, "is_workday": "0"}, "/admin/calendar"
    )
    assert saved.status_code == 303  # type: ignore[attr-defined]
    db.expire_all()
    assert calendar_service.is_workday(db, NEW_YEAR_EVE) is False


def test_a_lower_administrator_adopts_profiles_but_cannot_copy_or_edit_them(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    rulebooks_service.copy(db, SYSTEM, "zibo-gxj", "zibo-2026")
    db.commit()
    text_before = rulebooks_service.get_text(db, "zibo-2026")
    make_user("district", org.own, Role.ADMIN)
    login(client, "district")
    detail = client.get("/rulebooks/zibo-2026").text
    assert 'id="copy-form"' not in detail and "/rulebooks/zibo-2026/edit" not in detail
    assert 'id="adopt-form"' in detail and "由顶级部门的系统管理员进行" in detail
    assert client.get("/rulebooks/zibo-2026/edit").status_code == 403
    for path, data in (
        ("/rulebooks/zibo-gxj/copy", {"new_code": "mine"}),
        ("/rulebooks/zibo-2026/edit", {"text": text_before.replace("淄博", "张店")}),
    ):
        response = post_form(client, path, data, "/rulebooks")
        assert response.status_code == 403, path  # type: ignore[attr-defined]
        assert "仅限顶级部门" in response.text  # type: ignore[attr-defined]
    adopted = post_form(
        client, "/rulebooks/zibo-2026/adopt", {"department_id": org.own.id}, "/rulebooks"
    )
    assert adopted.status_code == 303  # type: ignore[attr-defined]
    db.expire_all()
    assert rulebooks_service.get_text(db, "zibo-2026") == text_before
    assert rulebooks_service.profile_for(db, org.child).code == "zibo-2026"
    assert [c for c in rulebooks_service.get_all(db) if c.code == "mine"] == []


def test_the_top_administrator_copies_and_edits_profiles(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    make_user("boss", org.root, Role.ADMIN)
    login(client, "boss")
    assert 'id="copy-form"' in client.get("/rulebooks/zibo-gxj").text
    copied = post_form(client, "/rulebooks/zibo-gxj/copy", {"new_code": "zibo-2026"}, "/rulebooks")
    assert copied.status_code == 303  # type: ignore[attr-defined]
    assert client.get("/rulebooks/zibo-2026/edit").status_code == 200


def test_every_route_that_changes_a_shared_setting_asks_for_the_top_department(
    app: FastAPI,
) -> None:
    shared = {
        "POST /admin/calendar/day",
        "POST /admin/calendar/import",
        "POST /rulebooks/{code}/copy",
        "GET /rulebooks/{code}/edit",
        "POST /rulebooks/{code}/edit",
    }
    rules = {
        f"{method} {info.path}": info.rule
        for info in route_table(app)
        for method in info.methods
        if info.kind == "api"
    }
    assert {route: rules[route] for route in shared} == dict.fromkeys(
        shared, "角色：系统管理员（顶级部门）"
    )
    # Writing routes of the calendar and the profiles other than these are only the adoption.
    writers = {
        route
        for route, rule in rules.items()
        if route.split()[0] not in ("GET", "HEAD")
        and route.split()[1].startswith(("/admin/calendar", "/rulebooks", "/api/v1/rulebooks"))
    }
    assert writers - shared == {"POST /rulebooks/{code}/adopt", "POST /api/v1/rulebooks/validate"}
