"""Files of a draw's ceremony: photos, video, the scan of the signed record (002 第九条).

Kept in the one file store (`files.store`): the type is decided by the content, not by the name;
each is stored under UPLOAD_DIR/draws/<draw id>/<sha256>.<extension of that type>, never
overwritten and never deleted, and its name gets the extension of that type too: an HTML page
behind a PNG header, uploaded as "poly.html", is kept and served as "poly.png" with Content-Type
image/png (never as HTML). Serving re-hashes the file: an altered or missing one is refused with
an audit event (`files.store.open_verified`).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor, record
from spotcheck.config import Settings
from spotcheck.draws.models import Draw, DrawAttachment, DrawStatus
from spotcheck.errors import DomainError, NotFound
from spotcheck.files import store as files
from spotcheck.files.store import named_for

__all__ = [
    "ALLOWED",
    "KINDS",
    "add",
    "form_help",
    "get_or_404",
    "named_for",
    "open_verified",
    "path_of",
    "refuse_oversized_request",
]

KINDS = {"photo": "现场照片", "video": "现场录像", "signed_record": "签字的抽取记录扫描件"}
# A draw's kind -> the kinds of the file store it takes (whose settings limit its size).
STORE_KINDS = {"photo": ("photo",), "video": ("video",), "signed_record": ("scan",)}
ALLOWED = {
    kind: tuple(dict.fromkeys(t for k in kinds for t in files.KINDS[k][1]))
    for kind, kinds in STORE_KINDS.items()
}
RULE = "002 第九条第四款"
AREA = "draws"


def add(
    session: Session,
    actor: Actor,
    draw: Draw,
    upload_dir: Path,
    *,
    kind: str,
    filename: str,
    source: BinaryIO,
    size_hint: int | None = None,
    settings: Settings | None = None,
) -> DrawAttachment:
    """Store one file of the ceremony and record it (with an audit event); never overwrites."""
    if kind not in KINDS:
        raise DomainError(f"附件类型只能是{'、'.join(KINDS.values())}", field="附件类型")
    if draw.status == DrawStatus.PREPARED:
        raise DomainError("抽取尚未开始（未承诺清单），不能上传现场材料", field="状态")
    stored = files.store(
        session,
        actor,
        area=AREA,
        owner_id=draw.id,
        stream=source,
        filename=filename,
        kinds=STORE_KINDS[kind],
        field=KINDS[kind],
        size_hint=size_hint,
        settings=settings,
        root=upload_dir,
    )
    sha = stored.sha256
    if session.scalar(
        select(DrawAttachment.id).where(
            DrawAttachment.draw_id == draw.id, DrawAttachment.sha256 == sha
        )
    ):
        raise DomainError("同一文件已上传过，无需重复上传", field="文件")
    columns = stored.columns()
    del columns["uploaded_at"]  # the row's default, as before
    row = DrawAttachment(draw_id=draw.id, kind=kind, **columns)
    session.add(row)
    session.flush()
    size = stored.size
    record(
        session,
        actor,
        "draw.attachment",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code} 上传{KINDS[kind]}“{row.filename}”（{size} 字节，SHA-256 {sha[:16]}…，依据 {RULE}）",
        after={"attachment": row.id, "kind": kind, "sha256": sha, "size": size},
    )
    return row


def get_or_404(session: Session, draw: Draw, attachment_id: int) -> DrawAttachment:
    """An attachment of the draw, or NotFound."""
    row = session.get(DrawAttachment, attachment_id)
    if row is None or row.draw_id != draw.id:
        raise NotFound("未找到该附件，或您无权查看")
    return row


def path_of(upload_dir: Path, row: DrawAttachment) -> Path:
    """The stored file of an attachment."""
    return files.path_of(row, upload_dir)


def open_verified(
    session: Session, actor: Actor, draw: Draw, row: DrawAttachment, upload_dir: Path
) -> files.VerifiedFile:
    """The attachment's file, re-hashed: missing or altered, it is refused with an audit event
    on the draw (`file.missing` / `file.tampered`)."""
    return files.open_verified(
        session, actor, row, object_type="draw", object_id=draw.id, root=upload_dir
    )


def form_help() -> dict[str, str]:
    """The upload form's `accept` attribute and its line on what is accepted (from the store's
    kinds and the size settings)."""
    kinds = tuple(dict.fromkeys(k for ks in STORE_KINDS.values() for k in ks))
    return {"accept": files.accept(kinds), "rules": files.rules_text(kinds)}


def refuse_oversized_request(content_length: str | None, settings: Settings) -> None:
    """Refuse an upload whose declared length passes the largest limit of a ceremony file."""
    kinds = tuple(dict.fromkeys(k for ks in STORE_KINDS.values() for k in ks))
    files.refuse_oversized_request(content_length, kinds, field="现场材料", settings=settings)
