"""The one clock: Asia/Shanghai, and a test override that every reader of "today" follows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.accounts.models import Role, User
from spotcheck.db import utcnow
from spotcheck.eligibility import service as eligibility
from tests.conftest import Org, login
from tests.plans.conftest import Agency

Freeze = Callable[[dt.date | dt.datetime], None]


def test_it_reads_the_time_in_shanghai() -> None:
    moment = clock.now()
    assert moment.utcoffset() == dt.timedelta(hours=8)
    assert clock.today() == moment.date()
    assert clock.utcnow().utcoffset() == dt.timedelta(0)


def test_it_turns_the_date_at_midnight_in_shanghai_not_in_utc(frozen_clock: Freeze) -> None:
    frozen_clock(dt.datetime(2026, 1, 31, 16, 30, tzinfo=dt.UTC))  # 00:30 on 1 February in Beijing
    assert clock.today() == dt.date(2026, 2, 1)
    assert clock.now().hour == 0
    frozen_clock(dt.datetime(2026, 2, 1, 0, 30))  # naive: Beijing time
    assert clock.utcnow() == dt.datetime(2026, 1, 31, 16, 30, tzinfo=dt.UTC)


def test_it_stamps_utc_columns_from_the_same_clock(frozen_clock: Freeze) -> None:
    frozen_clock(dt.date(2026, 5, 20))
    assert utcnow() == dt.datetime(2026, 5, 20, 4, tzinfo=dt.UTC)  # noon in Beijing


def test_it_runs_again_after_a_frozen_block() -> None:
    with clock.frozen(dt.date(2020, 1, 1)):
        assert clock.today() == dt.date(2020, 1, 1)
        with clock.frozen(dt.date(2021, 1, 1)):
            assert clock.today() == dt.date(2021, 1, 1)
        assert clock.today() == dt.date(2020, 1, 1)
    assert clock.today() > dt.date(2025, 1, 1)


def test_it_moves_what_eligibility_calls_today(
    db: Session, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    agency = Agency(db, org, make_user)
    agency.adopt("zibo-gxj")
    plan = agency.plan(2026)
    task = agency.task(plan, agency.item("ZB-1"))
    frozen_clock(dt.date(2026, 3, 2))
    assert eligibility.evaluate(db, task).on == dt.date(2026, 3, 2)
    frozen_clock(dt.date(2026, 9, 9))
    assert eligibility.evaluate(db, task).on == dt.date(2026, 9, 9)


def test_it_moves_what_the_rulebook_page_calls_today(
    app: object, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    # 002 is in force up to 2025-06-05: the list marks it 已失效 from the next day in Beijing,
    # twenty minutes later (inside the login's idle limit), though UTC still says 5 June.
    frozen_clock(dt.datetime(2025, 6, 5, 23, 50))
    make_user("boss", org.root, Role.ADMIN)
    with TestClient(app) as client:  # type: ignore[arg-type]
        login(client, "boss")
        before = client.get("/rulebooks").text
        frozen_clock(dt.datetime(2025, 6, 6, 0, 10))
        after = client.get("/rulebooks").text
    assert before.count("已失效") == 0
    assert after.count("已失效") == 1
