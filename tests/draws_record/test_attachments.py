"""Ceremony files: type by magic bytes, size limits, stored by hash, never overwritten."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.config import get_settings
from spotcheck.draws import attachments
from spotcheck.draws.models import DrawStatus
from spotcheck.errors import DomainError
from tests.draws_record.conftest import Made

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 200
PDF = b"%PDF-1.7\n" + b"\x02" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x03" * 200


def test_it_stores_a_photo_by_its_hash_with_an_audit_event(
    db: Session, made: Made, tmp_path: Path
) -> None:
    row = attachments.add(
        db,
        SYSTEM,
        made.draw,
        tmp_path,
        kind="photo",
        filename="../现场.jpg",
        source=io.BytesIO(JPEG),
    )
    db.commit()
    stored = attachments.path_of(tmp_path, row)
    assert stored.read_bytes() == JPEG
    assert stored.parent == tmp_path / "draws" / str(made.draw.id)
    assert stored.name == f"{row.sha256}.jpg" and row.size == len(JPEG)
    assert row.filename == "现场.jpg" and row.content_type == "image/jpeg"
    assert not [p for p in stored.parent.iterdir() if p.name.startswith(".")]
    actions = db.scalars(select(AuditEvent.action)).all()
    assert "draw.attachment" in actions


def test_it_accepts_each_kind_by_content_not_by_name(
    db: Session, made: Made, tmp_path: Path
) -> None:
    for kind, data in (("photo", PNG), ("video", MP4), ("signed_record", PDF)):
        row = attachments.add(
            db, SYSTEM, made.draw, tmp_path, kind=kind, filename="x.bin", source=io.BytesIO(data)
        )
        assert row.content_type in attachments.ALLOWED[kind]
    with pytest.raises(DomainError, match=r"现场录像只接受 MP4、MOV（本文件“v\.mp4”内容为 JPEG"):
        attachments.add(
            db, SYSTEM, made.draw, tmp_path, kind="video", filename="v.mp4", source=io.BytesIO(JPEG)
        )
    with pytest.raises(
        DomainError, match=r"现场照片只接受 JPEG、PNG、HEIC、WebP（.*内容为 GIF 图片"
    ):
        attachments.add(
            db,
            SYSTEM,
            made.draw,
            tmp_path,
            kind="photo",
            filename="a.jpg",
            source=io.BytesIO(b"GIF89a"),
        )


def test_it_refuses_too_large_files_and_leaves_nothing_behind(
    db: Session, made: Made, tmp_path: Path
) -> None:
    big = PDF + b"\x00" * (get_settings().upload_max_scan_mb * 1024 * 1024)
    with pytest.raises(
        DomainError,
        match=r"文件过大：签字的抽取记录扫描件不能超过 30 MB（本文件“s\.pdf”超过 30 MB）",
    ):
        attachments.add(
            db,
            SYSTEM,
            made.draw,
            tmp_path,
            kind="signed_record",
            filename="s.pdf",
            source=io.BytesIO(big),
        )
    assert list((tmp_path / "draws" / str(made.draw.id)).iterdir()) == []


def test_it_never_overwrites_or_duplicates_a_stored_file(
    db: Session, made: Made, tmp_path: Path
) -> None:
    row = attachments.add(
        db, SYSTEM, made.draw, tmp_path, kind="photo", filename="a.jpg", source=io.BytesIO(JPEG)
    )
    db.commit()
    with pytest.raises(DomainError, match="已上传过"):
        attachments.add(
            db, SYSTEM, made.draw, tmp_path, kind="photo", filename="b.jpg", source=io.BytesIO(JPEG)
        )
    db.rollback()
    assert attachments.path_of(tmp_path, row).read_bytes() == JPEG


def test_it_refuses_files_before_the_commit(db: Session, made: Made, tmp_path: Path) -> None:
    made.draw.status = DrawStatus.PREPARED
    with pytest.raises(DomainError, match="尚未开始"):
        attachments.add(
            db, SYSTEM, made.draw, tmp_path, kind="photo", filename="a.jpg", source=io.BytesIO(JPEG)
        )


# A polyglot: the PNG signature, then an HTML page that runs a script if anything renders it as HTML.
POLYGLOT = (
    b"\x89PNG\r\n\x1a\n"
    + b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
)


def test_it_names_and_stores_a_file_by_the_type_its_content_shows(
    db: Session, made: Made, tmp_path: Path
) -> None:
    row = attachments.add(
        db,
        SYSTEM,
        made.draw,
        tmp_path,
        kind="photo",
        filename="poly.html",
        source=io.BytesIO(POLYGLOT),
    )
    db.commit()
    assert row.content_type == "image/png" and row.filename == "poly.png"
    stored = attachments.path_of(tmp_path, row)
    assert stored.name == f"{row.sha256}.png" and stored.read_bytes() == POLYGLOT
    names = {
        ("photo.png.html", "image/png"): "photo.png",
        ("现场.JPEG", "image/jpeg"): "现场.JPEG",
        ("scan", "application/pdf"): "scan.pdf",
        ("clip.svg", "video/mp4"): "clip.mp4",
        (".html", "image/png"): ".html.png",
        ("x.html.", "image/jpeg"): "x.html.jpg",
    }
    assert {key: attachments.named_for(*key) for key in names} == names
