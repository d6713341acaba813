"""Met, met late and missed (视为未完成 stays), and which subject state stops the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from spotcheck.deadlines import service as deadlines_service
from spotcheck.deadlines.models import Deadline, DeadlineState
from tests.deadlines.test_compute import RESULT_ENTRY

Freeze = Callable[[dt.date | dt.datetime], None]


def _open(db: Session, subject_id: int) -> Deadline:
    # Ten working days after 2 November 2026: due 16 November.
    return deadlines_service.open_deadline(
        db,
        "visit",
        subject_id,
        RESULT_ENTRY,
        start=dt.date(2026, 11, 2),
        profile_ref="xinzhou-joint",
    )


def test_it_is_met_up_to_the_end_of_the_due_day_in_beijing(db: Session) -> None:
    row = _open(db, 1)
    assert row.due == dt.date(2026, 11, 16)
    # 23:30 on 16 November in Beijing is 15:30 UTC: still on time.
    deadlines_service.satisfy(db, row, dt.datetime(2026, 11, 16, 15, 30, tzinfo=dt.UTC))
    assert row.state == DeadlineState.MET
    assert deadlines_service.state_text(row).startswith("按期完成（截止 2026-11-16")


def test_it_is_met_late_after_the_due_day(db: Session) -> None:
    row = _open(db, 1)
    deadlines_service.satisfy(db, row, dt.datetime(2026, 11, 16, 16, 30, tzinfo=dt.UTC))
    assert row.state == DeadlineState.MET_LATE
    assert row.met_at == dt.datetime(2026, 11, 16, 16, 30, tzinfo=dt.UTC)


def test_it_marks_a_passed_deadline_missed_and_keeps_the_rulebook_consequence(
    db: Session,
) -> None:
    row, on_time = _open(db, 1), _open(db, 2)
    deadlines_service.satisfy(db, on_time, dt.datetime(2026, 11, 10, 2, tzinfo=dt.UTC))
    assert deadlines_service.refresh(db, dt.date(2026, 11, 16)) == []  # the due day itself
    missed = deadlines_service.refresh(db, dt.date(2026, 11, 17))
    assert missed == [row] and row.state == DeadlineState.MISSED
    assert on_time.state == DeadlineState.MET
    text = deadlines_service.state_text(row, dt.date(2026, 11, 17))
    assert text.startswith("逾期未完成（截止 2026-11-16）")
    assert "视为未完成本次抽查任务" in text and "依据 001 第二十条（三）" in text
    # Entering the result afterwards makes it met late; it never becomes "met".
    deadlines_service.satisfy(db, row, dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC))
    assert row.state == DeadlineState.MET_LATE


def test_it_is_stopped_only_by_the_state_the_rule_names(db: Session, frozen_clock: Freeze) -> None:
    row = _open(db, 1)
    assert deadlines_service.on_state(db, "visit", 1, "completed") == []
    assert row.state == DeadlineState.OPEN and row.met_at is None
    assert deadlines_service.on_state(db, "visit", 2, "entered") == []  # another subject
    frozen_clock(dt.date(2026, 11, 12))
    assert deadlines_service.on_state(db, "visit", 1, "entered") == [row]
    assert row.state == DeadlineState.MET
    assert row.met_at == dt.datetime(2026, 11, 12, 4, tzinfo=dt.UTC)  # the clock's noon
    # A second report of the same state changes nothing.
    assert deadlines_service.on_state(db, "visit", 1, "entered") == []


def test_it_uses_the_clock_for_today_when_refreshing(db: Session, frozen_clock: Freeze) -> None:
    row = _open(db, 1)
    frozen_clock(dt.date(2026, 11, 16))
    assert deadlines_service.refresh(db) == []
    frozen_clock(dt.date(2026, 11, 17))
    assert deadlines_service.refresh(db) == [row]
