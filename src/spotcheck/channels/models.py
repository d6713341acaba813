"""A recorded submission of one subject (plan, draw, result, report) to a named channel."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base, UTCDateTime, utcnow


class ChannelSubmission(Base):
    """An outward step: a subject's export sent to a named channel (e.g. 涉企检查备案系统).

    The subject is (subject_type, subject_id), e.g. ("draw", 7): no foreign key, so any domain
    can submit through channels; the exact bytes sent are identified by their SHA-256.
    """

    __tablename__ = "channel_submission"
    __table_args__ = (Index("ix_channel_submission_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(100))
    export_format: Mapped[str] = mapped_column(String(10))
    export_sha256: Mapped[str] = mapped_column(String(64))
    export_filename: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    submitted_by: Mapped[str] = mapped_column(String(60), default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
