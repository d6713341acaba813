"""JSON API: the OpenAPI document, the current user, working-day arithmetic."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from spotcheck.api.document import api_document
from spotcheck.calendar import service as calendar_service
from spotcheck.web import problems
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
    return JSONResponse(api_document(request.app))


@router.get("/v1/me", response_model=Me, responses=problems.API_ERRORS)
def me(principal: LoggedIn) -> Me:
    """Who is logged in."""
    user = principal.user
    return Me(
        username=user.username,
        full_name=user.full_name,
        department=user.department.name,
        roles=sorted(r.value for r in user.roles),
    )


@router.get(
    "/v1/calendar/add-workdays", response_model=WorkdayAnswer, responses=problems.API_ERRORS
)
def add_workdays(
    _principal: LoggedIn, db: Db, start: dt.date, n: int = Query(ge=1, le=400)
) -> WorkdayAnswer:
    """The n-th working day after start (start itself never counts)."""
    return WorkdayAnswer(
        start=start, workdays=n, result=calendar_service.add_workdays(db, start, n)
    )
