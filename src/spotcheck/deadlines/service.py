"""Deadline verbs: compute a due date, open a deadline for a subject, satisfy it, mark it missed,
and resolve the due dates that waited for a calendar year."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.audit.service import Actor
from spotcheck.calendar import service as calendar_service
from spotcheck.deadlines.models import WAITING, Deadline, DeadlineState
from spotcheck.rulebooks.schema import cite


@dataclass(frozen=True)
class DueRule:
    """What a deadline asks: a length (working days, or a calendar date MM-DD), the state that
    satisfies it, the article, and what the rulebook says happens when it is missed."""

    kind: str
    text: str
    article: str
    satisfying_state: str
    workdays: int | None = None
    month_day: str | None = None
    late_rule: str = ""


@dataclass(frozen=True)
class Due:
    """A computed due date, or None with the reason it has to wait."""

    due: dt.date | None
    pending_reason: str = ""


def compute(
    session: Session,
    start: dt.date,
    *,
    workdays: int | None = None,
    month_day: str | None = None,
    year: int | None = None,
) -> Due:
    """The due date: the workdays-th working day after start, or month_day of year (default:
    the start's year). A year the calendar does not know gives a pending Due, never an error."""
    if workdays is not None:
        try:
            return Due(calendar_service.add_workdays(session, start, workdays))
        except calendar_service.UnknownYear as exc:
            return Due(
                None,
                f"{exc.year} 年工作日历尚未导入，截止日期待系统管理员导入 {exc.year} 年日历后确定",
            )
    if month_day is None:
        raise ValueError("a due rule needs workdays or month_day")
    month, day = (int(p) for p in month_day.split("-"))
    year = year or start.year
    # 02-29 in a common year is the last day of February.
    return Due(dt.date(year, month, min(day, stdlib_calendar.monthrange(year, month)[1])))


def get(session: Session, subject_type: str, subject_id: int, kind: str) -> Deadline | None:
    """The subject's deadline of that kind, if one was opened."""
    return session.scalar(
        select(Deadline).where(
            Deadline.subject_type == subject_type,
            Deadline.subject_id == subject_id,
            Deadline.kind == kind,
        )
    )


def for_subject(session: Session, subject_type: str, subject_id: int) -> list[Deadline]:
    """Every deadline of the subject, in the order they were opened."""
    return list(
        session.scalars(
            select(Deadline)
            .where(Deadline.subject_type == subject_type, Deadline.subject_id == subject_id)
            .order_by(Deadline.id)
        )
    )


def open_deadline(
    session: Session,
    subject_type: str,
    subject_id: int,
    rule: DueRule,
    *,
    start: dt.date,
    profile_ref: str,
    year: int | None = None,
) -> Deadline:
    """Open the subject's deadline of the rule's kind (the existing one if already open)."""
    found = get(session, subject_type, subject_id, rule.kind)
    if found is not None:
        return found
    due = compute(session, start, workdays=rule.workdays, month_day=rule.month_day, year=year)
    row = Deadline(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=rule.kind,
        rule=rule.text[:300],
        article=rule.article[:60],
        profile_ref=profile_ref[:60],
        workdays=rule.workdays,
        month_day=rule.month_day,
        due_year=year if rule.month_day else None,
        start=start,
        due=due.due,
        pending_reason=due.pending_reason[:200],
        satisfying_state=rule.satisfying_state,
        late_rule=rule.late_rule[:200],
        state=DeadlineState.OPEN if due.due else DeadlineState.PENDING,
    )
    session.add(row)
    session.flush()
    return row


def _settled(met_at: dt.datetime, due: dt.date) -> DeadlineState:
    # The day counts in Beijing: a plan filed at 23:30 on 31 January is on time.
    on = met_at.astimezone(clock.BEIJING).date()
    return DeadlineState.MET if on <= due else DeadlineState.MET_LATE


def satisfy(session: Session, deadline: Deadline, at: dt.datetime | None = None) -> Deadline:
    """The satisfying state was reached at `at` (default now): met, or met late after the due date.

    A pending deadline keeps the time and is settled when its due date becomes known.
    """
    if deadline.state not in WAITING or deadline.met_at is not None:
        return deadline
    deadline.met_at = at or clock.utcnow()
    if deadline.due is not None:
        deadline.state = _settled(deadline.met_at, deadline.due)
    session.flush()
    return deadline


def on_state(
    session: Session, subject_type: str, subject_id: int, state: str, at: dt.datetime | None = None
) -> list[Deadline]:
    """The subject reached `state`: satisfy every waiting deadline of it that this state stops."""
    met = [
        satisfy(session, row, at)
        for row in for_subject(session, subject_type, subject_id)
        if row.satisfying_state == state and row.state in WAITING and row.met_at is None
    ]
    return met


def refresh(session: Session, today: dt.date | None = None) -> list[Deadline]:
    """Mark every open deadline whose due date has passed as missed; returns those marked."""
    today = today or clock.today()
    rows = list(
        session.scalars(
            select(Deadline).where(Deadline.state == DeadlineState.OPEN, Deadline.due < today)
        )
    )
    for row in rows:
        row.state = DeadlineState.MISSED
    session.flush()
    return rows


def resolve_pending(session: Session) -> int:
    """Compute again every pending due date (after a calendar import); returns how many resolved."""
    resolved = 0
    pending = session.scalars(select(Deadline).where(Deadline.state == DeadlineState.PENDING))
    for row in list(pending):
        due = compute(
            session, row.start, workdays=row.workdays, month_day=row.month_day, year=row.due_year
        )
        if due.due is None:
            row.pending_reason = due.pending_reason[:200]
            continue
        row.due, row.pending_reason = due.due, ""
        row.state = _settled(row.met_at, due.due) if row.met_at else DeadlineState.OPEN
        resolved += 1
    session.flush()
    return resolved


def import_calendar(
    session: Session, actor: Actor, rows: Iterable[tuple[dt.date, bool, str]]
) -> tuple[int, int, int]:
    """Import calendar days and resolve the pending due dates in the same transaction:
    (days added, days updated, due dates resolved)."""
    added, updated = calendar_service.import_days(session, actor, rows)
    return added, updated, resolve_pending(session)


def state_text(deadline: Deadline, today: dt.date | None = None) -> str:
    """The deadline as a line for a page: due date or reason, state, rule and article."""
    today = today or clock.today()
    rule = f"{cite(deadline.article)}：{deadline.rule}"
    if deadline.due is None:
        return f"{deadline.pending_reason}（{rule}）"
    due = deadline.due.isoformat()
    if deadline.state in (DeadlineState.MET, DeadlineState.MET_LATE):
        return f"{deadline.state_label}（截止 {due}；{rule}）"
    if deadline.state == DeadlineState.MISSED or today > deadline.due:
        late = f"：{deadline.late_rule}" if deadline.late_rule else ""
        return f"逾期未完成（截止 {due}）{late}（{rule}）"
    return f"截止 {due}（{rule}）"
