"""The one store of uploaded files: photos, video, PDF and scans (evidence of a visit, the files
of a draw's ceremony).

- A file's type is decided by its content (first bytes), never by its name or the browser's
  claim: JPEG, PNG, HEIC/HEIF, WebP, MP4/MOV (ISO `ftyp` box with a known brand) and PDF; anything
  else (HTML, SVG, scripts, programs, Office files, …) is refused, whatever it is called.
- Each kind has a size limit (settings `UPLOAD_MAX_<KIND>_MB`); the upload is read in chunks and
  refused as soon as the limit is passed, never read whole into memory.
- The SHA-256 is computed while the file is written to a temporary file, which is fsync'ed and
  then hard-linked to `<UPLOAD_DIR>/<area>/<owner>/<sha256>.<extension of the type>`: a link
  never replaces an existing file (a rename would), so a stored file is written once and never
  overwritten; an identical file already there is reused after its hash is checked.
- The store writes no row: the caller records the returned `StoredFile` in its own row (the
  columns of `files.models.StoredFileColumns`) with its own audit event, in its transaction.
  A file whose transaction is rolled back stays on disk unreferenced (and is reused if uploaded
  again); nothing is deleted.
- `open_verified` re-hashes the file every time it is served: a missing or altered file is
  refused (410 / 409) with an audit event (`file.missing` / `file.tampered`) naming the path and
  both hashes; the refusal's transaction is committed, so the event stays (`errors.Refused`).

All of it is the platform's rule (细则未规定): the rulebooks ask for evidence (000 第十三条,
002 第十五条) but say nothing of how files are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor, record
from spotcheck.config import Settings, get_settings
from spotcheck.db import utcnow
from spotcheck.errors import DomainError, Refused

MB = 1024 * 1024  # as phones and Windows count a "MB"
CHUNK = MB

JPEG, PNG, HEIC, WEBP = "image/jpeg", "image/png", "image/heic", "image/webp"
MP4, MOV, PDF = "video/mp4", "video/quicktime", "application/pdf"
# content type -> (its name in messages, extensions; the first one is the stored file's)
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    JPEG: ("JPEG", (".jpg", ".jpeg")),
    PNG: ("PNG", (".png",)),
    HEIC: ("HEIC", (".heic", ".heif")),
    WEBP: ("WebP", (".webp",)),
    MP4: ("MP4", (".mp4", ".m4v")),
    MOV: ("MOV", (".mov",)),
    PDF: ("PDF", (".pdf",)),
}
# kind -> (its name in messages, the content types it accepts); limits are settings.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "photo": ("照片", (JPEG, PNG, HEIC, WEBP)),
    "video": ("视频", (MP4, MOV)),
    "pdf": ("PDF 文件", (PDF,)),
    "scan": ("扫描件", (PDF, JPEG, PNG, HEIC, WEBP)),
}
# Shown in the browser (images and PDF); the rest is a download. Nothing is ever served as HTML.
INLINE = frozenset({JPEG, PNG, WEBP, PDF})

# ISO base media file brands (bytes 8-12 of an `ftyp` box, and the compatible brands after).
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "}
    | {b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"mmp4", b"MSNV", b"XAVC", b"dash", b"f4v "}
)
MOV_BRANDS = frozenset({b"qt  "})


def sniff(head: bytes) -> str | None:
    """The accepted content type the first bytes show, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_media(head)
    return None


def _iso_media(head: bytes) -> str | None:
    """HEIC, MOV or MP4 by the brands of the `ftyp` box (major brand first)."""
    size = int.from_bytes(head[:4], "big")
    end = min(max(size, 16), len(head))
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    for brand in brands:
        if brand in HEIF_BRANDS:
            return HEIC
        if brand in MOV_BRANDS:
            return MOV
        if brand in MP4_BRANDS:
            return MP4
    return None


def describe(head: bytes) -> str:
    """What a refused file's content is, for the message: 'HTML', 'SVG', 'EXE 程序', …"""
    found = sniff(head)
    if found is not None:
        return TYPES[found][0]
    if not head:
        return "空文件"
    text = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "SVG"
    if text.startswith((b"<!doctype html", b"<html")) or b"<script" in text or b"<body" in text:
        return "HTML"
    if text.startswith(b"<?xml"):
        return "XML"
    if head.startswith(b"MZ"):
        return "Windows 可执行程序（EXE）"
    if head.startswith(b"\x7fELF"):
        return "可执行程序（ELF）"
    if head.startswith(b"#!"):
        return "脚本"
    if head.startswith(b"PK\x03\x04"):
        return "ZIP 压缩包（含 Word/Excel 文档）"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF 图片"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return f"不支持的媒体格式（{head[8:12].decode('latin-1').strip()}）"
    try:
        head[:2048].decode("utf-8")
    except UnicodeDecodeError:
        return "无法识别的格式"
    return "文本"


class FileTooLarge(DomainError):
    """An upload past its kind's size limit."""

    status_code = 413


class FileTampered(Refused):
    """A stored file whose bytes no longer have its recorded SHA-256 (an audit event is kept)."""


class FileMissing(FileTampered):
    """A stored file that is no longer there (an audit event is kept)."""

    status_code = 410


@dataclass(frozen=True)
class StoredFile:
    """One stored file, for the caller to record in its row (`StoredFileColumns`)."""

    kind: str
    filename: str  # the shown name, with the extension of the detected type
    content_type: str
    size: int
    sha256: str
    stored_as: str  # the path under the store's root: <area>/<owner>/<sha256>.<ext>
    uploaded_by: str
    uploaded_at: dt.datetime

    def columns(self) -> dict[str, Any]:
        """The values of `StoredFileColumns`."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "stored_as": self.stored_as,
            "uploaded_by": self.uploaded_by,
            "uploaded_at": self.uploaded_at,
        }


class StoredRef(Protocol):
    """What serving a stored file needs of the row that records it."""

    @property
    def filename(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def stored_as(self) -> str: ...


def limits(settings: Settings) -> dict[str, int]:
    """The size limit of each kind in bytes (settings UPLOAD_MAX_<KIND>_MB)."""
    return {
        "photo": settings.upload_max_photo_mb * MB,
        "video": settings.upload_max_video_mb * MB,
        "pdf": settings.upload_max_pdf_mb * MB,
        "scan": settings.upload_max_scan_mb * MB,
    }


def clean_name(filename: str) -> str:
    """The last part of a path, without control characters, at most 200 characters."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or "未命名文件"


def named_for(filename: str, content_type: str) -> str:
    """The name with the extension of the detected type: 'poly.html' holding a PNG → 'poly.png'."""
    name = clean_name(filename)
    allowed = TYPES[content_type][1] if content_type in TYPES else (".bin",)
    suffix = PurePosixPath(name).suffix
    if suffix.lower() in allowed:
        return name
    stem = name[: -len(suffix)] if suffix else name
    if PurePosixPath(stem).suffix.lower() in allowed:
        return stem  # "photo.png.html" → "photo.png"
    return (stem.rstrip(".") or "附件")[:190] + allowed[0]


def _size(n: int) -> str:
    """MB to one decimal, rounded up: a file just past 1 MB is "1.1 MB", never "1.0 MB"."""
    return f"{math.ceil(n * 10 / MB) / 10:.1f} MB"


def _segment(value: object, what: str) -> str:
    text = str(value)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", text):
        raise ValueError(f"invalid {what} for the file store: {text!r}")
    return text


def store(
    session: Session,
    actor: Actor,
    *,
    area: str,
    owner_id: int | str,
    stream: IO[bytes],
    filename: str,
    kinds: Sequence[str],
    field: str = "文件",
    size_hint: int | None = None,
    settings: Settings | None = None,
    root: Path | None = None,
) -> StoredFile:
    """Store one upload under <root>/<area>/<owner_id>/ and return what the caller records.

    `kinds` are the kinds the field accepts (the first that accepts the detected type is the
    file's); `field` names the field in messages; `size_hint` (the upload's size, if the server
    knows it) refuses an oversized file before anything is read past its first chunk. `session`
    is used only to record a tampered file found where the upload would be stored."""
    settings = settings or get_settings()
    root = root if root is not None else settings.upload_dir
    folder = root / _segment(area, "area") / _segment(owner_id, "owner")
    name = clean_name(filename)
    head = stream.read(CHUNK)
    content_type = sniff(head)
    kind = next((k for k in kinds if content_type in KINDS[k][1]), None)
    if content_type is None or kind is None:
        accepted = "、".join(dict.fromkeys(TYPES[t][0] for k in kinds for t in KINDS[k][1]))
        raise DomainError(
            f"不支持的文件类型：{field}只接受 {accepted}（本文件“{name}”内容为 {describe(head)}，"
            "按文件内容判断，与文件名无关）",
            field=field,
        )
    limit = limits(settings)[kind]
    # "现场照片不能超过…" for a field of one kind, "现场证据中的照片不能超过…" for a mixed one.
    what = field if len(kinds) == 1 else f"{field}中的{KINDS[kind][0]}"

    def too_large(size: str) -> FileTooLarge:
        return FileTooLarge(
            f"文件过大：{what}不能超过 {limit // MB} MB（本文件“{name}”{size}）", field=field
        )

    if size_hint is not None and size_hint > limit:
        raise too_large(f"为 {_size(size_hint)}")
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
                    raise too_large(f"超过 {limit // MB} MB")
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o444)  # read-only: a stored file is never written again
        sha = digest.hexdigest()
        final = folder / f"{sha}{TYPES[content_type][1][0]}"
        try:
            # link() refuses an existing name, so a stored file is never replaced (rename would).
            os.link(temp, final)
        except FileExistsError:
            # The same bytes were stored before (maybe by a rolled-back upload): reuse the
            # file if it still has them, refuse (with an audit event) if it was altered.
            relative = final.relative_to(root).as_posix()
            with _open_checked(session, actor, final, relative, sha, None):
                pass
        _fsync_dir(folder)
    finally:
        temp.unlink(missing_ok=True)
    return StoredFile(
        kind=kind,
        filename=named_for(name, content_type),
        content_type=content_type,
        size=size,
        sha256=sha,
        stored_as=final.relative_to(root).as_posix(),
        uploaded_by=actor.name[:60],
        uploaded_at=utcnow(),
    )


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


@dataclass
class VerifiedFile:
    """An open stored file whose bytes were just checked against its SHA-256 (positioned at 0)."""

    handle: IO[bytes]
    size: int
    content_type: str
    filename: str
    sha256: str

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes in chunks; closes the file at the end."""
        try:
            while chunk := self.handle.read(CHUNK):
                yield chunk
        finally:
            self.handle.close()

    def __enter__(self) -> VerifiedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def path_of(stored: StoredRef, root: Path) -> Path:
    """Where a stored file lies (never outside the root, whatever the row says)."""
    path = (root / stored.stored_as).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"stored path outside the file store: {stored.stored_as!r}")
    return path


def open_verified(
    session: Session,
    actor: Actor,
    stored: StoredRef,
    *,
    object_type: str = "",
    object_id: int | str = "",
    settings: Settings | None = None,
    root: Path | None = None,
) -> VerifiedFile:
    """Open a stored file to serve it, after re-hashing it: a missing file raises FileMissing
    (410), altered bytes FileTampered (409), each after recording an audit event in `session`
    (`object_type`/`object_id` name the row that records the file)."""
    root = root if root is not None else (settings or get_settings()).upload_dir
    path = path_of(stored, root)
    return _open_checked(
        session, actor, path, stored.stored_as, stored.sha256, stored, object_type, object_id
    )


def _open_checked(
    session: Session,
    actor: Actor,
    path: Path,
    relative: str,
    expected: str,
    stored: StoredRef | None,
    object_type: str = "",
    object_id: int | str = "",
) -> VerifiedFile:
    shown = stored.filename if stored is not None else relative
    where = {"path": relative, "expected_sha256": expected}
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        record(
            session,
            actor,
            "file.missing",
            object_type=object_type,
            object_id=object_id,
            summary=f"文件“{shown}”缺失（{relative}），拒绝提供",
            after=where,
        )
        raise FileMissing(
            f"文件“{shown}”已不在存储目录中，无法提供；已记入审计日志，请联系系统管理员从备份恢复"
        ) from None
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    except BaseException:
        handle.close()
        raise
    actual = digest.hexdigest()
    if actual != expected:
        handle.close()
        record(
            session,
            actor,
            "file.tampered",
            object_type=object_type,
            object_id=object_id,
            summary=f"文件“{shown}”的 SHA-256 与登记值不符（{relative}），疑被改动，拒绝提供",
            after={**where, "actual_sha256": actual, "size": size},
        )
        raise FileTampered(
            f"文件“{shown}”的内容与上传时登记的 SHA-256 不符（可能已被改动），拒绝提供；"
            "已记入审计日志，请联系系统管理员从备份恢复"
        )
    handle.seek(0)
    content_type = stored.content_type if stored is not None else ""
    return VerifiedFile(handle, size, content_type, shown, actual)


def accept(kinds: Sequence[str]) -> str:
    """The `accept` attribute of a file input for these kinds (types and their extensions, for
    phones that do not map HEIC to its MIME type)."""
    types = dict.fromkeys(t for k in kinds for t in KINDS[k][1])
    extensions = dict.fromkeys(e for t in types for e in TYPES[t][1])
    return ",".join([*types, *extensions])


def rules_text(kinds: Sequence[str], settings: Settings | None = None) -> str:
    """What a field accepts, for the page: '照片（JPEG、PNG、HEIC、WebP）不超过 20 MB；…'."""
    sizes = limits(settings or get_settings())
    return "；".join(
        f"{KINDS[k][0]}（{'、'.join(TYPES[t][0] for t in KINDS[k][1])}）不超过 {sizes[k] // MB} MB"
        for k in kinds
    )


# Room for the multipart framing and the form's other fields of one upload request.
FORM_OVERHEAD = 64 * 1024


def refuse_oversized_request(
    content_length: str | None,
    kinds: Sequence[str],
    *,
    field: str = "文件",
    settings: Settings | None = None,
) -> None:
    """Refuse an upload request whose declared length already passes the largest limit of the
    field's kinds, before the server reads (and spools) its body."""
    try:
        declared = int(content_length or "")
    except ValueError:
        return
    sizes = limits(settings or get_settings())
    largest = max(sizes[k] for k in kinds)
    if declared > largest + FORM_OVERHEAD:
        raise FileTooLarge(
            f"文件过大：{field}不能超过 {largest // MB} MB（本次上传为 {_size(declared)}）",
            field=field,
        )
