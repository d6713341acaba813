"""Deadlines (期限): one row per subject and kind, with its rule, article, profile and state."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base, UTCDateTime, utcnow


class DeadlineState(enum.StrEnum):
    """Where a deadline stands."""

    PENDING = "pending"  # the due date waits for a calendar year that is not imported yet
    OPEN = "open"
    MET = "met"
    MET_LATE = "met_late"
    MISSED = "missed"


STATE_LABELS = {
    DeadlineState.PENDING: "截止日期待定",
    DeadlineState.OPEN: "进行中",
    DeadlineState.MET: "按期完成",
    DeadlineState.MET_LATE: "逾期完成",
    DeadlineState.MISSED: "逾期未完成",
}
# States that still wait for the satisfying state.
WAITING = (DeadlineState.PENDING, DeadlineState.OPEN, DeadlineState.MISSED)


class Deadline(Base):
    """A due date of one subject (plan, visit, result…): computed from a start and a rule."""

    __tablename__ = "deadline"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "kind"),
        Index("ix_deadline_state_due", "state", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(30))  # e.g. "plan_due"
    # What the rule asks, as the page shows it ("年度计划应于 1月31日前备案"), and its article.
    rule: Mapped[str] = mapped_column(String(300))
    article: Mapped[str] = mapped_column(String(60))
    # The profile that set it: its code, or code@version once profiles are versioned.
    profile_ref: Mapped[str] = mapped_column(String(60))
    # The rule's length: working days after start, or a calendar date (MM-DD) of due_year.
    workdays: Mapped[int | None] = mapped_column()
    month_day: Mapped[str | None] = mapped_column(String(5))
    due_year: Mapped[int | None] = mapped_column()
    start: Mapped[dt.date] = mapped_column(Date)
    due: Mapped[dt.date | None] = mapped_column(Date)
    pending_reason: Mapped[str] = mapped_column(String(200), default="")
    # The subject state that stops the clock (e.g. "filed", "published", "entered").
    satisfying_state: Mapped[str] = mapped_column(String(30))
    # What the rulebook says happens when it is missed (e.g. "…视为未完成本次抽查任务").
    late_rule: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[DeadlineState] = mapped_column(
        Enum(
            DeadlineState,
            native_enum=False,
            length=10,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=DeadlineState.OPEN,
    )
    met_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def state_label(self) -> str:
        """The state in Chinese."""
        return STATE_LABELS[self.state]
