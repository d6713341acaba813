"""The draws JSON API with bearer tokens: a whole ceremony, events, the record, refusals."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.audit.service import SYSTEM
from spotcheck.draws.models import Draw
from spotcheck.sampling import verify_record
from tests.draws_ceremony.conftest import audit_actions
from tests.draws_events.conftest import zibo_task


def _token(db: Session, username: str) -> dict[str, str]:
    user = accounts_service.get_by_username(db, username)
    assert user is not None
    _row, plain = accounts_service.create_api_token(db, SYSTEM, user, "数据对接")
    db.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_it_runs_a_ceremony_and_an_event_through_the_api(app: FastAPI, demo: Session) -> None:
    db, api = demo, TestClient(app)
    tid = zibo_task(db).id
    officer, outsider = _token(db, "officer"), _token(db, "xinzhou")
    made = api.post(f"/api/v1/tasks/{tid}/draw", headers=officer)
    assert made.status_code == 201, made.text
    did = made.json()["id"]
    assert api.get(f"/api/v1/draws/{did}", headers=outsider).status_code == 404
    assert api.post(f"/api/v1/draws/{did}/commit", headers=outsider).status_code == 404
    body = {"drand": False, "dice_digits": 4}
    assert api.post(f"/api/v1/draws/{did}/entropy", json=body, headers=officer).status_code == 200
    committed = api.post(f"/api/v1/draws/{did}/commit", headers=officer).json()
    assert committed["status"] == "committed" and len(committed["digest"]) == 64
    refused = api.post(f"/api/v1/draws/{did}/entropy", json=body, headers=officer)
    assert refused.status_code >= 400 and "承诺后" in refused.json()["detail"]
    person = {"name": "王监督", "kind": "综合法规科"}
    added = api.post(f"/api/v1/draws/{did}/witnesses", json=person, headers=officer).json()
    wid = added["witnesses"][0]["id"]
    dice = {"witness_id": wid, "digits": "3141"}
    assert api.post(f"/api/v1/draws/{did}/dice", json=dice, headers=officer).status_code == 200
    computed = api.post(f"/api/v1/draws/{did}/compute", headers=officer).json()
    assert computed["status"] == "computed" and computed["outcome"]
    first = computed["outcome"][0]
    event = {
        "type": "replace-inspector",
        "target_key": first["target_key"],
        "reason": "岗位调整",
        "inspector_key": first["inspectors"][0][1],
        "statement": "调岗",
    }
    missing = api.post(f"/api/v1/draws/{did}/events", json=event, headers=officer)
    assert missing.status_code >= 400 and "002 第十一条" in missing.json()["detail"]
    event["approved_by"] = "王科长"
    done = api.post(f"/api/v1/draws/{did}/events", json=event, headers=officer)
    assert done.status_code == 201, done.text
    assert done.json()["events"][0]["rule"].startswith("依据 002 第十一条")
    published = api.post(f"/api/v1/draws/{did}/publish", headers=officer).json()
    assert published["status"] == "published"
    record = api.get(f"/api/v1/draws/{did}/record", headers=officer).json()
    assert len(record["events"]) == 1 and verify_record(record).fully_verified
    db.expire_all()
    draw = db.get(Draw, did)
    assert draw is not None
    assert audit_actions(db, draw).count("draw.refused") == 2
