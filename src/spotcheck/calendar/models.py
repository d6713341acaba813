"""One row per calendar day that the platform knows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base


class CalendarDay(Base):
    """Whether a date is a working day, and why (holiday name, 调休)."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(20), default="chinesecalendar")
