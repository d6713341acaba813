"""Inspectors and auxiliary members (experts, institutions), and conflicts of interest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spotcheck.accounts.models import User
from spotcheck.db import Base, UTCDateTime, utcnow
from spotcheck.departments.models import Department

CATEGORIES = ("行政执法类公务员", "具有执法资格的工作人员", "日常监管人员", "专家", "专业机构")
CERTIFIED_CATEGORIES = ("行政执法类公务员", "具有执法资格的工作人员")
AUXILIARY_CATEGORIES = ("专家", "专业机构")
STATUSES = ("在岗", "借调", "病休", "离岗", "退休")


class Inspector(Base):
    """A person (or institution) who may be sent to inspect; `key` is the 执法证号 when there is one."""

    __tablename__ = "inspector"
    __table_args__ = (UniqueConstraint("key"), UniqueConstraint("user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    # The person's login (执法检查人员 role): one account per entry, one entry per account; the
    # account sees the visits this entry is drawn for in 我的任务.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100), index=True)
    gender: Mapped[str] = mapped_column(String(2), default="")
    post: Mapped[str] = mapped_column(String(100), default="")
    rank: Mapped[str] = mapped_column(String(10), index=True, default="")
    category: Mapped[str] = mapped_column(String(20), index=True)
    cert_no: Mapped[str] = mapped_column(String(40), default="")
    cert_issuer: Mapped[str] = mapped_column(String(100), default="")
    cert_valid_until: Mapped[dt.date | None] = mapped_column(Date)
    enforcement_post: Mapped[str] = mapped_column(String(100), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")  # "|a|b|"
    phone: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(10), index=True, default="在岗")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()

    @property
    def expertise_list(self) -> list[str]:
        """Expertise tags as a list."""
        return [t for t in self.expertise.split("|") if t]

    @property
    def auxiliary(self) -> bool:
        """Experts and institutions assist; they never count toward the two certified members."""
        return self.category in AUXILIARY_CATEGORIES


class Conflict(Base):
    """A declared (or detected) relation between an inspector and a target: 回避."""

    __tablename__ = "conflict"
    __table_args__ = (UniqueConstraint("inspector_id", "target_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(
        ForeignKey("inspector.id", ondelete="CASCADE"), index=True
    )
    target_key: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(10), default="declared")
    declared_by: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InspectorHistory(Base):
    """One change of an inspector record."""

    __tablename__ = "inspector_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(
        ForeignKey("inspector.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(80), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
