"""The administrator's audit log page: filter events, verify the chain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from spotcheck.audit import access
from spotcheck.audit import service as audit_service
from spotcheck.ids import Page
from spotcheck.web.security import Db, Principal, roles
from spotcheck.web.templating import render

router = APIRouter(prefix="/admin/audit")
Admin = Annotated[Principal, Depends(roles(*access.READ))]
PER_PAGE = 50


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("", response_class=HTMLResponse)
def audit_list(
    request: Request,
    principal: Admin,
    db: Db,
    action: str = "",
    actor: str = "",
    date_from: str = "",
    date_to: str = "",
    page: Page = 1,
    verify: int = 0,
) -> HTMLResponse:
    """Events of the administrator's departments (and system events for the root), newest first."""
    # System (CLI) events carry no department; only an administrator of a root department sees them.
    scope: list[int] | None = (
        None if principal.user.department.parent_id is None else principal.scope
    )
    page = max(page, 1)
    events, total = audit_service.list_events(
        db,
        department_ids=scope,
        action=action or None,
        actor=actor or None,
        date_from=_date(date_from),
        date_to=_date(date_to),
        page=page,
        per_page=PER_PAGE,
    )
    report = audit_service.verify_chain(db) if verify else None
    return render(
        request,
        "admin/audit.html",
        events=events,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        actions=audit_service.distinct_actions(db),
        filters={"action": action, "actor": actor, "date_from": date_from, "date_to": date_to},
        report=report,
    )
