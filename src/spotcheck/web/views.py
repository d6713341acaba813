"""Home page and health check."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from spotcheck import clock
from spotcheck.accounts import login as accounts_login
from spotcheck.accounts import service as accounts_service
from spotcheck.audit import service as audit_service
from spotcheck.calendar import service as calendar_service
from spotcheck.catalog import service as catalog_service
from spotcheck.errors import DomainError
from spotcheck.inspectors import service as inspectors_service
from spotcheck.targets import search as targets_search
from spotcheck.web.security import Db, LoggedIn, PublicUser
from spotcheck.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: LoggedIn, db: Db) -> HTMLResponse:
    """The user's department, real counts of what they can see, and today's calendar."""
    today = clock.today()
    try:
        workday = calendar_service.is_workday(db, today)
        next_10 = calendar_service.add_workdays(db, today, 10)
        calendar_note: str | None = None
    except DomainError as exc:
        workday, next_10, calendar_note = None, None, exc.message
    _events, events_total = audit_service.list_events(
        db, department_ids=principal.scope, per_page=1
    )
    recent, _ = audit_service.list_events(
        db,
        department_ids=principal.scope,
        per_page=8,
        date_from=today - dt.timedelta(days=30),
    )
    return render(
        request,
        "home.html",
        department=principal.user.department,
        failures=accounts_login.failures_before_login(db, principal.user),
        department_count=len(principal.scope),
        user_count=accounts_service.count(db, principal.scope),
        events_total=events_total,
        target_count=targets_search.count(db, principal.scope),
        inspector_count=inspectors_service.count(db, principal.scope),
        item_counts=catalog_service.count(db, principal.scope),
        recent=recent,
        today=today,
        weekday=calendar_service.weekday_zh(today),
        workday=workday,
        next_10=next_10,
        calendar_note=calendar_note,
        known_years=calendar_service.known_years(db),
    )


@router.get("/healthz")
def healthz(_principal: PublicUser, db: Db) -> JSONResponse:
    """Liveness and database reachability, for load balancers."""
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
