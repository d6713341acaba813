"""Due dates: working days through the calendar, calendar dates, and pending years resolved by an import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM
from spotcheck.deadlines import service as deadlines_service
from spotcheck.deadlines.models import DeadlineState
from tests.conftest import Org, csrf_of, login

RESULT_ENTRY = deadlines_service.DueRule(
    kind="result_entry",
    text="检查完成后 10 个工作日内录入检查结果",
    article="001 第二十条（三）",
    satisfying_state="entered",
    workdays=10,
    late_rule="未在规定时间内录入检查结果的，视为未完成本次抽查任务",
)


def _year_2027() -> list[tuple[dt.date, bool, str]]:
    """2027 with weekends and New Year's Day off (enough for the arithmetic)."""
    rows = []
    day = dt.date(2027, 1, 1)
    while day.year == 2027:
        rows.append((day, day.weekday() < 5 and day != dt.date(2027, 1, 1), ""))
        day += dt.timedelta(days=1)
    return rows


def test_it_counts_working_days_over_a_holiday(db: Session) -> None:
    # 1–7 October 2026 are 国庆 holidays: the first working day after 30 September is 8 October.
    due = deadlines_service.compute(db, dt.date(2026, 9, 30), workdays=1)
    assert due == deadlines_service.Due(dt.date(2026, 10, 8))
    assert deadlines_service.compute(db, dt.date(2026, 9, 25), workdays=10).due == dt.date(
        2026, 10, 15
    )


def test_it_takes_a_calendar_date_of_the_given_year_without_the_calendar(db: Session) -> None:
    # 2027 is not in the calendar, but 31 January needs no working-day count.
    due = deadlines_service.compute(db, dt.date(2026, 11, 20), month_day="01-31", year=2027)
    assert due == deadlines_service.Due(dt.date(2027, 1, 31))
    assert deadlines_service.compute(db, dt.date(2026, 3, 1), month_day="05-31").due == dt.date(
        2026, 5, 31
    )
    leap = deadlines_service.compute(db, dt.date(2026, 1, 1), month_day="02-29", year=2027)
    assert leap.due == dt.date(2027, 2, 28)


def test_it_leaves_a_due_date_in_an_unknown_year_pending_with_its_reason(db: Session) -> None:
    row = deadlines_service.open_deadline(
        db, "visit", 7, RESULT_ENTRY, start=dt.date(2026, 12, 24), profile_ref="xinzhou-joint"
    )
    assert row.due is None and row.state == DeadlineState.PENDING
    assert row.pending_reason.startswith("2027 年工作日历尚未导入")
    assert row.article == "001 第二十条（三）" and row.satisfying_state == "entered"
    assert "2027 年工作日历尚未导入" in deadlines_service.state_text(row, dt.date(2026, 12, 28))
    # Within 2026 the same rule has its date at once.
    near = deadlines_service.open_deadline(
        db,
        "visit",
        8,
        RESULT_ENTRY,
        start=dt.date(2026, 12, 10),
        profile_ref="xinzhou-joint",
    )
    assert near.due == dt.date(2026, 12, 24) and near.state == DeadlineState.OPEN


def test_it_opens_one_deadline_per_subject_and_kind(db: Session) -> None:
    first = deadlines_service.open_deadline(
        db, "visit", 7, RESULT_ENTRY, start=dt.date(2026, 11, 2), profile_ref="xinzhou-joint"
    )
    again = deadlines_service.open_deadline(
        db, "visit", 7, RESULT_ENTRY, start=dt.date(2026, 11, 20), profile_ref="xinzhou-joint"
    )
    assert again.id == first.id and again.start == dt.date(2026, 11, 2)
    assert len(deadlines_service.for_subject(db, "visit", 7)) == 1


def test_it_resolves_every_pending_date_when_the_year_is_imported(db: Session) -> None:
    waiting = deadlines_service.open_deadline(
        db, "visit", 1, RESULT_ENTRY, start=dt.date(2026, 12, 24), profile_ref="xinzhou-joint"
    )
    done_early = deadlines_service.open_deadline(
        db, "visit", 2, RESULT_ENTRY, start=dt.date(2026, 12, 24), profile_ref="xinzhou-joint"
    )
    done_late = deadlines_service.open_deadline(
        db, "visit", 3, RESULT_ENTRY, start=dt.date(2026, 12, 24), profile_ref="xinzhou-joint"
    )
    # Entered while the date was unknown: the time is kept and judged once the date is known.
    deadlines_service.satisfy(db, done_early, dt.datetime(2027, 1, 5, 2, tzinfo=dt.UTC))
    deadlines_service.satisfy(db, done_late, dt.datetime(2027, 1, 12, 2, tzinfo=dt.UTC))
    assert done_early.state == DeadlineState.PENDING

    added, updated, resolved = deadlines_service.import_calendar(db, SYSTEM, _year_2027())

    assert (added, updated, resolved) == (365, 0, 3)
    # 24 → 31 December 2026 is five working days, then 4–8 January 2027 (1 January is off).
    assert waiting.due == dt.date(2027, 1, 8) and waiting.pending_reason == ""
    assert waiting.state == DeadlineState.OPEN
    assert done_early.state == DeadlineState.MET
    assert done_late.state == DeadlineState.MET_LATE
    assert deadlines_service.resolve_pending(db) == 0


def test_it_keeps_a_date_pending_while_a_later_year_is_still_missing(db: Session) -> None:
    long_rule = deadlines_service.DueRule(
        kind="archive",
        text="归档",
        article="002 第十八条",
        satisfying_state="archived",
        workdays=300,
    )
    row = deadlines_service.open_deadline(
        db, "task", 1, long_rule, start=dt.date(2026, 12, 1), profile_ref="zibo-gxj"
    )
    assert row.pending_reason.startswith("2027 年")
    assert deadlines_service.import_calendar(db, SYSTEM, _year_2027())[2] == 0
    assert row.state == DeadlineState.PENDING and row.pending_reason.startswith("2028 年")


def test_it_resolves_pending_dates_when_the_administrator_imports_the_year(
    app: object, org: Org, make_user: Callable[..., User], db: Session
) -> None:
    row = deadlines_service.open_deadline(
        db, "visit", 1, RESULT_ENTRY, start=dt.date(2026, 12, 24), profile_ref="xinzhou-joint"
    )
    db.commit()
    make_user("boss", org.root, Role.ADMIN)
    text = "日期,是否工作日,备注\n" + "".join(
        f"{d.isoformat()},{int(w)},\n" for d, w, _ in _year_2027()
    )
    with TestClient(app) as client:  # type: ignore[arg-type]
        login(client, "boss")
        response = client.post(
            "/admin/calendar/import",
            data={"csrf_token": csrf_of(client, "/admin/calendar")},
            files={"file": ("2027.csv", text.encode(), "text/csv")},
            follow_redirects=False,
        )
    assert response.status_code == 303
    assert "1 个待定的截止日期已确定" in unquote(response.headers["location"])
    db.expire_all()
    assert row.due == dt.date(2027, 1, 8) and row.state == DeadlineState.OPEN
