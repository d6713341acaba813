"""Target registry pages: search, detail with history, create/edit, sub-registries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spotcheck import clock
from spotcheck.departments import service as departments_service
from spotcheck.errors import DomainError
from spotcheck.history import service as history_service
from spotcheck.ids import FormId, Page, PathId, parse_id
from spotcheck.imports import adapters
from spotcheck.tabular.specs import TARGETS
from spotcheck.targets import access, exemptions
from spotcheck.targets import search as targets_search
from spotcheck.targets import service as targets_service
from spotcheck.targets.filters import filters_from
from spotcheck.targets.models import RISK_CLASSES, STATUSES, TARGET_TYPES
from spotcheck.web.pagination import with_page, without_page
from spotcheck.web.security import Db, LoggedIn, Principal, roles
from spotcheck.web.templating import render

router = APIRouter(prefix="/targets")
Editor = Annotated[Principal, Depends(roles(*access.EDIT))]
LEVELS = ("省级", "市级", "县级", "乡镇级")
PER_PAGE = 50


def _choices() -> dict[str, Any]:
    return {"types": TARGET_TYPES, "statuses": STATUSES, "risks": RISK_CLASSES, "levels": LEVELS}


@router.get("", response_class=HTMLResponse)
def target_list(request: Request, principal: LoggedIn, db: Db, page: Page = 1) -> HTMLResponse:
    """Search the registries of the user's departments."""
    filters = filters_from(request.query_params)
    if filters.department_id is not None and filters.department_id not in principal.scope:
        filters = targets_search.Filters()
    page = max(page, 1)
    rows, total, capped = targets_search.search(db, principal.scope, filters, page, PER_PAGE)
    return render(
        request,
        "targets/list.html",
        rows=rows,
        total=total,
        capped=capped,
        page=page,
        has_next=len(rows) == PER_PAGE and page * PER_PAGE < total,
        f=request.query_params,
        next_url=with_page(request.query_params, page + 1),
        prev_url=with_page(request.query_params, page - 1),
        export_query=without_page(request.query_params),
        registries=targets_service.registries(db, principal.scope),
        departments=departments_service.get_all(db, principal.scope),
        **_choices(),
    )


@router.get("/new", response_class=HTMLResponse)
def target_new(request: Request, principal: Editor, db: Db) -> HTMLResponse:
    """The form for one new target."""
    return render(
        request,
        "targets/form.html",
        target=None,
        values={},
        errors={},
        **_choices(),
        departments=departments_service.get_all(db, principal.scope),
    )


@router.post("/new", response_class=HTMLResponse)
async def target_create(request: Request, principal: Editor, db: Db) -> Response:
    """Validate with the import rules and create the target."""
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    raw_department = values.get("department_id")
    department_id = (
        (parse_id(raw_department) or 0) if raw_department else principal.user.department_id
    )
    department = departments_service.get_in_scope_or_404(db, department_id, principal.scope)
    record, errors = adapters.validate_form(TARGETS, values)
    if not errors:
        try:
            target = targets_service.create(
                db, principal.actor, department, adapters.target_record(record)
            )
            db.commit()
            return RedirectResponse(f"/targets/{target.id}?saved=1", status_code=303)
        except DomainError as exc:
            db.rollback()
            errors = {
                "登记编号" if exc.field == "registry_code" else "统一社会信用代码": exc.message
            }
    return render(
        request,
        "targets/form.html",
        status_code=400,
        target=None,
        values=values,
        errors=errors,
        departments=departments_service.get_all(db, principal.scope),
        **_choices(),
    )


@router.get("/registries", response_class=HTMLResponse)
def registry_list(request: Request, principal: LoggedIn, db: Db) -> HTMLResponse:
    """The sub-registries (分库) of the user's departments."""
    return render(
        request,
        "targets/registries.html",
        registries=targets_service.registries(db, principal.scope),
        departments=departments_service.get_all(db, principal.scope),
        error="",
    )


@router.post("/registries", response_class=HTMLResponse)
def registry_create(
    request: Request,
    principal: Editor,
    db: Db,
    name: Annotated[str, Form()] = "",
    tag: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    department_id: FormId = 0,
) -> Response:
    """Define a new 分库 by tag."""
    department = departments_service.get_in_scope_or_404(
        db, department_id or principal.user.department_id, principal.scope
    )
    try:
        targets_service.create_registry(db, principal.actor, department, name, tag, description)
        db.commit()
    except DomainError as exc:
        db.rollback()
        return render(
            request,
            "targets/registries.html",
            status_code=400,
            error=exc.message,
            registries=targets_service.registries(db, principal.scope),
            departments=departments_service.get_all(db, principal.scope),
        )
    return RedirectResponse("/targets/registries", status_code=303)


@router.get("/{target_id:int}", response_class=HTMLResponse)
def target_detail(
    request: Request, principal: LoggedIn, db: Db, target_id: PathId, saved: int = 0
) -> HTMLResponse:
    """One target with its change history, its check history and any active exemption."""
    target = targets_service.get_in_scope_or_404(db, target_id, principal.scope)
    today = clock.today()
    checks = history_service.of_target(db, target.key)
    checkers = departments_service.get_all(db, list({c.department_id for c in checks}))
    return render(
        request,
        "targets/detail.html",
        target=target,
        history=targets_service.history(db, target),
        checks=checks,
        exemption=exemptions.active(db, principal.scope, today).get(target.key),
        scope=set(principal.scope),
        checker_names={d.id: d.name for d in checkers},
        labels=targets_service.FIELD_LABELS,
        saved=bool(saved),
        department=departments_service.get(db, target.department_id),
        can_edit=principal.has_role(*access.EDIT),
    )


@router.get("/{target_id:int}/edit", response_class=HTMLResponse)
def target_edit(request: Request, principal: Editor, db: Db, target_id: PathId) -> HTMLResponse:
    """The edit form, filled with the current values."""
    target = targets_service.get_in_scope_or_404(db, target_id, principal.scope)
    return render(
        request,
        "targets/form.html",
        target=target,
        values=adapters.target_form_values(target),
        errors={},
        departments=[],
        **_choices(),
    )


@router.post("/{target_id:int}/edit", response_class=HTMLResponse)
async def target_update(request: Request, principal: Editor, db: Db, target_id: PathId) -> Response:
    """Validate and save a change, kept as a new version in the history."""
    target = targets_service.get_in_scope_or_404(db, target_id, principal.scope)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    values["key"] = target.key
    record, errors = adapters.validate_form(TARGETS, values)
    if errors:
        return render(
            request,
            "targets/form.html",
            status_code=400,
            target=target,
            values=values,
            errors=errors,
            departments=[],
            **_choices(),
        )
    targets_service.update_target(db, principal.actor, target, adapters.target_record(record))
    db.commit()
    return RedirectResponse(f"/targets/{target.id}?saved=1", status_code=303)
