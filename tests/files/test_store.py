"""The file store: type by content, size limit while streaming, write-once, re-hash on serve."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.config import Settings
from spotcheck.errors import DomainError
from spotcheck.files import store
from spotcheck.files.serving import file_response
from spotcheck.files.store import FileMissing, FileTampered, FileTooLarge, StoredFile

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 300
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 300
PDF = b"%PDF-1.7\n" + b"\x03" * 300
WEBP = b"RIFF\x24\x01\x00\x00WEBPVP8 " + b"\x04" * 300
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x05" * 300
HEIF_COMPAT = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf" + b"\x05" * 300
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x06" * 300
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x07" * 300
EVIDENCE = ("photo", "video", "pdf")


@pytest.fixture
def small(settings: Settings) -> Settings:
    """Limits of 1 MB for photos and 2 MB for video, so that a test passes them cheaply."""
    return settings.model_copy(update={"upload_max_photo_mb": 1, "upload_max_video_mb": 2})


def put(
    db: Session, root: Path, data: bytes, name: str = "x.bin", kinds=EVIDENCE, **kw
) -> StoredFile:  # type: ignore[no-untyped-def]
    return store.store(
        db,
        SYSTEM,
        area="visits",
        owner_id=7,
        stream=io.BytesIO(data),
        filename=name,
        kinds=kinds,
        field="现场证据",
        root=root,
        **kw,
    )


def test_it_accepts_each_kind_by_its_content(db: Session, tmp_path: Path) -> None:
    expected = {
        JPEG: ("photo", "image/jpeg", ".jpg"),
        PNG: ("photo", "image/png", ".png"),
        WEBP: ("photo", "image/webp", ".webp"),
        HEIC: ("photo", "image/heic", ".heic"),
        HEIF_COMPAT: ("photo", "image/heic", ".heic"),
        MP4: ("video", "video/mp4", ".mp4"),
        MOV: ("video", "video/quicktime", ".mov"),
        PDF: ("pdf", "application/pdf", ".pdf"),
    }
    for data, (kind, media, ext) in expected.items():
        stored = put(db, tmp_path, data, name="证据")
        assert (stored.kind, stored.content_type) == (kind, media)
        assert stored.filename == "证据" + ext
        assert stored.stored_as == f"visits/7/{stored.sha256}{ext}"
        assert (tmp_path / stored.stored_as).read_bytes() == data
        assert stored.size == len(data) and stored.uploaded_by == SYSTEM.name


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        (b"\xef\xbb\xbf  <html><body>hi</body></html>", "HTML"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "SVG"),
        (b"<svg onload=alert(1)>", "SVG"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "Windows 可执行程序（EXE）"),
        (b"#!/bin/sh\nrm -rf /\n", "脚本"),
        (b"PK\x03\x04\x14\x00" + b"\x00" * 50, "ZIP 压缩包"),
        (b"GIF89a\x01\x00", "GIF 图片"),
        (
            b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42"[:16] + b"\x00" * 8,
            "不支持的媒体格式",
        ),
        (b"", "空文件"),
    ],
)
def test_it_refuses_other_content_whatever_the_name(
    db: Session, tmp_path: Path, data: bytes, what: str
) -> None:
    with pytest.raises(DomainError) as caught:
        put(db, tmp_path, data, name="现场照片.jpg")
    message = caught.value.message
    assert message.startswith(
        "不支持的文件类型：现场证据只接受 JPEG、PNG、HEIC、WebP、MP4、MOV、PDF"
    )
    assert f"（本文件“现场照片.jpg”内容为 {what}" in message
    assert caught.value.field == "现场证据"
    assert not list(tmp_path.rglob("*.*"))


def test_it_refuses_an_accepted_type_the_field_does_not_take(db: Session, tmp_path: Path) -> None:
    with pytest.raises(DomainError, match=r"只接受 MP4、MOV（本文件“a\.mp4”内容为 JPEG"):
        put(db, tmp_path, JPEG, name="a.mp4", kinds=("video",))


class Endless(io.RawIOBase):
    """A stream of JPEG bytes that fails if read past `allowed` bytes (never read whole)."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        assert 0 < n <= store.CHUNK, "the store must read in bounded chunks"
        if self.given + n > self.allowed:
            raise AssertionError(f"read past {self.allowed} bytes")
        head = JPEG if self.given == 0 else b""
        data = (head + b"\x00" * n)[:n]
        self.given += n
        return data


def test_it_refuses_an_oversized_upload_without_reading_it_whole(
    db: Session, tmp_path: Path, small: Settings
) -> None:
    limit = 1 * store.MB
    stream = Endless(limit + store.CHUNK)
    with pytest.raises(FileTooLarge) as caught:
        store.store(
            db,
            SYSTEM,
            area="visits",
            owner_id=7,
            stream=stream,  # type: ignore[arg-type]
            filename="大照片.jpg",
            kinds=EVIDENCE,
            field="现场证据",
            settings=small,
            root=tmp_path,
        )
    assert caught.value.status_code == 413
    assert (
        caught.value.message
        == "文件过大：现场证据中的照片不能超过 1 MB（本文件“大照片.jpg”超过 1 MB）"
    )
    assert stream.given <= limit + store.CHUNK
    assert list((tmp_path / "visits" / "7").iterdir()) == []  # no temporary file left


def test_it_refuses_by_the_known_size_before_reading_on(
    db: Session, tmp_path: Path, small: Settings
) -> None:
    stream = Endless(store.CHUNK)  # only the first chunk may be read (to see the type)
    with pytest.raises(FileTooLarge) as caught:
        store.store(
            db,
            SYSTEM,
            area="visits",
            owner_id=7,
            stream=stream,  # type: ignore[arg-type]
            filename="p.jpg",
            kinds=EVIDENCE,
            field="现场证据",
            size_hint=int(18.2 * store.MB),
            settings=small,
            root=tmp_path,
        )
    assert caught.value.message.endswith("照片不能超过 1 MB（本文件“p.jpg”为 18.2 MB）")


def test_a_video_gets_the_video_limit(db: Session, tmp_path: Path, small: Settings) -> None:
    data = MP4 + b"\x00" * (int(1.5 * store.MB))
    stored = put(db, tmp_path, data, settings=small)  # past the photo limit, within video's
    assert stored.kind == "video" and stored.size == len(data)


def test_it_writes_once_and_reuses_an_identical_file(db: Session, tmp_path: Path) -> None:
    first = put(db, tmp_path, PNG, name="a.png")
    path = tmp_path / first.stored_as
    inode = path.stat().st_ino
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert path.stat().st_mode & 0o222 == 0  # read-only
    again = put(db, tmp_path, PNG, name="b.png")
    assert again.stored_as == first.stored_as and again.filename == "b.png"
    assert path.stat().st_ino == inode and path.read_bytes() == PNG
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_an_altered_copy_is_not_reused_nor_overwritten(db: Session, tmp_path: Path) -> None:
    first = put(db, tmp_path, PNG)
    path = tmp_path / first.stored_as
    path.chmod(0o644)
    path.write_bytes(PNG + b"evil")
    with pytest.raises(FileTampered):
        put(db, tmp_path, PNG)
    assert path.read_bytes() == PNG + b"evil"  # kept as found, for the investigation
    assert db.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())) == "file.tampered"


def test_it_serves_a_file_only_while_its_hash_holds(db: Session, tmp_path: Path) -> None:
    stored = put(db, tmp_path, PDF, name="../../通知书.pdf")
    assert stored.filename == "通知书.pdf"
    with store.open_verified(db, SYSTEM, stored, root=tmp_path) as verified:
        assert verified.handle.read() == PDF and verified.size == len(PDF)
    path = tmp_path / stored.stored_as
    path.chmod(0o644)
    path.write_bytes(PDF.replace(b"\x03", b"\x04", 1))
    with pytest.raises(FileTampered) as caught:
        store.open_verified(db, SYSTEM, stored, root=tmp_path, object_type="visit", object_id=3)
    assert caught.value.status_code == 409 and "SHA-256 不符" in caught.value.message
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None and event.action == "file.tampered"
    assert (event.object_type, event.object_id) == ("visit", "3")
    assert event.after is not None
    assert event.after["path"] == stored.stored_as
    assert event.after["expected_sha256"] == stored.sha256
    assert event.after["actual_sha256"] not in ("", stored.sha256)


def test_it_refuses_a_missing_file_with_an_audit_event(db: Session, tmp_path: Path) -> None:
    stored = put(db, tmp_path, JPEG)
    (tmp_path / stored.stored_as).unlink()
    with pytest.raises(FileMissing) as caught:
        store.open_verified(db, SYSTEM, stored, root=tmp_path)
    assert caught.value.status_code == 410 and "已不在存储目录中" in caught.value.message
    assert db.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())) == "file.missing"


def test_a_row_cannot_point_outside_the_store(db: Session, tmp_path: Path) -> None:
    stored = put(db, tmp_path, JPEG)
    forged = StoredFile(**{**stored.__dict__, "stored_as": "../../etc/passwd"})
    with pytest.raises(ValueError, match="outside the file store"):
        store.open_verified(db, SYSTEM, forged, root=tmp_path)
    with pytest.raises(ValueError, match="invalid area"):
        store.store(
            db,
            SYSTEM,
            area="../x",
            owner_id=1,
            stream=io.BytesIO(JPEG),
            filename="a",
            kinds=EVIDENCE,
            root=tmp_path,
        )


def body_of(response: StreamingResponse) -> bytes:
    async def collect() -> bytes:
        return b"".join([bytes(chunk) async for chunk in response.body_iterator])

    return asyncio.run(collect())


def test_it_serves_with_the_detected_type_and_a_safe_name(db: Session, tmp_path: Path) -> None:
    served = {}
    for data, name in ((JPEG, "现场 照片.html"), (MOV, "clip"), (PNG, "poly.png")):
        stored = put(db, tmp_path, data, name=name)
        response = file_response(store.open_verified(db, SYSTEM, stored, root=tmp_path))
        assert body_of(response) == data
        served[name] = dict(response.headers)
    photo = served["现场 照片.html"]
    assert photo["content-type"] == "image/jpeg"
    assert photo["x-content-type-options"] == "nosniff"
    assert photo["content-disposition"] == (
        "inline; filename=\"file.jpg\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.jpg"
    )
    assert photo["content-length"] == str(len(JPEG))
    clip = served["clip"]
    assert clip["content-type"] == "video/quicktime"
    assert clip["content-disposition"] == 'attachment; filename="clip.mov"'
    assert served["poly.png"]["content-disposition"] == 'inline; filename="poly.png"'
    assert all("html" not in h["content-type"] for h in served.values())
