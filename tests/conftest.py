"""Shared fixtures: a real database (SQLite file, or PostgreSQL from the environment), an app,
and users who own, belong to, or stand outside a department tree."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from spotcheck import clock, migrate
from spotcheck.accounts import passwords
from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role, User
from spotcheck.app import create_app
from spotcheck.audit.models import AuditEvent, AuditHead
from spotcheck.audit.service import SYSTEM
from spotcheck.calendar import service as calendar_service
from spotcheck.calendar.models import CalendarDay
from spotcheck.catalog.models import CheckItem
from spotcheck.config import Settings
from spotcheck.db import Base, import_all_models, make_engine, make_session_factory
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department, DepartmentLevel

# Thousands of accounts are made by the suite: argon2id with its cheapest parameters here (the
# app itself, and `spotcheck` run as a subprocess, keep the recommended ones).
passwords.use_cheap_parameters_for_tests()

PASSWORD = "Kestrel#Ridge2026"
TEST_SECRET = "t" * 48


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("SPOTCHECK_TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_root / 'test.db'}"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Test settings pointing at the run's database."""
    url = _database_url(tmp_path_factory.mktemp("db"))
    return Settings(
        SPOTCHECK_ENV="test",
        DATABASE_URL=url,
        SECRET_KEY=TEST_SECRET,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The migrated database (migrations run once per test session, on the real dialect)."""
    import_all_models()
    eng = make_engine(settings)
    migrate.upgrade(settings, eng)
    # Every test starts from the state a wipe leaves (the first too: the migration's own audit
    # events would otherwise make the first test's chain start at another number).
    _wipe(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to the test database."""
    return make_session_factory(engine)


def _wipe(engine: Engine) -> None:
    """Empty every table; the calendar goes back to exactly the seeded years."""
    with engine.begin() as conn:
        # check_item ↔ check_item_version point at each other: cut the cycle first.
        conn.execute(update(CheckItem).values(latest_version_id=None, published_version_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "calendar_day":
                continue
            conn.execute(delete(table))
        touched = {
            day.year
            for day in conn.execute(
                select(CalendarDay.day).where(CalendarDay.source != "chinesecalendar")
            ).scalars()
        }
        for year in touched:
            conn.execute(
                delete(CalendarDay).where(
                    CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
                )
            )
    if touched:
        with Session(engine) as session:
            calendar_service.seed_from_package(session)
            session.commit()


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables (only for tests that touch the database)."""
    yield
    if "engine" in request.fixturenames:
        engine = request.getfixturevalue("engine")
        _wipe(engine)


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[dt.date | dt.datetime], None]]:
    """Set the one clock (`spotcheck.clock`) to a date or time; it runs again after the test."""
    yield clock.freeze
    clock.unfreeze()


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and asserting; tests commit what the app must see."""
    session = factory()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    """The real application on the test database."""
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An anonymous browser."""
    with TestClient(app) as c:
        yield c


class Org:
    """A small tree: root → owner dept (with a child) and a sibling outsider dept."""

    def __init__(self, session: Session) -> None:
        self.root = departments_service.create(
            session, SYSTEM, code="ROOT", name="省厅", level=DepartmentLevel.PROVINCE, parent=None
        )
        self.own = departments_service.create(
            session,
            SYSTEM,
            code="CITY-A",
            name="甲市局",
            level=DepartmentLevel.CITY,
            parent=self.root,
        )
        self.child = departments_service.create(
            session,
            SYSTEM,
            code="CITY-A-S1",
            name="甲市局一科",
            level=DepartmentLevel.SECTION,
            parent=self.own,
        )
        self.other = departments_service.create(
            session,
            SYSTEM,
            code="CITY-B",
            name="乙市局",
            level=DepartmentLevel.CITY,
            parent=self.root,
        )


@pytest.fixture
def org(db: Session) -> Org:
    """The department tree, committed."""
    tree = Org(db)
    db.commit()
    return tree


@pytest.fixture
def make_user(db: Session) -> Callable[..., User]:
    """Create a committed user with roles in a department."""

    def make(
        username: str, department: Department, *roles: Role, must_change: bool = False
    ) -> User:
        user = accounts_service.create(
            db,
            SYSTEM,
            username=username,
            full_name=username.upper(),
            department=department,
            roles=roles or (Role.OFFICER,),
            password=PASSWORD,
            must_change_password=must_change,
        )
        db.commit()
        return user

    return make


CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a page hands out to this browser."""
    page = client.get(path)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form."""
    client.cookies.clear()
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def post_form(client: TestClient, path: str, data: dict[str, object], page: str = "/") -> object:
    """Post a form with the CSRF token of the logged-in browser."""
    token = csrf_of(client, page)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


__all__ = ["PASSWORD", "AuditEvent", "AuditHead", "Org", "csrf_of", "login", "post_form"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may be skipped: a skip there hides a missing install step."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        print(f"\nCI=true: {skipped} test(s) were skipped; in CI every test must run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
