"""Files of a draw's ceremony: photos, video, the scan of the signed record (002 第九条).

A file's type is decided by its first bytes, not by its name; it is stored under
UPLOAD_DIR/draws/<draw id>/<sha256>.<extension of that type>, never overwritten and never deleted,
and its name gets the extension of that type too: an HTML page behind a PNG header, uploaded as
"poly.html", is kept and served as "poly.png" with Content-Type image/png (never as HTML).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor, record
from spotcheck.draws.models import Draw, DrawAttachment, DrawStatus
from spotcheck.errors import DomainError, NotFound

MIB = 1024 * 1024
IMAGE_LIMIT = 20 * MIB  # images and PDF
VIDEO_LIMIT = 500 * MIB
CHUNK = MIB
KINDS = {"photo": "现场照片", "video": "现场录像", "signed_record": "签字的抽取记录扫描件"}
# content type -> (what it is called, size limit)
TYPES = {
    "image/jpeg": ("JPEG 图片", IMAGE_LIMIT),
    "image/png": ("PNG 图片", IMAGE_LIMIT),
    "application/pdf": ("PDF 文件", IMAGE_LIMIT),
    "video/mp4": ("MP4 视频", VIDEO_LIMIT),
}
ALLOWED = {
    "photo": ("image/jpeg", "image/png"),
    "video": ("video/mp4",),
    "signed_record": ("application/pdf", "image/jpeg", "image/png"),
}
RULE = "002 第九条第四款"
# The extension a stored file and its download name carry, by the type its content shows.
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
    "video/mp4": (".mp4",),
}
# Shown in the browser (images and PDF); anything else is a download (Content-Disposition: attachment).
INLINE = frozenset({"image/jpeg", "image/png", "application/pdf"})


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file show (JPEG, PNG, PDF, MP4), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _clean_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or "未命名文件"


def named_for(filename: str, content_type: str) -> str:
    """The name with the extension of the detected type: 'poly.html' holding a PNG → 'poly.png'."""
    name = _clean_name(filename)
    allowed = EXTENSIONS[content_type]
    suffix = PurePosixPath(name).suffix
    if suffix.lower() in allowed:
        return name
    stem = name[: -len(suffix)] if suffix else name
    if PurePosixPath(stem).suffix.lower() in allowed:
        return stem  # "photo.png.html" → "photo.png"
    return (stem.rstrip(".") or "附件")[:190] + allowed[0]


def disposition(content_type: str) -> str:
    """'inline' for images and PDF shown in the browser, 'attachment' (a download) for the rest."""
    return "inline" if content_type in INLINE else "attachment"


def draw_dir(upload_dir: Path, draw: Draw) -> Path:
    """Where a draw's files live."""
    return upload_dir / "draws" / str(draw.id)


def add(
    session: Session,
    actor: Actor,
    draw: Draw,
    upload_dir: Path,
    *,
    kind: str,
    filename: str,
    source: BinaryIO,
) -> DrawAttachment:
    """Store one file of the ceremony and record it (with an audit event); never overwrites."""
    if kind not in KINDS:
        raise DomainError(f"附件类型只能是{'、'.join(KINDS.values())}", field="附件类型")
    if draw.status == DrawStatus.PREPARED:
        raise DomainError("抽取尚未开始（未承诺清单），不能上传现场材料", field="状态")
    head = source.read(CHUNK)
    content_type = sniff(head)
    allowed = ALLOWED[kind]
    if content_type not in allowed:
        names = "、".join(TYPES[t][0] for t in allowed)
        raise DomainError(
            f"文件“{_clean_name(filename)}”不是{names}（按文件内容判断），不能作为{KINDS[kind]}上传",
            field="文件",
        )
    label, limit = TYPES[content_type]
    folder = draw_dir(upload_dir, draw)
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".upload-{secrets.token_hex(8)}"
    digest = hashlib.sha256()
    size = 0
    try:
        with temp.open("xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise DomainError(
                        f"{label}不能超过 {limit // MIB} MiB（文件“{_clean_name(filename)}”更大）",
                        field="文件",
                    )
                digest.update(chunk)
                out.write(chunk)
                chunk = source.read(CHUNK)
        sha = digest.hexdigest()
        if session.scalar(
            select(DrawAttachment.id).where(
                DrawAttachment.draw_id == draw.id, DrawAttachment.sha256 == sha
            )
        ):
            raise DomainError("同一文件已上传过，无需重复上传", field="文件")
        final = folder / f"{sha}{EXTENSIONS[content_type][0]}"
        # link() fails if the file exists, so a stored file is never replaced; an existing one
        # holds the same bytes (left by an upload whose transaction was rolled back).
        with contextlib.suppress(FileExistsError):
            os.link(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    row = DrawAttachment(
        draw_id=draw.id,
        kind=kind,
        filename=named_for(filename, content_type),
        content_type=content_type,
        size=size,
        sha256=sha,
        stored_as=f"draws/{draw.id}/{final.name}",
        uploaded_by=actor.name[:60],
    )
    session.add(row)
    session.flush()
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
    return upload_dir / row.stored_as
