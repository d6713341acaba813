"""Inspector registry pages: search with eligibility, detail with history and conflicts, forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spotcheck import clock
from spotcheck.accounts.models import User
from spotcheck.departments import service as departments_service
from spotcheck.errors import DomainError
from spotcheck.ids import Page, PathId, parse_id
from spotcheck.imports import adapters
from spotcheck.inspectors import access, links
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.filters import filters_from
from spotcheck.inspectors.models import CATEGORIES, STATUSES
from spotcheck.tabular.specs import INSPECTORS
from spotcheck.web.pagination import with_page, without_page
from spotcheck.web.security import Db, LoggedIn, Principal, roles
from spotcheck.web.templating import render

router = APIRouter(prefix="/inspectors")
Editor = Annotated[Principal, Depends(roles(*access.EDIT))]
RANKS = ("正厅级", "副厅级", "正处级", "副处级", "正科级", "副科级", "科员", "办事员", "其他")
PER_PAGE = 50


def _choices(db: Db, principal: Principal, inspector: Any = None) -> dict[str, Any]:
    return {
        "categories": CATEGORIES,
        "statuses": STATUSES,
        "ranks": RANKS,
        "departments": departments_service.get_all(db, principal.scope),
        "accounts": links.linkable(db, principal.scope, inspector),
    }


def _account(db: Db, principal: Principal, raw: str) -> User | None:
    """The account chosen on the form (None: no link); one outside the scope is not offered."""
    account_id = parse_id(raw) if raw else None
    if not raw:
        return None
    user = db.get(User, account_id) if account_id else None
    if user is None or user.department_id not in principal.scope:
        raise DomainError("未找到该登录账号，或不在您的管理范围内", field="account")
    return user


@router.get("", response_class=HTMLResponse)
def inspector_list(request: Request, principal: LoggedIn, db: Db, page: Page = 1) -> HTMLResponse:
    """Inspectors of the user's departments, with whether each can be drawn today and why not."""
    page = max(page, 1)
    rows, total = inspectors_service.search(
        db, principal.scope, filters_from(request.query_params), page, PER_PAGE
    )
    today = clock.today()
    return render(
        request,
        "inspectors/list.html",
        rows=rows,
        total=total,
        page=page,
        f=request.query_params,
        reasons=inspectors_service.reasons_for(db, rows, today),
        has_next=page * PER_PAGE < total,
        next_url=with_page(request.query_params, page + 1),
        prev_url=with_page(request.query_params, page - 1),
        export_query=without_page(request.query_params),
        **_choices(db, principal),
    )


@router.get("/new", response_class=HTMLResponse)
def inspector_new(request: Request, principal: Editor, db: Db) -> HTMLResponse:
    """The form for one new inspector, expert or institution."""
    return render(
        request,
        "inspectors/form.html",
        inspector=None,
        values={},
        errors={},
        **_choices(db, principal),
    )


async def _save(
    request: Request, principal: Principal, db: Db, inspector_id: int | None
) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    existing = (
        inspectors_service.get_in_scope_or_404(db, inspector_id, principal.scope)
        if inspector_id
        else None
    )
    raw_department = values.get("department_id")
    department = departments_service.get_in_scope_or_404(
        db,
        (parse_id(raw_department) or 0) if raw_department else principal.user.department_id,
        principal.scope,
    )
    values["department"] = department.name
    record, errors = adapters.validate_form(INSPECTORS, values)
    status = values.get("status", "在岗")
    if status not in STATUSES:
        errors["状态"] = f"只能是 {'、'.join(STATUSES)}"
    if not errors:
        record = adapters.inspector_record(record) | {"status": status}
        key = record["cert_no"] or inspectors_service.derived_key(
            department.code, record["name"], record["phone"]
        )
        if existing is not None and key != existing.key:
            errors = {"执法证号": "执法证号是人员的标识，不能在此修改；证件更换请新建人员记录"}
        else:
            source = "网页修改" if existing else "网页新增"
            try:
                # A form without the field (an older page) leaves the link as it is.
                account = (
                    _account(db, principal, values["account_id"])
                    if "account_id" in values
                    else None
                )
                if account is not None:
                    links.check(db, existing.id if existing else None, department.id, account)
                inspector, _outcome = inspectors_service.upsert(
                    db, principal.actor, department, record, source, principal.scope
                )
                assert inspector is not None  # not a dry run
                if "account_id" in values:
                    links.link(db, principal.actor, inspector, account, source)
                db.commit()
                return RedirectResponse(f"/inspectors/{inspector.id}?saved=1", status_code=303)
            except DomainError as exc:
                db.rollback()
                label = links.FIELD if exc.field == "account" else "执法证号"
                errors = {label: exc.message}
    return render(
        request,
        "inspectors/form.html",
        status_code=400,
        inspector=existing,
        values=values,
        errors=errors,
        **_choices(db, principal, existing),
    )


@router.post("/new", response_class=HTMLResponse)
async def inspector_create(request: Request, principal: Editor, db: Db) -> Response:
    """Validate with the import rules and create."""
    return await _save(request, principal, db, None)


@router.get("/{inspector_id:int}", response_class=HTMLResponse)
def inspector_detail(
    request: Request, principal: LoggedIn, db: Db, inspector_id: PathId, saved: int = 0
) -> HTMLResponse:
    """One inspector with eligibility, conflicts of interest and history."""
    inspector = inspectors_service.get_in_scope_or_404(db, inspector_id, principal.scope)
    today = clock.today()
    return render(
        request,
        "inspectors/detail.html",
        inspector=inspector,
        saved=bool(saved),
        reasons=inspectors_service.reasons_for(db, [inspector], today)[inspector.id],
        conflicts=inspectors_service.conflicts_of(db, inspector),
        history=inspectors_service.history(db, inspector),
        labels=inspectors_service.FIELD_LABELS,
        can_edit=principal.has_role(*access.EDIT),
        error="",
    )


@router.get("/{inspector_id:int}/edit", response_class=HTMLResponse)
def inspector_edit(
    request: Request, principal: Editor, db: Db, inspector_id: PathId
) -> HTMLResponse:
    """The edit form."""
    inspector = inspectors_service.get_in_scope_or_404(db, inspector_id, principal.scope)
    values = adapters.inspector_form_values(inspector)
    values["account_id"] = str(inspector.user_id or "")
    return render(
        request,
        "inspectors/form.html",
        inspector=inspector,
        values=values,
        errors={},
        **_choices(db, principal, inspector),
    )


@router.post("/{inspector_id:int}/edit", response_class=HTMLResponse)
async def inspector_update(
    request: Request, principal: Editor, db: Db, inspector_id: PathId
) -> Response:
    """Save a change as a new version."""
    return await _save(request, principal, db, inspector_id)


@router.post("/{inspector_id:int}/conflicts", response_class=HTMLResponse)
def conflict_declare(
    request: Request,
    principal: Editor,
    db: Db,
    inspector_id: PathId,
    target_key: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Record a declared conflict of interest (利害关系)."""
    inspector = inspectors_service.get_in_scope_or_404(db, inspector_id, principal.scope)
    try:
        inspectors_service.declare_conflict(db, principal.actor, inspector, target_key, reason)
        db.commit()
    except DomainError as exc:
        db.rollback()
        today = clock.today()
        return render(
            request,
            "inspectors/detail.html",
            status_code=400,
            inspector=inspector,
            saved=False,
            reasons=inspectors_service.reasons_for(db, [inspector], today)[inspector.id],
            conflicts=inspectors_service.conflicts_of(db, inspector),
            history=inspectors_service.history(db, inspector),
            labels=inspectors_service.FIELD_LABELS,
            can_edit=True,
            error=exc.message,
        )
    return RedirectResponse(f"/inspectors/{inspector.id}", status_code=303)
