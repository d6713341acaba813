"""Downloads of a draw's internal files: ceremony attachments (users in scope) and the auditor's
record with every opening (ADMIN or LEADER in scope, each download audited)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from spotcheck.audit.service import record
from spotcheck.draws import access, attachments, ceremony
from spotcheck.draws.models import Draw
from spotcheck.errors import NotFound
from spotcheck.files.serving import file_response
from spotcheck.ids import PathId
from spotcheck.scoping import get_or_404
from spotcheck.web.security import Db, LoggedIn, Principal, roles

router = APIRouter(prefix="/draws")
Auditor = Annotated[Principal, Depends(roles(*access.AUDIT))]


@router.get("/{draw_id}/attachments/{attachment_id}")
def attachment_download(
    request: Request, principal: LoggedIn, db: Db, draw_id: PathId, attachment_id: PathId
) -> Response:
    """One ceremony file of a draw the user may see, re-hashed before it is served: a missing or
    altered file is refused (410 / 409) with an audit event, which the refusal commits."""
    draw = access.draw_or_404(db, draw_id, principal.scope)
    row = attachments.get_or_404(db, draw, attachment_id)
    upload_dir = request.app.state.settings.upload_dir
    verified = attachments.open_verified(db, principal.actor, draw, row, upload_dir)
    # The detected type, a name with its extension (older rows too), inline only for images and PDF.
    return file_response(verified)


@router.get("/{draw_id}/record-auditor.json")
def auditor_record(principal: Auditor, db: Db, draw_id: PathId) -> Response:
    """The auditor's copy of the record (all openings), for 纪检监察 and the superior department."""
    # Only the draw's own department and those above it; a joint task's partners are no auditors.
    draw = get_or_404(db, Draw, draw_id, principal.scope, "抽取")
    if draw.computed_at is None:
        raise NotFound("该抽取尚未完成计算，没有审计用抽取记录")
    record(
        db,
        principal.actor,
        "draw.auditor_record",
        object_type="draw",
        object_id=draw.id,
        summary=f"下载 {draw.code} 的审计用抽取记录（含全部开启值）",
    )
    db.commit()
    name = f"{draw.code}-auditor.json"
    return Response(
        ceremony.record_bytes(db, draw, auditor=True),
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )
