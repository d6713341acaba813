"""Administrator copies of rulebook profiles, their immutable versions, and adoptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base, UTCDateTime, utcnow
from spotcheck.errors import DomainError


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


class RulebookVersion(Base):
    """One text of a profile as it was used: numbered per code, with the SHA-256 of the text.

    Plans, tasks and draws point at the version that decided them; a row is never changed.
    """

    __tablename__ = "rulebook_version"
    __table_args__ = (UniqueConstraint("code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    number: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # The built-in profile a copy was made from ("" for a built-in profile itself).
    based_on: Mapped[str] = mapped_column(String(40), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def label(self) -> str:
        """The version as the manifest and the pages name it: "zibo-gxj@3"."""
        return f"{self.code}@{self.number}"


@event.listens_for(RulebookVersion, "before_update")
@event.listens_for(RulebookVersion, "before_delete")
def _immutable(_mapper: Any, _connection: Any, target: RulebookVersion) -> None:
    # Past work is read through its version: changing or removing one would rewrite history.
    raise DomainError(f"细则版本 {target.label} 已被使用，不能修改或删除；修改细则请保存为新版本")
