"""The result step of the draw page: the 检查日程和人员安排表, the 抽取记录 PDF and JSON, the
ceremony files, the submissions to the profile's channels, publication."""

from __future__ import annotations

import io
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from spotcheck.draws import access, appendix, attachments, ceremony, publish, record_pdf
from spotcheck.draws.models import Draw
from spotcheck.draws.view_actions import Runner, act, runnable, show
from spotcheck.errors import DomainError, NotFound
from spotcheck.ids import PathId, PathIndex
from spotcheck.tabular import bulk_xlsx
from spotcheck.tabular.writer import write_csv
from spotcheck.web.security import Db, LoggedIn

router = APIRouter()
SCHEDULE_HEADERS = (
    "检查顺序",
    "检查对象名称",
    "检查对象标识",
    "岗位",
    "检查人员",
    "执法证号",
    "组长",
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def download(body: str | bytes, media_type: str, name: str) -> Response:
    """A file download with a UTF-8 file name."""
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


def _done(db: Db, principal: LoggedIn, draw_id: int) -> Draw:
    draw = access.draw_or_404(db, draw_id, principal.scope)
    if draw.status not in publish.DONE:
        raise NotFound("该抽取尚未完成计算，没有抽取结果")
    return draw


@router.get("/draws/{draw_id:int}/schedule.{fmt}")
def draw_schedule(principal: LoggedIn, db: Db, draw_id: PathId, fmt: str) -> Response:
    """检查日程和人员安排表 (004 二（五）) as CSV or xlsx: one row per inspector of each visit."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound("只提供 CSV 或 xlsx 格式")
    draw = _done(db, principal, draw_id)
    rows = (
        [
            r["order"],
            r["target_name"],
            r["target_key"],
            m["slot"],
            m["name"],
            m["cert_no"],
            "是" if m["leader"] else "",
        ]
        for r in ceremony.schedule(db, draw)
        for m in r["inspectors"]
    )
    stream = io.BytesIO()
    if fmt == "csv":
        write_csv(stream, SCHEDULE_HEADERS, rows)
    else:
        # A national draw has ~300,000 lines: written as XML strings, not cell objects.
        bulk_xlsx.write(
            stream,
            SCHEDULE_HEADERS,
            rows,
            sheet_title="检查日程和人员安排表",
            widths=(10, 40, 26, 16, 12, 18, 6),
        )
    return download(stream.getvalue(), MEDIA[fmt], f"{draw.code}-检查日程和人员安排表.{fmt}")


@router.get("/draws/{draw_id:int}/record.pdf")
def draw_record_pdf(principal: LoggedIn, db: Db, draw_id: PathId) -> Response:
    """The 抽取记录 PDF the people present sign (002 第九条)."""
    draw = _done(db, principal, draw_id)
    return download(record_pdf.record_pdf(db, draw), "application/pdf", f"{draw.code}-抽取记录.pdf")


@router.get("/draws/{draw_id:int}/record.json")
def draw_record_json(principal: LoggedIn, db: Db, draw_id: PathId) -> Response:
    """The public record (what the portal publishes), to check with `spotcheck verify`."""
    draw = _done(db, principal, draw_id)
    return download(ceremony.record_bytes(db, draw), MEDIA["json"], f"{draw.code}.json")


@router.get("/draws/{draw_id:int}/appendix.{fmt}")
def draw_appendix(principal: LoggedIn, db: Db, draw_id: PathId, fmt: str) -> Response:
    """The record's appendix: the full list of drawn targets and groups (CSV or Excel), whose
    SHA-256 the signed 抽取记录 prints."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound("只提供 CSV 或 xlsx 格式")
    draw = _done(db, principal, draw_id)
    data = appendix.csv_bytes(db, draw) if fmt == "csv" else appendix.xlsx_bytes(db, draw)
    return download(data, MEDIA[fmt], appendix.filename(draw, fmt))


@router.post("/draws/{draw_id:int}/attachments", response_class=HTMLResponse)
async def draw_attachment(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Upload a photo, a video or the scan of the signed record."""
    draw = runnable(db, principal, draw_id)
    settings = request.app.state.settings
    # A body past the largest limit is refused before it is read (and spooled to disk).
    attachments.refuse_oversized_request(request.headers.get("content-length"), settings)
    form = await request.form()
    upload = form.get("file")
    kind = str(form.get("kind", ""))
    if not isinstance(upload, UploadFile) or not upload.filename:
        return show(request, db, principal, draw_id, error="请选择要上传的文件", status_code=400)
    upload_dir = settings.upload_dir

    def run() -> None:
        attachments.add(
            db,
            principal.actor,
            draw,
            upload_dir,
            kind=kind,
            filename=upload.filename or "",
            source=upload.file,
            size_hint=upload.size,
            settings=settings,
        )

    return act(request, db, principal, draw, run, "attachment", "#attachments")


@router.post("/draws/{draw_id:int}/channels", response_class=HTMLResponse)
async def draw_channel(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Record the submission to a channel and hand over the exact file it records."""
    draw = runnable(db, principal, draw_id)
    form = await request.form()
    name = str(form.get("channel", ""))
    try:
        row, data = publish.submit_to_channel(
            db, principal.actor, draw, name, str(form.get("note", ""))
        )
    except DomainError as exc:
        db.rollback()
        return show(request, db, principal, draw_id, error=exc.message, status_code=400)
    db.commit()
    return download(data, MEDIA[row.export_format], row.export_filename)


@router.get("/draws/{draw_id:int}/channels/{index:int}/export")
def draw_channel_export(principal: LoggedIn, db: Db, draw_id: PathId, index: PathIndex) -> Response:
    """A preview of a channel's export (the submission itself is recorded by the POST)."""
    draw = _done(db, principal, draw_id)
    channels = publish.draw_channels(db, draw)
    if not 0 <= index < len(channels):
        raise NotFound("细则未规定该报送渠道")
    channel = channels[index]
    data = publish.export_for_channel(db, draw, channel)
    return download(data, MEDIA[channel.format], f"{draw.code}-{channel.name}.{channel.format}")


@router.post("/draws/{draw_id:int}/publish", response_class=HTMLResponse)
def draw_publish(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Publish the result and the public record on the portal."""
    draw = runnable(db, principal, draw_id)
    return act(
        request,
        db,
        principal,
        draw,
        lambda: publish.publish(db, principal.actor, draw),
        "published",
    )
