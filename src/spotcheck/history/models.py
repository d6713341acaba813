"""Every completed check of a target, by any department, random or not: what frequency rules count."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base, UTCDateTime, utcnow

SOURCES = ("inspection", "import", "demo")


class CheckRecord(Base):
    """One completed check of the target with that key (统一社会信用代码 or registry code)."""

    __tablename__ = "check_record"
    __table_args__ = (
        Index("ix_check_record_target_key_completed_on", "target_key", "completed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_key: Mapped[str] = mapped_column(String(40))
    target_name: Mapped[str] = mapped_column(String(200), default="")
    # The department that checked; its industry decides "本行业领域" (001 第十六条).
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(40), default="")
    completed_on: Mapped[dt.date] = mapped_column(Date)
    random: Mapped[bool] = mapped_column(default=True)
    found_problem: Mapped[bool] = mapped_column(default=False)
    published: Mapped[bool] = mapped_column(default=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    source: Mapped[str] = mapped_column(String(20), default="inspection")
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by: Mapped[str] = mapped_column(String(60), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
