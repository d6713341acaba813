"""A live server (uvicorn in a thread, the real app on the test database) and a starting gun:
N clients released at once against one URL, each with its own connection."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.audit import service as audit_service
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.demo.data import DEMO_PASSWORD
from tests.conftest import CSRF_RE

N = 6


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    """The application served over HTTP by uvicorn on a free port (real threads, real pool)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def bearer(db: Session, username: str) -> dict[str, str]:
    """An API token of the account (committed, so the server sees it)."""
    user = accounts_service.get_by_username(db, username)
    assert user is not None, username
    _row, plain = accounts_service.create_api_token(db, SYSTEM, user, "并发测试")
    db.commit()
    return {"Authorization": f"Bearer {plain}"}


@dataclass(frozen=True)
class Answer:
    """One client's answer: status and the Chinese message of a refusal."""

    status: int
    body: Any

    @property
    def message(self) -> str:
        body = self.body if isinstance(self.body, dict) else {}
        return str(body.get("message") or body.get("detail") or self.body)


def browser(live: str, username: str) -> tuple[dict[str, str], dict[str, str]]:
    """Log a demo account in through the form: its cookies and the CSRF field for its forms."""
    with httpx.Client(base_url=live, timeout=60) as client:
        token = CSRF_RE.search(client.get("/login").text)
        assert token is not None
        form = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
        assert client.post("/login", data=form).status_code == 303
        token = CSRF_RE.search(client.get("/").text)
        assert token is not None
        return dict(client.cookies), {"csrf_token": token.group(1)}


def race(
    url: str,
    headers: dict[str, str] | None = None,
    json: dict[str, Any] | None = None,
    n: int = N,
    *,
    data: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    method: str = "POST",
) -> list[Answer]:
    """Send from n threads released together (POST unless told); every answer, in any order."""
    gun = threading.Barrier(n)
    answers: list[Answer] = []
    lock = threading.Lock()

    def shoot() -> None:
        with httpx.Client(timeout=120, cookies=cookies) as client:
            gun.wait(30)
            response = client.request(method, url, headers=headers, json=json, data=data)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text or ""
        with lock:
            answers.append(Answer(response.status_code, body))

    threads = [threading.Thread(target=shoot) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert len(answers) == n, f"only {len(answers)} of {n} clients answered"
    return answers


def assert_one_winner(answers: list[Answer], refusal: str, *, deleted: bool = False) -> None:
    """Exactly one success (2xx, or a page's 303); every other client refused with 409 in
    Chinese (a page shows the refusal in its HTML); never a 5xx."""
    statuses = sorted(a.status for a in answers)
    assert not [s for s in statuses if s >= 500], [(a.status, a.message) for a in answers]
    winners = [a for a in answers if a.status < 400]
    losers = [a for a in answers if a.status >= 400]
    assert len(winners) == 1, statuses
    # A request that arrives after the winner deleted the object does not find it (404).
    allowed = {409, 404} if deleted else {409}
    assert {a.status for a in losers} <= allowed, [(a.status, a.message) for a in losers]
    for loser in losers:
        expected = "未找到" if loser.status == 404 else refusal
        assert expected in loser.message, loser.message


def actions(db: Session, action: str, object_id: int) -> int:
    """How many audit events of this action on this object the chain holds (read fresh)."""
    db.expire_all()
    found = select(func.count()).where(
        AuditEvent.action == action, AuditEvent.object_id == str(object_id)
    )
    return int(db.scalar(found) or 0)


def assert_chain_intact(db: Session) -> None:
    """`spotcheck audit verify`: every hash recomputes, no gap, no fork."""
    db.expire_all()
    report = audit_service.verify_chain(db)
    assert report.ok, report
