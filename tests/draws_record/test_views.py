"""The public portal of published draws and the internal downloads (attachments, auditor record)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.draws import attachments, publish
from spotcheck.draws.models import DrawAttachment
from spotcheck.sampling import verify_record
from tests.conftest import Org, csrf_of, login
from tests.draws_record.conftest import FOCUS_NAME, Made
from tests.draws_record.test_attachments import JPEG, MP4, POLYGLOT


def _publish(db: Session, made: Made) -> None:
    publish.publish(db, SYSTEM, made.draw)
    db.commit()


def test_it_lists_and_shows_published_draws_to_anyone(
    client: TestClient, db: Session, made: Made
) -> None:
    assert made.draw.code not in client.get("/public/draws").text
    assert client.get(f"/public/draws/{made.draw.code}").status_code == 404
    _publish(db, made)
    listing = client.get("/public/draws")
    assert listing.status_code == 200 and made.draw.code in listing.text
    assert "双随机、一公开 公示" in listing.text and "甲市局" in listing.text
    page = client.get(f"/public/draws/{made.draw.code}")
    assert page.status_code == 200
    text = page.text
    assert made.draw.digest in text and "31415926535897932384" in text
    for key in made.selected_keys:
        assert key in text
    assert "鲁C-08" in text and "执法员" in text
    for target in made.unselected:
        assert target.key not in text
    assert FOCUS_NAME not in text and "其他检查对象" not in text
    assert not any(i.phone in text for i in made.inspectors)
    assert "退出" not in text  # no navigation for logged-in users


def test_it_serves_a_public_record_that_verifies_and_the_pdf_and_the_script(
    client: TestClient, db: Session, made: Made, tmp_path: Path
) -> None:
    _publish(db, made)
    response = client.get(f"/public/draws/{made.draw.code}/record.json")
    assert response.status_code == 200
    record = json.loads(response.content)
    assert verify_record(record).ok
    assert set(record["openings"]) == {c for cs in record["selected"].values() for c in cs}
    pdf = client.get(f"/public/draws/{made.draw.code}/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    script = client.get("/public/verifier.py")
    assert script.status_code == 200 and "SSJ-DRAW-1 public verifier" in script.text


def test_it_lets_users_in_scope_download_an_attachment(
    client: TestClient, db: Session, org: Org, made: Made, make_user, app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update={"upload_dir": tmp_path})
    row = attachments.add(
        db,
        SYSTEM,
        made.draw,
        tmp_path,
        kind="photo",
        filename="现场照片.jpg",
        source=io.BytesIO(JPEG),
    )
    db.commit()
    path = f"/draws/{made.draw.id}/attachments/{row.id}"
    assert client.get(path, follow_redirects=False).status_code == 303
    make_user("officer", org.own, Role.OFFICER)
    make_user("outsider", org.other, Role.ADMIN)
    login(client, "officer")
    response = client.get(path)
    assert response.status_code == 200 and response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["x-content-type-options"] == "nosniff"
    login(client, "outsider")
    assert client.get(path).status_code == 404


def test_it_serves_an_uploaded_polyglot_as_the_image_it_claims_to_be(
    client: TestClient, db: Session, org: Org, made: Made, make_user, app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # "poly.html": a PNG header and an HTML body, uploaded through the draw page as a photo.
    app.state.settings = app.state.settings.model_copy(update={"upload_dir": tmp_path})
    make_user("officer", org.own, Role.OFFICER)
    login(client, "officer")
    uploaded = client.post(
        f"/draws/{made.draw.id}/attachments",
        data={"kind": "photo", "csrf_token": csrf_of(client, f"/draws/{made.draw.id}")},
        files={"file": ("poly.html", POLYGLOT, "text/html")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    row = db.scalars(select(DrawAttachment).where(DrawAttachment.draw_id == made.draw.id)).one()
    assert row.filename == "poly.png" and row.content_type == "image/png"
    assert [p.name for p in (tmp_path / "draws" / str(made.draw.id)).iterdir()] == [
        f"{row.sha256}.png"
    ]
    page = client.get(f"/draws/{made.draw.id}").text
    assert "poly.png" in page and "poly.html" not in page
    response = client.get(f"/draws/{made.draw.id}/attachments/{row.id}")
    assert response.status_code == 200 and response.content == POLYGLOT
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == 'inline; filename="poly.png"'
    # A video is never shown inline: it is downloaded under its .mp4 name.
    video = attachments.add(
        db, SYSTEM, made.draw, tmp_path, kind="video", filename="现场.html", source=io.BytesIO(MP4)
    )
    db.commit()
    clip = client.get(f"/draws/{made.draw.id}/attachments/{video.id}")
    assert clip.headers["content-type"] == "video/mp4"
    assert clip.headers["content-disposition"].startswith("attachment;")
    assert clip.headers["content-disposition"].endswith(".mp4")
    assert clip.headers["x-content-type-options"] == "nosniff"


def test_it_gives_the_auditor_record_to_leaders_in_scope_with_an_audit_event(
    client: TestClient, db: Session, org: Org, made: Made, make_user
) -> None:  # type: ignore[no-untyped-def]
    path = f"/draws/{made.draw.id}/record-auditor.json"
    make_user("officer", org.own, Role.OFFICER)
    make_user("chief", org.root, Role.LEADER)
    make_user("elsewhere", org.other, Role.LEADER)
    login(client, "officer")
    assert client.get(path).status_code == 403
    login(client, "elsewhere")
    assert client.get(path).status_code == 404
    login(client, "chief")
    response = client.get(path)
    assert response.status_code == 200
    record = json.loads(response.content)
    assert record["audience"] == "auditor"
    assert {made.key_of(c) for c in record["openings"]} == {t.key for t in made.targets}
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "draw.auditor_record")).all()
    assert len(events) == 1 and events[0].actor_name == "CHIEF"


def test_it_publishes_the_commitment_before_the_result(
    client: TestClient, db: Session, made: Made
) -> None:
    # Computed but not published: the digest and the entropy plan are public, the result is not.
    page = client.get("/public/commitments")
    assert page.status_code == 200
    row = page.text.split(made.draw.code, 1)[1].split("</tr>", 1)[0]
    assert made.draw.digest in row and "掷骰 20 位" in row and "待公开" in row
    for key in made.selected_keys:
        assert key not in page.text
    _publish(db, made)
    row = client.get("/public/commitments").text.split(made.draw.code, 1)[1].split("</tr>", 1)[0]
    assert "已公开" in row
