"""JSON API for the registries: search and read targets, inspectors and items (数据对接)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from spotcheck import clock
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import CheckItemVersion
from spotcheck.departments import service as departments_service
from spotcheck.errors import DomainError, Forbidden, NotFound
from spotcheck.ids import FormId, Page, PathId
from spotcheck.imports import access as imports_access
from spotcheck.imports import service as imports_service
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.filters import filters_from as inspector_filters
from spotcheck.inspectors.models import Inspector
from spotcheck.targets import search as targets_search
from spotcheck.targets import service as targets_service
from spotcheck.targets.filters import filters_from as target_filters
from spotcheck.targets.models import Target
from spotcheck.web import problems
from spotcheck.web.security import Db, LoggedIn

router = APIRouter(prefix="/api/v1", tags=["registries"], responses=problems.API_ERRORS)


class TargetOut(BaseModel):
    """A check target as the API returns it."""

    id: int
    key: str
    name: str
    target_type: str
    address: str
    region_code: str
    jurisdiction_level: str
    industry_code: str
    legal_rep: str
    phone: str
    business_scope: str
    status: str
    risk_class: str
    abnormal: bool
    dishonest: bool
    complaints: int
    tags: list[str]
    department_id: int
    version: int


class TargetPage(BaseModel):
    """One page of targets."""

    total: int
    capped: bool
    page: int
    items: list[TargetOut]


def _target(t: Target) -> TargetOut:
    return TargetOut(
        id=t.id,
        key=t.key,
        name=t.name,
        target_type=t.target_type,
        address=t.address,
        region_code=t.region_code,
        jurisdiction_level=t.jurisdiction_level,
        industry_code=t.industry_code,
        legal_rep=t.legal_rep,
        phone=t.phone,
        business_scope=t.business_scope,
        status=t.status,
        risk_class=t.risk_class,
        abnormal=t.abnormal,
        dishonest=t.dishonest,
        complaints=t.complaints,
        tags=t.tag_list,
        department_id=t.department_id,
        version=t.version,
    )


@router.get("/targets", response_model=TargetPage)
def list_targets(
    request: Request, principal: LoggedIn, db: Db, page: Page = 1, per_page: int = 50
) -> TargetPage:
    """Search targets with the same filters as the registry page (q, key, region, status, risk, …)."""
    page, per_page = max(page, 1), min(max(per_page, 1), 500)
    rows, total, capped = targets_search.search(
        db, principal.scope, target_filters(request.query_params), page, per_page
    )
    return TargetPage(total=total, capped=capped, page=page, items=[_target(t) for t in rows])


@router.get("/targets/{target_id:int}", response_model=TargetOut)
def get_target(principal: LoggedIn, db: Db, target_id: PathId) -> TargetOut:
    """One target."""
    return _target(targets_service.get_in_scope_or_404(db, target_id, principal.scope))


class InspectorOut(BaseModel):
    """An inspector as the API returns it, with whether they can be drawn today."""

    id: int
    key: str
    name: str
    gender: str
    department_id: int
    post: str
    rank: str
    category: str
    cert_no: str
    cert_issuer: str
    cert_valid_until: dt.date | None
    enforcement_post: str
    expertise: list[str]
    phone: str
    status: str
    eligible_today: bool
    ineligible_reasons: list[str]


class InspectorPage(BaseModel):
    """One page of inspectors."""

    total: int
    page: int
    items: list[InspectorOut]


def _inspector(i: Inspector, reasons: list[str]) -> InspectorOut:
    return InspectorOut(
        id=i.id,
        key=i.key,
        name=i.name,
        gender=i.gender,
        department_id=i.department_id,
        post=i.post,
        rank=i.rank,
        category=i.category,
        cert_no=i.cert_no,
        cert_issuer=i.cert_issuer,
        cert_valid_until=i.cert_valid_until,
        enforcement_post=i.enforcement_post,
        expertise=i.expertise_list,
        phone=i.phone,
        status=i.status,
        eligible_today=not reasons,
        ineligible_reasons=reasons,
    )


@router.get("/inspectors", response_model=InspectorPage)
def list_inspectors(
    request: Request, principal: LoggedIn, db: Db, page: Page = 1, per_page: int = 50
) -> InspectorPage:
    """Search inspectors (q, category, rank, status, expertise, department_id)."""
    page, per_page = max(page, 1), min(max(per_page, 1), 500)
    rows, total = inspectors_service.search(
        db, principal.scope, inspector_filters(request.query_params), page, per_page
    )
    why = inspectors_service.reasons_for(db, rows, clock.today())
    return InspectorPage(total=total, page=page, items=[_inspector(i, why[i.id]) for i in rows])


class CheckPointOut(BaseModel):
    """One check point (检查要点) of an item version's 抽查工作指引."""

    number: int
    text: str
    method: str
    legal_basis: str
    materials: str


def _points(version: CheckItemVersion) -> list[CheckPointOut]:
    return [
        CheckPointOut(
            number=p.number,
            text=p.text,
            method=p.method,
            legal_basis=p.legal_basis,
            materials=p.materials,
        )
        for p in version.points
    ]


class ItemOut(BaseModel):
    """A check item with its published version (if any) and its latest version; the content
    fields and `check_points` are those of the version shown (`shown_version_id`)."""

    id: int
    code: str
    department_id: int
    name: str
    kind: str
    list_type: str
    ratio: str
    methods: list[str]
    domains: list[str]
    published_version: int | None
    latest_version: int
    shown_version_id: int
    check_points: list[CheckPointOut]


@router.get("/items", response_model=list[ItemOut])
def list_items(
    principal: LoggedIn, db: Db, q: str = "", published_only: bool = False
) -> list[ItemOut]:
    """The item lists of the user's departments."""
    out = []
    for item in catalog_service.get_all(db, principal.scope, q, published_only):
        shown = item.published if published_only and item.published else item.latest
        assert shown is not None  # every item has at least one version
        out.append(
            ItemOut(
                id=item.id,
                code=item.code,
                department_id=item.department_id,
                name=shown.name,
                kind=shown.kind,
                list_type=shown.list_type,
                ratio=shown.ratio_text,
                methods=shown.method_list,
                domains=shown.domain_list,
                published_version=item.published.version if item.published else None,
                latest_version=item.latest.version if item.latest else 0,
                shown_version_id=shown.id,
                check_points=_points(shown),
            )
        )
    return out


class ItemVersionPointsOut(BaseModel):
    """The check points of one item version, and whether they are frozen (in a release)."""

    item_id: int
    code: str
    version_id: int
    version: int
    frozen: bool
    check_points: list[CheckPointOut]


@router.get("/item-versions/{version_id}/check-points", response_model=ItemVersionPointsOut)
def item_version_points(principal: LoggedIn, db: Db, version_id: PathId) -> ItemVersionPointsOut:
    """The check points of an item version (e.g. the one a task pinned), in order."""
    version = db.get(CheckItemVersion, version_id)
    if version is None:
        raise NotFound("抽查事项版本不存在，或您无权查看")
    item = catalog_service.get_in_scope_or_404(db, version.item_id, principal.scope)
    return ItemVersionPointsOut(
        item_id=item.id,
        code=item.code,
        version_id=version.id,
        version=version.version,
        frozen=version.release_id is not None,
        check_points=_points(version),
    )


class ImportErrorOut(problems.FieldProblem):
    """One problem: of a row of the file (`field` is its column, `message` names the row, with
    row, column, value and rule), or of the request itself (only `field` and `message`)."""

    row: int = 0
    column: str = ""
    value: str = ""
    rule: str = ""


class ImportReportOut(BaseModel):
    """The outcome of a file import through the API."""

    ok: bool
    dry_run: bool
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    file_error: str = ""
    errors: list[ImportErrorOut] = []
    warnings: list[str] = []


class ImportRefusedOut(problems.ApiError):
    """A refused import (422): the API's error shape with every problem of the file and the
    report's counts; nothing was written."""

    errors: Sequence[ImportErrorOut] = Field(default_factory=list)
    ok: bool = False
    dry_run: bool = False
    rows: int = 0
    file_error: str = ""
    warnings: list[str] = Field(default_factory=list)


@router.post(
    "/imports/{kind}",
    response_model=ImportReportOut,
    responses={
        **problems.responses(413),
        422: {
            "model": ImportRefusedOut,
            "description": "文件有错误（逐行逐列列出）或请求格式有误；未写入任何数据",
        },
    },
)
async def import_file(
    request: Request,
    principal: LoggedIn,
    db: Db,
    kind: str,
    file: Annotated[UploadFile, File()],
    department_id: FormId = 0,
    registry: Annotated[str, Form()] = "",
    dry_run: Annotated[bool, Form()] = False,
) -> JSONResponse:
    """Import a template-layout .xlsx/.csv: all rows valid → written in one transaction (200);
    otherwise every error and nothing written (422). Same rules and roles as the web wizard.

    kind: targets (检查对象), inspectors (执法检查人员), items (随机抽查事项) or history (检查记录:
    past checks; rows name their own 检查部门编码, department_id is not needed). ``warnings``
    lists what to double-check without stopping the import."""
    if kind not in imports_service.SPECS:
        raise NotFound("没有这种导入类型")
    if not principal.has_role(*imports_access.EDITORS[kind]):
        raise Forbidden(f"您的角色不能导入{imports_service.LABELS[kind]}")
    department = departments_service.get_in_scope_or_404(
        db, department_id or principal.user.department_id, principal.scope
    )
    data = await file.read(imports_service.MAX_UPLOAD + 1)
    if len(data) > imports_service.MAX_UPLOAD:
        raise DomainError("文件超过 100 MB")
    report = imports_service.run(
        db,
        principal.actor,
        kind,
        data,
        (file.filename or "upload")[-120:],
        department=department,
        scope=principal.scope,
        registry=registry,
        dry_run=dry_run,
        limits=imports_service.limits_of(request.app.state.settings),
    )
    if report.ok and not dry_run:
        db.commit()
    else:
        db.rollback()
    outcome = report.outcome
    errors = [
        ImportErrorOut(
            field=e.column,
            message=f"第 {e.row} 行（{e.column}）：{e.rule}",
            row=e.row,
            column=e.column,
            value=str(e.value),
            rule=e.rule,
        )
        for e in report.errors
    ]
    warnings = list(outcome.warnings) if outcome else []
    if not report.ok:
        message = report.file_error or f"文件有 {len(errors)} 处错误，未写入任何数据"
        refused = ImportRefusedOut(
            code=problems.CODES[422],
            message=message,
            detail=message,
            errors=errors,
            dry_run=dry_run,
            rows=report.rows,
            file_error=report.file_error,
            warnings=warnings,
        )
        return JSONResponse(refused.model_dump(), status_code=422)
    body = ImportReportOut(
        ok=True,
        dry_run=dry_run,
        rows=report.rows,
        created=outcome.created if outcome else 0,
        updated=outcome.updated if outcome else 0,
        unchanged=outcome.unchanged if outcome else 0,
        warnings=warnings,
    )
    return JSONResponse(body.model_dump())
