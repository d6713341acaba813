"""Check-item list pages: items with versions, the release workflow (submit, approve, publish)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spotcheck.catalog import access
from spotcheck.catalog import points as catalog_points
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import (
    DOMAINS,
    ITEM_KINDS,
    LIST_TYPES,
    METHODS,
    RELEASE_LABELS,
    CheckItem,
)
from spotcheck.db import settle
from spotcheck.departments import service as departments_service
from spotcheck.errors import DomainError
from spotcheck.ids import PathId
from spotcheck.imports import adapters
from spotcheck.tabular.specs import ITEMS
from spotcheck.web.security import Db, LoggedIn, Principal, roles
from spotcheck.web.templating import render

router = APIRouter(prefix="/items")
Editor = Annotated[Principal, Depends(roles(*access.EDIT))]
Leader = Annotated[Principal, Depends(roles(*access.APPROVE))]


def _choices() -> dict[str, Any]:
    return {"list_types": LIST_TYPES, "kinds": ITEM_KINDS, "domains": DOMAINS, "methods": METHODS}


_POINT_FIELDS = ("number", "text", "method", "legal_basis", "materials", "delete")


def _point_rows(form: Any) -> list[dict[str, str]]:
    """The repeated rows `points-<i>-<field>` of the item form, in page order."""
    try:
        count = min(int(str(form.get("point_rows") or 0)), catalog_points.MAX_POINTS + 20)
    except ValueError:
        count = 0
    return [
        {f: str(form.get(f"points-{i}-{f}") or "") for f in _POINT_FIELDS} for i in range(count)
    ]


def _shown_points(
    rows: list[dict[str, str]], errors: list[catalog_points.PointError], *, extra: int = 1
) -> dict[str, Any]:
    """The points section of the form: rows (plus `extra` empty ones) and errors by number."""
    by_number: dict[int, list[str]] = {}
    for e in errors:
        by_number.setdefault(e.number, []).append(e.rule)
    blank = {"text": "", "method": "", "legal_basis": "", "materials": ""}
    return {
        "points": list(rows) + [dict(blank) for _ in range(extra)],
        "point_errors": [str(e) for e in errors],
        "point_errors_by_number": by_number,
    }


def _stored_points(item: CheckItem | None) -> list[dict[str, str]]:
    if item is None or item.latest is None:
        return []
    return [p.as_dict() for p in item.latest.points]


@router.get("", response_class=HTMLResponse)
def item_list(request: Request, principal: LoggedIn, db: Db, q: str = "") -> HTMLResponse:
    """The item list of the user's departments, with each item's draft and published versions."""
    items = catalog_service.get_all(db, principal.scope, q)
    department = principal.user.department
    return render(
        request,
        "catalog/list.html",
        items=items,
        q=q,
        drafts=catalog_service.drafts(db, department),
        releases=catalog_service.releases(db, principal.scope)[:10],
        release_labels=RELEASE_LABELS,
        departments={d.id: d.name for d in departments_service.get_all(db, principal.scope)},
    )


@router.get("/new", response_class=HTMLResponse)
def item_new(request: Request, _principal: Editor) -> HTMLResponse:
    """The form for a new item."""
    return render(
        request,
        "catalog/form.html",
        item=None,
        values={},
        errors={},
        **_shown_points([], [], extra=2),
        **_choices(),
    )


async def _save(request: Request, principal: Principal, db: Db, item_id: int | None) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        k: str(v)
        for k, v in form.items()
        if k not in ("csrf_token", "methods", "domains", "check_points")
        and not k.startswith("points-")
    }
    values["methods"] = [str(v) for v in form.getlist("methods")]
    values["domains"] = [str(v) for v in form.getlist("domains")]
    item = catalog_service.get_in_scope_or_404(db, item_id, principal.scope) if item_id else None
    if item is not None:
        values["code"] = item.code
    rows = _point_rows(form)
    cleaned, point_errors = catalog_points.clean(rows)
    if form.get("action") == "add_point":
        # Without JavaScript a new row is a round trip: nothing is saved, nothing is lost.
        return render(
            request,
            "catalog/form.html",
            item=item,
            values=values,
            errors={},
            **_shown_points(cleaned, point_errors if point_errors else [], extra=1),
            **_choices(),
        )
    as_text = {k: "、".join(v) if isinstance(v, list) else v for k, v in values.items()}
    record, errors = adapters.validate_form(ITEMS, as_text)
    if point_errors:
        errors["检查要点"] = f"有 {len(point_errors)} 处需要修改"
    if not errors:
        department = (
            departments_service.get_in_scope_or_404(db, item.department_id, principal.scope)
            if item
            else principal.user.department
        )
        try:
            saved, _outcome = catalog_service.save(
                db,
                principal.actor,
                department,
                record["code"],
                adapters.item_record(record) | {"check_points": cleaned},
            )
            db.commit()
            assert saved is not None  # not a dry run
            return RedirectResponse(f"/items/{saved.id}?saved=1", status_code=303)
        except DomainError as exc:
            db.rollback()
            errors = {"检查要点" if exc.field == "check_points" else "事项编码": exc.message}
    return render(
        request,
        "catalog/form.html",
        status_code=400,
        item=item,
        values=values,
        errors=errors,
        **_shown_points(cleaned, point_errors, extra=0 if cleaned else 1),
        **_choices(),
    )


@router.post("/new", response_class=HTMLResponse)
async def item_create(request: Request, principal: Editor, db: Db) -> Response:
    """Create an item (a draft until its list release is approved)."""
    return await _save(request, principal, db, None)


@router.get("/releases/{release_id}", response_class=HTMLResponse)
def release_detail(
    request: Request, principal: LoggedIn, db: Db, release_id: PathId
) -> HTMLResponse:
    """One list release: its versions, who submitted, who decided, under which rule."""
    release = catalog_service.get_release_or_404(db, release_id, principal.scope)
    return render(
        request,
        "catalog/release.html",
        release=release,
        release_labels=RELEASE_LABELS,
        rows=catalog_service.release_versions(db, release),
        error="",
        can_decide=principal.has_role(*access.APPROVE),
    )


@router.post("/releases", response_class=HTMLResponse)
def release_submit(principal: Editor, db: Db, note: Annotated[str, Form()] = "") -> Response:
    """Submit every draft of the user's department as a new list release."""
    release = catalog_service.submit(db, principal.actor, principal.user.department, note)
    db.commit()
    return RedirectResponse(f"/items/releases/{release.id}", status_code=303)


@router.post("/releases/{release_id}/decide", response_class=HTMLResponse)
def release_decide(
    request: Request,
    principal: Leader,
    db: Db,
    release_id: PathId,
    decision: Annotated[str, Form()] = "",
    opinion: Annotated[str, Form()] = "",
) -> Response:
    """A leader approves (publishes) or rejects a release."""
    release = catalog_service.get_release_or_404(db, release_id, principal.scope)
    try:
        catalog_service.decide(
            db,
            principal.actor,
            principal.user,
            release,
            approve=decision == "approve",
            opinion=opinion,
        )
        db.commit()
    except DomainError as exc:
        settle(db, exc)
        return render(
            request,
            "catalog/release.html",
            status_code=exc.status_code,
            release=release,
            release_labels=RELEASE_LABELS,
            rows=catalog_service.release_versions(db, release),
            error=exc.message,
            can_decide=True,
        )
    return RedirectResponse(f"/items/releases/{release.id}", status_code=303)


@router.get("/{item_id:int}", response_class=HTMLResponse)
def item_detail(
    request: Request, principal: LoggedIn, db: Db, item_id: PathId, saved: int = 0
) -> HTMLResponse:
    """One item: the latest version, the published one, and every version before."""
    item = catalog_service.get_in_scope_or_404(db, item_id, principal.scope)
    return render(
        request,
        "catalog/detail.html",
        item=item,
        versions=catalog_service.versions(db, item),
        saved=bool(saved),
        can_edit=principal.has_role(*access.EDIT),
    )


@router.get("/{item_id:int}/edit", response_class=HTMLResponse)
def item_edit(request: Request, principal: Editor, db: Db, item_id: PathId) -> HTMLResponse:
    """Edit an item: saving makes a new draft version, never changes a published one."""
    item = catalog_service.get_in_scope_or_404(db, item_id, principal.scope)
    return render(
        request,
        "catalog/form.html",
        item=item,
        values=adapters.item_form_values(item),
        errors={},
        **_shown_points(_stored_points(item), [], extra=1),
        **_choices(),
    )


@router.post("/{item_id:int}/edit", response_class=HTMLResponse)
async def item_update(request: Request, principal: Editor, db: Db, item_id: PathId) -> Response:
    """Save the edit as a new draft version."""
    return await _save(request, principal, db, item_id)
