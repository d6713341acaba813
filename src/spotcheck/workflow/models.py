"""Workflow step rows (one per move of any machine) and typed approvals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spotcheck.accounts.models import APPROVAL_LEVEL_LABELS, ApprovalLevel
from spotcheck.db import Base, UTCDateTime, str_enum, utcnow


class Approval(Base):
    """An approval: (department, level), the person, the document number and the article.

    An external body (001 第十三条: 市人民政府) is level `external` with its name in
    `external_body` and its document number required.
    """

    __tablename__ = "approval"
    __table_args__ = (Index("ix_approval_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What was approved: the profile's approval kind ("plan", "borrow", "swap_inspector", …).
    kind: Mapped[str] = mapped_column(String(30))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column()
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    level: Mapped[ApprovalLevel] = mapped_column(str_enum(ApprovalLevel))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approver_name: Mapped[str] = mapped_column(String(60))
    external_body: Mapped[str] = mapped_column(String(60), default="")
    document_no: Mapped[str] = mapped_column(String(100), default="")
    article: Mapped[str] = mapped_column(String(60), default="")
    recorded_by: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def level_label(self) -> str:
        """The level in Chinese (the body's name for an external approval)."""
        if self.level == ApprovalLevel.EXTERNAL and self.external_body:
            return self.external_body
        return APPROVAL_LEVEL_LABELS[self.level]

    @property
    def text(self) -> str:
        """One line for pages and records: who approved at which level, with the document."""
        who = self.approver_name or self.external_body
        level = "" if self.level == ApprovalLevel.EXTERNAL else f"（{self.level_label}）"
        doc = f"，文号 {self.document_no}" if self.document_no else ""
        return f"{who}{level}批准{doc}"


class WorkflowStep(Base):
    """One step of any workflow subject: who, when, from → to, opinion, document, approval, rule."""

    __tablename__ = "workflow_step"
    __table_args__ = (Index("ix_workflow_step_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(12), default="")
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(60))
    # An approval outside the platform (001 第十三条: the 市政府) is recorded with its document.
    on_behalf_of: Mapped[str] = mapped_column(String(60), default="")
    document_no: Mapped[str] = mapped_column(String(100), default="")
    opinion: Mapped[str] = mapped_column(String(500), default="")
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approval.id"))
    article: Mapped[str] = mapped_column(String(60), default="")
    rule: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    approval: Mapped[Approval | None] = relationship(lazy="joined")
