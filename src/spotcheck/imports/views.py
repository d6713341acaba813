"""The import wizard (upload → preview of errors or changes → confirm), templates and exports."""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from spotcheck import clock
from spotcheck.catalog import service as catalog_service
from spotcheck.departments import service as departments_service
from spotcheck.errors import Forbidden, NotFound
from spotcheck.ids import FormId
from spotcheck.imports import access, adapters
from spotcheck.imports import history as history_adapter
from spotcheck.imports import service as imports_service
from spotcheck.imports.service import MAX_UPLOAD
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.filters import filters_from as inspector_filters
from spotcheck.tabular.limits import Limits
from spotcheck.tabular.reader import open_table
from spotcheck.tabular.writer import write_error_report, write_template
from spotcheck.targets import search as targets_search
from spotcheck.targets import service as targets_service
from spotcheck.targets.filters import filters_from as target_filters
from spotcheck.web.security import Db, LoggedIn, Principal
from spotcheck.web.templating import render

router = APIRouter()
LIST_PAGES = {
    "targets": "/targets",
    "inspectors": "/inspectors",
    "items": "/items",
    "history": "/targets",
}
SHOWN_ERRORS = 200
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _kind(kind: str, principal: Principal) -> str:
    if kind not in imports_service.SPECS:
        raise NotFound("没有这种导入类型")
    if not principal.has_role(*access.EDITORS[kind]):
        raise Forbidden(f"您的角色不能导入{imports_service.LABELS[kind]}")
    return kind


def _download(data: bytes, filename: str, fmt: str) -> Response:
    return Response(
        data,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        },
    )


def _limits(request: Request) -> Limits:
    return imports_service.limits_of(request.app.state.settings)


def _upload_dir(request: Request) -> Path:
    path: Path = request.app.state.settings.upload_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stored(
    request: Request, principal: Principal, kind: str, token: str
) -> tuple[dict[str, Any], bytes]:
    """An upload of this user and kind (tokens are random; another user's is a 404)."""
    if not token.isalnum():
        raise NotFound()
    base = _upload_dir(request) / token
    meta_path = base.with_suffix(".json")
    if not meta_path.exists():
        raise NotFound("上传的文件已过期，请重新上传")
    meta = json.loads(meta_path.read_text())
    if meta["user_id"] != principal.user.id or meta["kind"] != kind:
        raise NotFound()
    return meta, base.with_suffix(".bin").read_bytes()


def _page(
    request: Request,
    principal: Principal,
    db: Db,
    kind: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        "imports/wizard.html",
        status_code=status_code,
        kind=kind,
        label=imports_service.LABELS[kind],
        list_page=LIST_PAGES[kind],
        departments=departments_service.get_all(db, principal.scope),
        registries=targets_service.registries(db, principal.scope) if kind == "targets" else [],
        **({"report": None, "token": "", "shown": []} | context),
    )


@router.get("/imports/{kind}", response_class=HTMLResponse)
def wizard(request: Request, principal: LoggedIn, db: Db, kind: str) -> HTMLResponse:
    """Step 1: download the template, choose the registry, upload the file."""
    return _page(request, principal, db, _kind(kind, principal))


@router.get("/imports/{kind}/template.xlsx")
def template(principal: LoggedIn, kind: str) -> Response:
    """The empty template with one example row and the 填写说明 sheet."""
    if kind not in imports_service.SPECS:
        raise NotFound("没有这种模板")
    stream = io.BytesIO()
    write_template(stream, imports_service.SPECS[kind])
    return _download(stream.getvalue(), f"{imports_service.LABELS[kind]}导入模板.xlsx", "xlsx")


@router.post("/imports/{kind}", response_class=HTMLResponse)
async def upload(
    request: Request,
    principal: LoggedIn,
    db: Db,
    kind: str,
    file: Annotated[UploadFile, File()],
    department_id: FormId = 0,
    registry: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Step 2: validate every row and show every error, or the changes it would make."""
    kind = _kind(kind, principal)
    department = departments_service.get_in_scope_or_404(
        db, department_id or principal.user.department_id, principal.scope
    )
    data = await file.read(MAX_UPLOAD + 1)
    filename = (file.filename or "upload").replace("/", "_")[-120:]
    if len(data) > MAX_UPLOAD:
        return _page(
            request,
            principal,
            db,
            kind,
            413,
            upload_error="文件超过 100 MB；请分批上传，或由管理员用命令行 spotcheck import 导入",
        )
    report = imports_service.run(
        db,
        principal.actor,
        kind,
        data,
        filename,
        department=department,
        scope=principal.scope,
        registry=registry,
        dry_run=True,
        limits=_limits(request),
    )
    db.rollback()
    token = secrets.token_hex(16)
    base = _upload_dir(request) / token
    base.with_suffix(".bin").write_bytes(data)
    base.with_suffix(".json").write_text(
        json.dumps(
            {
                "user_id": principal.user.id,
                "kind": kind,
                "filename": filename,
                "department_id": department.id,
                "registry": registry,
                "sha256": report.sha256,
                "at": clock.now().timestamp(),
            }
        )
    )
    return _page(
        request,
        principal,
        db,
        kind,
        200 if report.ok else 400,
        report=report,
        token=token,
        shown=report.errors[:SHOWN_ERRORS],
        department=department,
    )


@router.post("/imports/{kind}/{token}/confirm", response_class=HTMLResponse)
def confirm(request: Request, principal: LoggedIn, db: Db, kind: str, token: str) -> Response:
    """Step 3: import the checked file in one transaction (validated again: nothing trusted)."""
    kind = _kind(kind, principal)
    meta, data = _stored(request, principal, kind, token)
    department = departments_service.get_in_scope_or_404(db, meta["department_id"], principal.scope)
    report = imports_service.run(
        db,
        principal.actor,
        kind,
        data,
        meta["filename"],
        department=department,
        scope=principal.scope,
        registry=meta["registry"],
        limits=_limits(request),
    )
    if not report.ok:
        db.rollback()
        return _page(
            request,
            principal,
            db,
            kind,
            400,
            report=report,
            token=token,
            shown=report.errors[:SHOWN_ERRORS],
            department=department,
        )
    db.commit()
    for suffix in (".bin", ".json"):
        (_upload_dir(request) / token).with_suffix(suffix).unlink(missing_ok=True)
    return _page(
        request, principal, db, kind, report=report, token="", done=True, department=department
    )


@router.get("/imports/{kind}/{token}/errors.xlsx")
def error_report(request: Request, principal: LoggedIn, db: Db, kind: str, token: str) -> Response:
    """The uploaded rows again with a 错误说明 column, to fix and upload again."""
    kind = _kind(kind, principal)
    meta, data = _stored(request, principal, kind, token)
    department = departments_service.get_in_scope_or_404(db, meta["department_id"], principal.scope)
    # The same run as the preview, so rules that need the database are in the file too.
    report = imports_service.run(
        db,
        principal.actor,
        kind,
        data,
        meta["filename"],
        department=department,
        scope=principal.scope,
        registry=meta["registry"],
        dry_run=True,
        limits=_limits(request),
    )
    db.rollback()
    stream = io.BytesIO()
    table = open_table(data, meta["filename"], limits=_limits(request))
    write_error_report(stream, table, report.errors)
    stem = meta["filename"].rsplit(".", 1)[0]
    return _download(stream.getvalue(), f"{stem}-错误说明.xlsx", "xlsx")


def _export(kind: str, fmt: str, rows: Iterable[list[Any]]) -> Response:
    if fmt not in MEDIA:
        raise NotFound("只能导出 .xlsx 或 .csv")
    stream = io.BytesIO()
    imports_service.write_rows(stream, kind, fmt, rows)
    return _download(stream.getvalue(), f"{imports_service.LABELS[kind]}.{fmt}", fmt)


@router.get("/targets/export.{fmt}")
def export_targets(request: Request, principal: LoggedIn, db: Db, fmt: str) -> Response:
    """The registry page's current search as a file in template layout."""
    filters = target_filters(request.query_params)
    rows = (
        adapters.target_row(t) for t in targets_search.iter_export(db, principal.scope, filters)
    )
    return _export("targets", fmt, rows)


@router.get("/inspectors/export.{fmt}")
def export_inspectors(request: Request, principal: LoggedIn, db: Db, fmt: str) -> Response:
    """The inspector page's current search as a file in template layout."""
    filters = inspector_filters(request.query_params)
    rows = (
        adapters.inspector_row(i)
        for i in inspectors_service.all_matching(db, principal.scope, filters)
    )
    return _export("inspectors", fmt, rows)


@router.get("/history/export.{fmt}")
def export_history(principal: LoggedIn, db: Db, fmt: str) -> Response:
    """The check history of the user's departments and registries in template layout."""
    return _export("history", fmt, history_adapter.export_rows(db, principal.scope))


@router.get("/items/export.{fmt}")
def export_items(principal: LoggedIn, db: Db, fmt: str) -> Response:
    """The item lists (latest versions) in template layout."""
    rows = (adapters.item_row(item) for item in catalog_service.get_all(db, principal.scope))
    return _export("items", fmt, rows)
