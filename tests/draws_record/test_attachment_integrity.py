"""A ceremony file altered or removed on disk is refused when served, with an audit event; an
upload of the wrong type or size is refused on the page with the store's Chinese message."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.draws import attachments
from spotcheck.draws.models import DrawAttachment
from tests.conftest import Org, csrf_of, login
from tests.draws_record.conftest import Made
from tests.draws_record.test_attachments import JPEG, PDF


def _events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_altered_or_missing_attachment_is_refused_with_an_audit_event(
    client: TestClient, db: Session, org: Org, made: Made, make_user, app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update={"upload_dir": tmp_path})
    photo, scan = (
        attachments.add(
            db, SYSTEM, made.draw, tmp_path, kind=kind, filename=name, source=io.BytesIO(data)
        )
        for kind, name, data in (("photo", "现场.jpg", JPEG), ("signed_record", "记录.pdf", PDF))
    )
    db.commit()
    make_user("officer", org.own, Role.OFFICER)
    login(client, "officer")
    url = f"/draws/{made.draw.id}/attachments/{photo.id}"
    assert client.get(url).content == JPEG
    stored = attachments.path_of(tmp_path, photo)
    stored.chmod(0o644)
    stored.write_bytes(JPEG[:-1] + b"!")
    refused = client.get(url)
    assert refused.status_code == 409
    assert "SHA-256 不符" in refused.text and JPEG not in refused.content
    (event,) = _events(db, "file.tampered")
    assert (event.object_type, event.object_id) == ("draw", str(made.draw.id))
    assert event.after is not None and event.after["expected_sha256"] == photo.sha256
    assert event.after["path"] == photo.stored_as
    assert event.actor_id is not None  # the officer who asked for it

    attachments.path_of(tmp_path, scan).unlink()
    gone = client.get(f"/draws/{made.draw.id}/attachments/{scan.id}")
    assert gone.status_code == 410 and "已不在存储目录中" in gone.text
    assert len(_events(db, "file.missing")) == 1


def test_the_page_refuses_a_disguised_or_oversized_upload_in_chinese(
    client: TestClient, db: Session, org: Org, made: Made, make_user, app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update={"upload_dir": tmp_path})
    make_user("officer", org.own, Role.OFFICER)
    login(client, "officer")
    token = csrf_of(client, f"/draws/{made.draw.id}")
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    refused = client.post(
        f"/draws/{made.draw.id}/attachments",
        data={"kind": "photo", "csrf_token": token},
        files={"file": ("现场.jpg", html, "image/jpeg")},
    )
    assert refused.status_code == 400
    assert "不支持的文件类型：现场照片只接受 JPEG、PNG、HEIC、WebP" in refused.text
    assert "内容为 HTML" in refused.text
    limit = app.state.settings.upload_max_photo_mb
    big = JPEG + b"\x00" * (limit * 1024 * 1024)
    too_large = client.post(
        f"/draws/{made.draw.id}/attachments",
        data={"kind": "photo", "csrf_token": token},
        files={"file": ("大.jpg", big, "image/jpeg")},
    )
    assert too_large.status_code == 413
    assert (
        f"文件过大：现场照片不能超过 {limit} MB（本文件“大.jpg”为 {limit}.1 MB）" in too_large.text
    )
    assert db.scalars(select(DrawAttachment)).all() == []


def test_a_body_past_every_limit_is_refused_before_it_is_read(
    client: TestClient, db: Session, org: Org, made: Made, make_user, app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    small = {f"upload_max_{k}_mb": 1 for k in ("photo", "video", "pdf", "scan")}
    app.state.settings = app.state.settings.model_copy(update={"upload_dir": tmp_path, **small})
    make_user("officer", org.own, Role.OFFICER)
    login(client, "officer")
    token = csrf_of(client, f"/draws/{made.draw.id}")
    photo = JPEG + b"\x00" * (1024 * 1024)  # past 1 MB: refused by the store (size known)
    refused = client.post(
        f"/draws/{made.draw.id}/attachments",
        data={"kind": "photo", "csrf_token": token},
        files={"file": ("p.jpg", photo, "image/jpeg")},
    )
    assert (
        refused.status_code == 413
        and "现场照片不能超过 1 MB（本文件“p.jpg”为 1.1 MB）" in refused.text
    )
    body = JPEG + b"\x00" * (3 * 1024 * 1024)  # past every kind's limit: refused unread
    early = client.post(
        f"/draws/{made.draw.id}/attachments",
        data={"kind": "video", "csrf_token": token},
        files={"file": ("v.mp4", body, "video/mp4")},
    )
    assert early.status_code == 413
    assert "文件过大：现场材料不能超过 1 MB（本次上传为 3.1 MB）" in early.text
    assert not (tmp_path / "draws").exists()
