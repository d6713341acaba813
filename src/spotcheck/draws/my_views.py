"""我的任务: the visits a logged-in inspector is drawn for, through their linked registry entry."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from spotcheck.draws import assignments
from spotcheck.ids import Page
from spotcheck.inspectors import links as inspector_links
from spotcheck.web.security import Db, LoggedIn
from spotcheck.web.templating import render

router = APIRouter()


@router.get("/my/tasks", response_class=HTMLResponse)
def my_tasks(request: Request, principal: LoggedIn, db: Db, page: Page = 1) -> HTMLResponse:
    """Every visit the user's registry entry is currently drawn for, the newest draw first."""
    entry = inspector_links.of_user(db, principal.user.id)
    found = assignments.for_inspector(db, entry.key, page) if entry is not None else None
    return render(request, "draws/my_tasks.html", entry=entry, found=found)
