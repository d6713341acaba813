"""The rulebook JSON API: profiles with warnings, validation naming lines, adoption by department."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.rulebooks import service as rulebooks_service
from tests.conftest import Org, csrf_of, post_form
from tests.rulebooks.conftest import BREAKAGES, BUILTIN, line_of

ZIBO = rulebooks_service.builtin_text("zibo-gxj")


def _json_post(client: TestClient, path: str, body: object) -> object:
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client, "/")})


def test_it_lists_and_serves_profiles_with_warnings(admin: TestClient, db: Session) -> None:
    rulebooks_service.copy(db, SYSTEM, "luan-daj", "luan-2026")
    db.commit()
    listed = admin.get("/api/v1/rulebooks").json()
    assert [r["code"] for r in listed] == [*BUILTIN, "luan-2026"]
    zibo = next(r for r in listed if r["code"] == "zibo-gxj")
    assert zibo["expired"] is True and zibo["effective_until"] == "2025-06-05"
    assert listed[-1]["based_on"] == "luan-daj" and listed[-1]["builtin"] is False
    detail = admin.get("/api/v1/rulebooks/zibo-gxj").json()
    assert detail["profile"]["exclusions"]["frequency"][0]["max_checks"] == 2
    assert detail["profile"]["exclusions"]["frequency"][0]["article"] == "002 第十二条第一款"
    assert len(detail["warnings"]) == 1 and "2025-06-05" in detail["warnings"][0]
    assert admin.get("/api/v1/rulebooks/luan-daj").json()["warnings"] == []
    assert admin.get("/api/v1/rulebooks/nope").status_code == 404


def test_it_validates_a_text_naming_each_problems_line(admin: TestClient) -> None:
    ok = _json_post(admin, "/api/v1/rulebooks/validate", {"text": ZIBO}).json()  # type: ignore[attr-defined]
    assert ok == {"ok": True, "code": "zibo-gxj", "problems": []}
    for what, breaks, needle, words in BREAKAGES:
        broken = breaks(ZIBO)
        answer = _json_post(admin, "/api/v1/rulebooks/validate", {"text": broken}).json()  # type: ignore[attr-defined]
        assert answer["ok"] is False, what
        (problem,) = answer["problems"]
        assert problem["line"] == line_of(broken, needle), what
        assert words in problem["message"], what
    syntax = _json_post(admin, "/api/v1/rulebooks/validate", {"text": "[profile\n"}).json()  # type: ignore[attr-defined]
    assert syntax["ok"] is False and syntax["problems"][0]["line"] == 1


def test_it_tells_which_profile_a_department_uses(
    admin: TestClient, coordinator: TestClient, db: Session, org: Org
) -> None:
    rulebooks_service.adopt(db, SYSTEM, org.own, "zibo-gxj")
    db.commit()
    child = coordinator.get(f"/api/v1/departments/{org.child.id}/rulebook").json()
    assert child["profile_code"] == "zibo-gxj" and child["inherited"] is True
    assert child["adopted_by_department_id"] == org.own.id
    own = coordinator.get(f"/api/v1/departments/{org.own.id}/rulebook").json()
    assert own["inherited"] is False
    assert coordinator.get(f"/api/v1/departments/{org.other.id}/rulebook").status_code == 404
    other = admin.get(f"/api/v1/departments/{org.other.id}/rulebook").json()
    assert other["profile_code"] is None


def test_it_answers_bearer_tokens(app, admin: TestClient) -> None:  # type: ignore[no-untyped-def]
    page = post_form(admin, "/account/tokens", {"name": "省级平台"}, "/account/tokens")
    token = page.text.split('id="new-token">')[1].split("<")[0]  # type: ignore[attr-defined]
    machine = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    assert len(machine.get("/api/v1/rulebooks", headers=headers).json()) == 5
    checked = machine.post("/api/v1/rulebooks/validate", json={"text": ZIBO}, headers=headers)
    assert checked.json()["ok"] is True
    assert machine.get("/api/v1/rulebooks").status_code == 401
