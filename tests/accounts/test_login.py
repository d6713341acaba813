"""Login, lockout, idle timeout, CSRF, password rules and forced password change."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from spotcheck.accounts.models import LoginSession, LoginThrottle, Role, User
from spotcheck.accounts.passwords import password_problems
from spotcheck.audit.models import AuditEvent
from spotcheck.db import utcnow
from tests.conftest import PASSWORD, csrf_of, login, post_form

ERROR_RE = re.compile(r'<div class="flash error" role="alert">([^<]*)</div>')


def _attempt(client: TestClient, username: str, password: str) -> object:
    token = csrf_of(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_it_stores_argon2id_hashes_only(db: Session, org, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("alice", org.own)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_it_logs_in_and_shows_the_home_page_with_the_department(
    client: TestClient, org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    login(client, "alice")
    page = client.get("/")
    assert page.status_code == 200
    assert "甲市局" in page.text and "ALICE" in page.text
    assert "2" in page.text  # own + child department in scope


def test_it_locks_the_account_after_five_failures(
    client: TestClient, db: Session, org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    for _attempt_number in range(1, 5):
        response = _attempt(client, "alice", "wrong-password")
        assert response.status_code == 400
        assert _error(response) == "用户名或密码错误"
    fifth = _attempt(client, "alice", "wrong-password")
    assert "账号锁定 15 分钟" in fifth.text
    locked = _attempt(client, "alice", PASSWORD)
    assert locked.status_code == 400 and "已锁定" in locked.text
    actions = db.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars().all()
    assert actions.count("login.failed") == 5 and actions[-1] == "login.locked"
    # After the lock expires the right password works again.
    db.execute(update(User).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    assert _attempt(client, "alice", PASSWORD).status_code == 303


def test_a_name_without_an_account_is_locked_at_the_same_attempt_with_the_same_words(
    client: TestClient, db: Session, org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    answers: dict[str, list[str]] = {}
    for name in ("alice", "nobody"):
        answers[name] = [
            _error(_attempt(client, name, "wrong-password")) for _attempt_number in range(6)
        ]
    assert answers["nobody"] == answers["alice"]
    assert answers["alice"][:4] == ["用户名或密码错误"] * 4
    assert "连续 5 次登录失败，账号锁定 15 分钟" in answers["alice"][4]
    assert "账号已锁定，请 15 分钟后再试" in answers["alice"][5]
    # The lock of a name without an account runs out like an account's.
    db.execute(update(LoginThrottle).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    assert _error(_attempt(client, "nobody", "wrong-password")) == "用户名或密码错误"


def _error(response: object) -> str:
    found = ERROR_RE.search(response.text)  # type: ignore[attr-defined]
    assert found, "no error on the login page"
    return found.group(1)


def test_it_does_not_say_whether_a_username_exists(
    client: TestClient, db: Session, org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    make_user("gone", org.own)
    db.execute(update(User).where(User.username == "gone").values(active=False))
    db.commit()
    unknown = _attempt(client, "somebody", "whatever")
    assert unknown.status_code == 400 and _error(unknown) == "用户名或密码错误"
    # Every failure before the lock reads the same for a real, a deactivated and a missing account.
    for _ in range(4):
        missing = _attempt(client, "nobody", "wrong-Password1")
        real = _attempt(client, "alice", "wrong-Password1")
        gone = _attempt(client, "gone", PASSWORD)
        answers = {(r.status_code, _error(r)) for r in (missing, real, gone)}  # type: ignore[attr-defined]
        assert answers == {(400, "用户名或密码错误")}
    assert "再失败" not in real.text  # type: ignore[attr-defined]


def test_it_tells_the_owner_of_the_failures_after_the_next_login(
    client: TestClient, org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    login(client, "alice")
    assert 'id="login-failures"' not in client.get("/").text
    client.cookies.clear()
    for _ in range(3):
        _attempt(client, "alice", "wrong-password")
    login(client, "alice")
    banner = client.get("/").text.split('id="login-failures"')[1].split("</div>")[0]
    assert "上次登录以来有 3 次失败的登录尝试" in banner and "请立即修改密码" in banner
    login(client, "alice")  # the next login starts counting afresh
    assert 'id="login-failures"' not in client.get("/").text


def test_it_checks_one_argon2_hash_on_every_failed_path(
    client: TestClient, db: Session, org, make_user, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # A missing account costs what a real one costs: one argon2 verification each time, also
    # while an account is locked (the time a reply takes does not tell accounts apart either).
    from spotcheck.accounts import login as accounts_login

    verified: list[str] = []
    real_verify = accounts_login.verify_password

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash.split("$")[1])
        return real_verify(password_hash, password)

    monkeypatch.setattr(accounts_login, "verify_password", counting)
    make_user("alice", org.own)
    make_user("gone", org.own)
    db.execute(update(User).where(User.username == "gone").values(active=False))
    db.execute(
        update(User)
        .where(User.username == "alice")
        .values(locked_until=utcnow() + dt.timedelta(minutes=5))
    )
    db.commit()
    for username in ("nobody", "gone", "alice"):
        verified.clear()
        _attempt(client, username, "wrong-password")
        assert verified == ["argon2id"], username


def test_it_ends_idle_sessions(client: TestClient, db: Session, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    login(client, "alice")
    assert client.get("/", follow_redirects=False).status_code == 200
    db.execute(update(LoginSession).values(last_seen_at=utcnow() - dt.timedelta(minutes=31)))
    db.commit()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_it_refuses_forms_without_the_csrf_token(client: TestClient, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    client.get("/login")
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403 and "CSRF" in response.text
    login(client, "alice")
    forged = client.post("/logout", data={"csrf_token": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_it_binds_the_token_to_the_session(client: TestClient, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    anonymous_token = csrf_of(client)
    login(client, "alice")
    stale = client.post("/logout", data={"csrf_token": anonymous_token}, follow_redirects=False)
    assert stale.status_code == 403


def test_it_logs_out_for_good(client: TestClient, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    login(client, "alice")
    cookie = client.cookies.get("spotcheck_session")
    response = post_form(client, "/logout", {})
    assert response.status_code == 303  # type: ignore[attr-defined]
    client.cookies.set("spotcheck_session", cookie or "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_it_applies_the_password_rules() -> None:
    assert password_problems("short1A!") == ["密码至少 10 位"]
    assert "至少三类" in password_problems("alllowercaseletters")[0]
    assert password_problems("Alice#2026xyz", "alice") == ["密码不能包含用户名"]
    assert password_problems("Good#Pass2026") == []


def test_it_forces_a_new_password_after_a_reset(
    client: TestClient, db: Session, org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("bob", org.own, Role.OFFICER, must_change=True)
    login(client, "bob")
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/account/password"
    weak = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "weak", "confirm": "weak"},
        "/account/password",
    )
    assert weak.status_code == 400 and "至少 10 位" in weak.text  # type: ignore[attr-defined]
    done = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "Brand#New2026", "confirm": "Brand#New2026"},
        "/account/password",
    )
    assert done.status_code == 200  # type: ignore[attr-defined]
    assert client.get("/", follow_redirects=False).status_code == 200


def test_it_never_redirects_off_site_after_login(client: TestClient, org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("alice", org.own)
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
