"""The revision of what eligibility reads (eligibility.cache): one counter per name."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base


class DataRevision(Base):
    """A counter that every transaction changing the inputs of a cached computation raises."""

    __tablename__ = "data_revision"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
    # Random when the counter starts: a database restored or rebuilt starts a new series, so a
    # value seen before can never be taken for the same inputs.
    series: Mapped[str] = mapped_column(String(32), default="")
