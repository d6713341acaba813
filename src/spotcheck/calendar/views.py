"""The administrator's calendar pages: a year at a glance, day edits, CSV import, a calculator."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from spotcheck import clock
from spotcheck.calendar import access
from spotcheck.calendar import service as calendar_service
from spotcheck.deadlines import service as deadlines_service
from spotcheck.errors import DomainError
from spotcheck.web.security import Db, LoggedIn, Principal, roles, shared_setting
from spotcheck.web.templating import render

router = APIRouter(prefix="/admin/calendar")
Reader = Annotated[Principal, Depends(roles(*access.READ))]
# The calendar is every department's: only the top department's administrators change it.
Manager = Annotated[Principal, Depends(shared_setting(*access.MANAGE))]
MAX_UPLOAD_BYTES = 1024 * 1024  # a year is ~10 KB; anything near 1 MB is not a calendar


def _year_grid(db: Db, year: int) -> list[dict[str, object]]:
    months = []
    for month in range(1, 13):
        rows = {row.day: row for row in calendar_service.month_days(db, year, month)}
        weeks = []
        for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([(d, rows.get(d)) if d.month == month else (None, None) for d in week])
        months.append({"month": month, "weeks": weeks, "known": bool(rows)})
    return months


@router.get("", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    principal: Reader,
    db: Db,
    year: int = 0,
    start: str = "",
    n: int = 0,
    message: str = "",
) -> HTMLResponse:
    """A year of working days, the import form and a working-day calculator."""
    today = clock.today()
    year = year or today.year
    answer: str | None = None
    error = ""
    if start and n:
        try:
            result = calendar_service.add_workdays(db, dt.date.fromisoformat(start), n)
            answer = f"{start} 之后第 {n} 个工作日是 {result.isoformat()}（{calendar_service.weekday_zh(result)}）"
        except ValueError:
            error = "日期格式应为 YYYY-MM-DD"
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "admin/calendar.html",
        year=year,
        months=_year_grid(db, year),
        years=calendar_service.year_counts(db),
        today=today,
        start=start,
        n=n or 10,
        answer=answer,
        error=error,
        message=message,
        import_errors=[],
        can_change=principal.may_change_shared(*access.MANAGE),
    )


@router.post("/day")
def calendar_set_day(
    principal: Manager,
    db: Db,
    day: Annotated[dt.date, Form()],
    is_workday: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Mark one known day as a working day or a rest day (any other value is refused)."""
    flag = calendar_service.workday_flag(is_workday)
    calendar_service.set_day(db, principal.actor, day, flag, note)
    db.commit()
    return RedirectResponse(
        f"/admin/calendar?year={day.year}&message=已保存 {day.isoformat()}", status_code=303
    )


@router.post("/import", response_class=HTMLResponse)
async def calendar_import(
    request: Request, principal: Manager, db: Db, file: Annotated[UploadFile, File()]
) -> Response:
    """Import a CSV of date,is_workday,note; all or nothing, every error listed."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    name = (file.filename or "").lower()
    errors: list[str] = []
    if len(data) > MAX_UPLOAD_BYTES:
        errors = ["文件超过 1 MB，不是日历文件"]
    elif not name.endswith(".csv"):
        errors = ["只接受 .csv 文件（列：日期,是否工作日,备注）"]
    else:
        try:
            rows = calendar_service.parse_calendar_csv(data)
            added, updated, resolved = deadlines_service.import_calendar(db, principal.actor, rows)
            db.commit()
            return RedirectResponse(
                f"/admin/calendar?year={rows[0][0].year}&message=导入成功：新增 {added} 天，修改 {updated} 天"
                + (f"；{resolved} 个待定的截止日期已确定" if resolved else ""),
                status_code=303,
            )
        except calendar_service.CalendarImportError as exc:
            db.rollback()
            errors = [exc.message, *(str(e) for e in exc.errors)]
        except DomainError as exc:
            db.rollback()
            errors = [exc.message]
    today = clock.today()
    return render(
        request,
        "admin/calendar.html",
        status_code=400,
        year=today.year,
        months=_year_grid(db, today.year),
        years=calendar_service.year_counts(db),
        today=today,
        start="",
        n=10,
        answer=None,
        error="",
        message="",
        import_errors=errors,
        can_change=True,
    )


@router.get("/workdays", response_class=HTMLResponse)
def workdays_fragment(_principal: LoggedIn, db: Db, start: dt.date, n: int) -> HTMLResponse:
    """An htmx fragment answering the calculator without a page load."""
    try:
        result = calendar_service.add_workdays(db, start, n)
        text = f"{start.isoformat()} 之后第 {n} 个工作日是 {result.isoformat()}（{calendar_service.weekday_zh(result)}）"
        return HTMLResponse(f'<p class="ok">{escape(text)}</p>')
    except DomainError as exc:
        return HTMLResponse(f'<p class="error">{escape(exc.message)}</p>')
