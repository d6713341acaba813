"""The demo world, committed so the app sees it, and helpers to drive the draw pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.demo.data import DEMO_PASSWORD
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import Task
from tests.conftest import csrf_of, login
from tests.draws_ceremony.conftest import demo, department  # noqa: F401  (fixture)


@pytest.fixture
def task(demo: Session) -> Task:  # noqa: F811
    """The approved task of 淄博工信局's demo plan (profile 002), committed."""
    plan = plans_service.current(demo, department(demo, "370300-GXJ"), 2026)
    assert plan is not None
    found = plan.tasks[0]
    demo.commit()
    return found


def log_in(client: TestClient, username: str) -> None:
    """Log a demo account in through the form."""
    login(client, username, DEMO_PASSWORD)


def post(client: TestClient, path: str, data: dict[str, object], page: str = "/draws"):  # type: ignore[no-untyped-def]
    """Post a form with this browser's CSRF token; do not follow the redirect."""
    token = csrf_of(client, page)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
