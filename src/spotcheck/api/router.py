"""JSON API: the OpenAPI document, the current user, working-day arithmetic."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from spotcheck.calendar import service as calendar_service
from spotcheck.web.security import Db, LoggedIn, PublicUser

router = APIRouter(prefix="/api")


class Me(BaseModel):
    """The logged-in user."""

    username: str
    full_name: str
    department: str
    roles: list[str]


class WorkdayAnswer(BaseModel):
    """The N-th working day after a date."""

    start: dt.date
    workdays: int
    result: dt.date


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, _principal: PublicUser) -> JSONResponse:
    """The API description (structure only, no data), for 数据对接 partners."""
    app = request.app
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    # Only the JSON API is documented; HTML pages are not an interface for machines.
    schema["paths"] = {p: v for p, v in schema.get("paths", {}).items() if p.startswith("/api/v1/")}
    return JSONResponse(schema)


@router.get("/v1/me", response_model=Me)
def me(principal: LoggedIn) -> Me:
    """Who is logged in."""
    user = principal.user
    return Me(
        username=user.username,
        full_name=user.full_name,
        department=user.department.name,
        roles=sorted(r.value for r in user.roles),
    )


@router.get("/v1/calendar/add-workdays", response_model=WorkdayAnswer)
def add_workdays(
    _principal: LoggedIn, db: Db, start: dt.date, n: int = Query(ge=1, le=400)
) -> WorkdayAnswer:
    """The n-th working day after start (start itself never counts)."""
    return WorkdayAnswer(
        start=start, workdays=n, result=calendar_service.add_workdays(db, start, n)
    )
