"""Administrator copies of rulebook profiles, and which profile each department adopted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base, UTCDateTime, utcnow


class CustomProfile(Base):
    """A profile copied from a built-in one and changed; the TOML text is the profile."""

    __tablename__ = "rulebook_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    based_on: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(60), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Adoption(Base):
    """A department's adopted profile; sections and children without one inherit their parent's."""

    __tablename__ = "rulebook_adoption"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), unique=True)
    profile_code: Mapped[str] = mapped_column(String(40))
    adopted_by: Mapped[str] = mapped_column(String(60), default="")
    adopted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
