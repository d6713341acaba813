"""Every route declares an access rule; roles and department scoping hold on every page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.staticfiles import StaticFiles

from spotcheck.accounts.models import Role
from spotcheck.web.security import login_required, public, route_table, routes_without_rule
from tests.conftest import login, post_form


def test_it_has_a_rule_on_every_route_of_the_real_app(app: FastAPI) -> None:
    assert routes_without_rule(app) == []
    rules = {info.path: info.rule for info in route_table(app)}
    assert rules["/admin/users"] == "角色：系统管理员"
    assert rules["/healthz"] == "公开（无需登录）"
    assert rules["/"] == "已登录用户"


def test_it_catches_a_bare_route_on_a_throwaway_app(tmp_path) -> None:  # type: ignore[no-untyped-def]
    throwaway = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    router = APIRouter()

    @router.get("/guarded")
    def guarded(_user: object = Depends(login_required)) -> dict[str, str]:
        return {}

    @router.get("/open")
    def open_(_user: object = Depends(public)) -> dict[str, str]:
        return {}

    @router.post("/bare")
    def bare() -> dict[str, str]:
        return {}

    throwaway.include_router(router)
    throwaway.mount("/uploads", StaticFiles(directory=str(tmp_path)))
    assert routes_without_rule(throwaway) == ["POST /bare", "MOUNT /uploads"]
    # FastAPI's own documentation routes declare no rule either, so they are caught too.
    assert "ROUTE /docs" in routes_without_rule(FastAPI())


def test_it_sends_anonymous_visitors_of_every_page_to_login(
    app: FastAPI, client: TestClient
) -> None:
    checked = 0
    for info in route_table(app):
        if (
            info.rule is None
            or info.rule.startswith("公开")
            or "GET" not in info.methods
            or "{" in info.path
        ):
            continue
        response = client.get(info.path, follow_redirects=False)
        checked += 1
        if info.path.startswith("/api/"):
            assert response.status_code in (401, 422), info.path
        else:
            assert response.status_code == 303, info.path
            assert response.headers["location"].startswith("/login?next=")
    assert checked >= 6


def test_it_keeps_admin_pages_from_other_roles(client: TestClient, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("officer", org.own, Role.OFFICER)
    login(client, "officer")
    for path in ("/admin/users", "/admin/departments", "/admin/calendar", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "仅限系统管理员" in response.text


def test_it_hides_other_departments_behind_404(client: TestClient, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("owner", org.own, Role.ADMIN)
    member = make_user("member", org.child, Role.INSPECTOR)
    outsider = make_user("outsider", org.other, Role.INSPECTOR)
    login(client, "owner")
    assert client.get(f"/admin/users/{member.id}").status_code == 200
    assert client.get(f"/admin/departments/{org.child.id}").status_code == 200
    hidden = client.get(f"/admin/users/{outsider.id}")
    assert hidden.status_code == 404 and "无权查看" in hidden.text
    assert client.get(f"/admin/departments/{org.other.id}").status_code == 404
    assert client.get(f"/admin/departments/{org.root.id}").status_code == 404
    forged = post_form(
        client,
        f"/admin/users/{outsider.id}",
        {"full_name": "x", "department_id": org.own.id, "roles": "admin", "active": "on"},
    )
    assert forged.status_code == 404  # type: ignore[attr-defined]
    listing = client.get("/admin/users").text
    assert "member" in listing and "outsider" not in listing


def test_it_answers_the_api_for_logged_in_users_only(client: TestClient, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    assert client.get("/api/v1/me").status_code == 401
    login(client, "alice")
    me = client.get("/api/v1/me").json()
    assert me["department"] == "甲市局" and me["roles"] == ["officer"]
    answer = client.get(
        "/api/v1/calendar/add-workdays", params={"start": "2026-09-30", "n": 1}
    ).json()
    assert answer["result"] == "2026-10-08"
    missing = client.get("/api/v1/calendar/add-workdays", params={"start": "2026-12-25", "n": 5})
    assert missing.status_code == 400 and "2027" in missing.json()["detail"]
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/me" in schema["paths"]


def test_it_sends_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "httponly" in response.headers["set-cookie"].lower()


def test_it_lets_a_section_act_for_its_agency_only(client: TestClient, org, make_user, db) -> None:  # type: ignore[no-untyped-def]
    from spotcheck.targets.models import Target

    own = Target(department_id=org.own.id, key="KEY-OWN", name="本局企业", target_type="企业")
    other = Target(department_id=org.other.id, key="KEY-OTHER", name="他局企业", target_type="企业")
    db.add_all([own, other])
    db.commit()
    make_user("clerk", org.child, Role.OFFICER)
    login(client, "clerk")
    # The 科室 keeps its 局's registry (002 第六条) but sees nothing of another 局.
    assert client.get(f"/targets/{own.id}").status_code == 200
    assert client.get(f"/targets/{other.id}").status_code == 404
    listing = client.get("/targets").text
    assert "本局企业" in listing and "他局企业" not in listing
