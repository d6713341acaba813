"""The 免检免扰 list pages (002 第九条): entries of the user's departments, add and revoke."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.departments import service as departments_service
from spotcheck.errors import DomainError
from spotcheck.ids import PathId, parse_id
from spotcheck.targets import access
from spotcheck.targets import exemptions as exemptions_service
from spotcheck.targets.models import Target
from spotcheck.web.security import Db, LoggedIn, Principal, roles
from spotcheck.web.templating import render

router = APIRouter(prefix="/targets/exemptions")
Editor = Annotated[Principal, Depends(roles(*access.EDIT))]
FIELD_LABELS = {
    "target_key": "统一社会信用代码",
    "target_name": "名称",
    "valid_from": "免检起始日期",
    "valid_until": "免检截止日期",
    "basis": "列入依据",
    "department_id": "名单所属部门",
}


def name_in_scope(db: Session, key: str, scope: list[int]) -> str:
    """The registry name of the target with that key in the user's departments, or ""."""
    key = key.strip().upper()
    if not key:
        return ""
    found = db.scalar(
        select(Target.name).where(Target.key == key, Target.department_id.in_(scope)).limit(1)
    )
    return found or ""


def _page(
    request: Request,
    principal: Principal,
    db: Db,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    flash: str = "",
) -> HTMLResponse:
    day = clock.today()
    rows = exemptions_service.get_all(db, principal.scope)
    departments = departments_service.get_all(db, principal.scope)
    return render(
        request,
        "targets/exemptions.html",
        status_code=status_code,
        rows=[(r, exemptions_service.status_of(r, day)) for r in rows],
        names={d.id: d.name for d in departments},
        departments=departments,
        values=values or {"valid_from": day.isoformat()},
        errors=errors or {},
        can_edit=principal.has_role(*access.EDIT),
        flash=flash,
    )


@router.get("", response_class=HTMLResponse)
def exemption_list(request: Request, principal: LoggedIn, db: Db, done: str = "") -> HTMLResponse:
    """The 免检免扰 entries of the user's departments, with their status today."""
    flash = {"added": "已列入免检免扰名单。", "revoked": "已撤销。"}.get(done, "")
    return _page(request, principal, db, flash=flash)


@router.get("/lookup", response_class=HTMLResponse)
def exemption_lookup(principal: LoggedIn, db: Db, target_key: str = "") -> HTMLResponse:
    """The name field, prefilled from the registry when the key is found in the user's scope."""
    name = name_in_scope(db, target_key, principal.scope)
    hint = "（已从名录库带出）" if name else "（名录库中未找到，可手工填写）"
    return HTMLResponse(
        f'<div id="name-field"><label for="target_name">名称 <span class="hint">'
        f"{hint if target_key.strip() else ''}</span></label>"
        f'<input id="target_name" name="target_name" type="text" value="{escape(name)}"></div>'
    )


def _date(values: dict[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{FIELD_LABELS[name]}应为日期（YYYY-MM-DD）"
        return None


@router.post("", response_class=HTMLResponse)
async def exemption_add(request: Request, principal: Editor, db: Db) -> Response:
    """Put a target on a department's 免检免扰 list (002 第九条第二款)."""
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, str] = {}
    department_raw = values.get("department_id", "")
    department = departments_service.get_in_scope_or_404(
        db,
        (parse_id(department_raw) or 0)
        if department_raw.isdigit()
        else principal.user.department_id,
        principal.scope,
    )
    valid_from = _date(values, "valid_from", errors)
    valid_until = _date(values, "valid_until", errors)
    if valid_from is None and "valid_from" not in errors:
        errors["valid_from"] = "请填写免检起始日期"
    name = values.get("target_name", "").strip() or name_in_scope(
        db, values.get("target_key", ""), principal.scope
    )
    if not errors and valid_from is not None:
        try:
            exemptions_service.add(
                db,
                principal.actor,
                department,
                target_key=values.get("target_key", ""),
                target_name=name,
                valid_from=valid_from,
                valid_until=valid_until,
                basis=values.get("basis", ""),
            )
            db.commit()
            return RedirectResponse("/targets/exemptions?done=added", status_code=303)
        except DomainError as exc:
            db.rollback()
            errors[exc.field or "target_key"] = exc.message
    return _page(request, principal, db, values=values, errors=errors, status_code=400)


@router.post("/{exemption_id:int}/revoke", response_class=HTMLResponse)
def exemption_revoke(request: Request, principal: Editor, db: Db, exemption_id: PathId) -> Response:
    """End an exemption now; the entry stays on the list, marked 已撤销."""
    row = exemptions_service.get_or_404(db, exemption_id, principal.scope)
    try:
        exemptions_service.revoke(db, principal.actor, row)
        db.commit()
    except DomainError as exc:
        db.rollback()
        return _page(request, principal, db, errors={"revoke": exc.message}, status_code=400)
    return RedirectResponse("/targets/exemptions?done=revoked", status_code=303)
