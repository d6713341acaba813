"""The administrator's department pages: tree, create, edit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spotcheck.departments import access
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import LEVEL_LABELS, Department, DepartmentLevel
from spotcheck.errors import DomainError
from spotcheck.ids import FormId, PathId
from spotcheck.web.security import Db, Principal, roles
from spotcheck.web.templating import render

router = APIRouter(prefix="/admin/departments")
Admin = Annotated[Principal, Depends(roles(*access.MANAGE))]


@router.get("", response_class=HTMLResponse)
def department_list(request: Request, principal: Admin, db: Db) -> HTMLResponse:
    """The department tree below the administrator's own department."""
    departments = departments_service.get_all(db, principal.scope)
    return render(
        request,
        "admin/departments.html",
        departments=departments,
        depth=departments_service.depth,
    )


def _form(
    request: Request,
    principal: Principal,
    db: Db,
    target: Department | None,
    values: dict[str, object],
    error: str = "",
    saved: bool = False,
) -> HTMLResponse:
    return render(
        request,
        "admin/department_form.html",
        status_code=400 if error else 200,
        target=target,
        values=values,
        error=error,
        saved=saved,
        departments=departments_service.get_all(db, principal.scope),
        depth=departments_service.depth,
        levels=LEVEL_LABELS,
    )


@router.get("/new", response_class=HTMLResponse)
def department_new(request: Request, principal: Admin, db: Db, parent_id: int = 0) -> HTMLResponse:
    """The new-department form."""
    return _form(request, principal, db, None, {"parent_id": parent_id, "level": "section"})


@router.post("/new", response_class=HTMLResponse)
def department_create(
    request: Request,
    principal: Admin,
    db: Db,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "section",
    parent_id: FormId = 0,
    industry: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
) -> Response:
    """Create a department under one the administrator can see."""
    values: dict[str, object] = {
        "code": code,
        "name": name,
        "level": level,
        "parent_id": parent_id,
        "industry": industry,
        "region_code": region_code,
    }
    # Outside the administrator's tree is a 404 like any other object; and a new top-level
    # department cannot be made from the web, it would sit outside every scope.
    parent = departments_service.get_in_scope_or_404(db, parent_id, principal.scope)
    try:
        try:
            level_value = DepartmentLevel(level)
        except ValueError as exc:
            raise DomainError("请选择部门级别", field="level") from exc
        department = departments_service.create(
            db,
            principal.actor,
            code=code,
            name=name,
            level=level_value,
            parent=parent,
            industry=industry,
            region_code=region_code,
        )
        db.commit()
    except DomainError as exc:
        db.rollback()
        return _form(request, principal, db, None, values, exc.message)
    return RedirectResponse(f"/admin/departments/{department.id}?saved=1", status_code=303)


@router.get("/{department_id}", response_class=HTMLResponse)
def department_edit(
    request: Request, principal: Admin, db: Db, department_id: PathId, saved: int = 0
) -> HTMLResponse:
    """One department's details."""
    target = departments_service.get_in_scope_or_404(db, department_id, principal.scope)
    values: dict[str, object] = {
        "code": target.code,
        "name": target.name,
        "level": target.level.value,
        "parent_id": target.parent_id,
        "industry": target.industry,
        "region_code": target.region_code,
        "active": target.active,
    }
    return _form(request, principal, db, target, values, saved=bool(saved))


@router.post("/{department_id}", response_class=HTMLResponse)
def department_update(
    request: Request,
    principal: Admin,
    db: Db,
    department_id: PathId,
    name: Annotated[str, Form()] = "",
    industry: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Save a department's name, industry, region and active flag."""
    target = departments_service.get_in_scope_or_404(db, department_id, principal.scope)
    try:
        departments_service.update(
            db,
            principal.actor,
            target,
            name=name,
            industry=industry,
            region_code=region_code,
            active=active == "on",
        )
        db.commit()
    except DomainError as exc:
        db.rollback()
        values: dict[str, object] = {
            "code": target.code,
            "name": name,
            "level": target.level.value,
            "parent_id": target.parent_id,
            "industry": industry,
            "region_code": region_code,
            "active": active == "on",
        }
        return _form(request, principal, db, target, values, exc.message)
    return RedirectResponse(f"/admin/departments/{target.id}?saved=1", status_code=303)
