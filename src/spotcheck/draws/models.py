"""Draws (抽取): one per task; the committed manifest, witnesses, entropy, record, events, files."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spotcheck.db import Base, UTCDateTime, str_enum, utcnow
from spotcheck.departments.models import Department
from spotcheck.files.models import StoredFileColumns
from spotcheck.workflow.models import Approval


class DrawStatus(enum.StrEnum):
    """Where a draw stands; before commit everything can change, after it nothing that feeds it."""

    PREPARED = "prepared"
    COMMITTED = "committed"
    COMPUTED = "computed"
    PUBLISHED = "published"
    # A committed draw whose entropy cannot be completed, given up with approval: it stays
    # (and stays public) for ever; the task may then prepare a new draw (a new manifest).
    ABANDONED = "abandoned"


DRAW_LABELS = {
    DrawStatus.PREPARED: "准备中",
    DrawStatus.COMMITTED: "已承诺（待随机数）",
    DrawStatus.COMPUTED: "已抽取",
    DrawStatus.PUBLISHED: "已公开",
    DrawStatus.ABANDONED: "已放弃（经批准）",
}
DRAW_MOVES = {
    DrawStatus.PREPARED: {DrawStatus.COMMITTED},
    DrawStatus.COMMITTED: {DrawStatus.COMPUTED, DrawStatus.ABANDONED},
    DrawStatus.COMPUTED: {DrawStatus.PUBLISHED},
    DrawStatus.PUBLISHED: set(),
    DrawStatus.ABANDONED: set(),
}


class Draw(Base):
    """A draw of a task. It cannot be re-run or deleted; events follow it. A task has one draw,
    unless a committed one was abandoned with approval: then the next attempt is a new draw."""

    __tablename__ = "draw"
    __table_args__ = (UniqueConstraint("task_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    # 1 for the task's first draw; n + 1 after the n-th was abandoned.
    attempt: Mapped[int] = mapped_column(default=1)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # 任务编号: the manifest's `task`, public and stable (e.g. "370300-GXJ-2026-03").
    code: Mapped[str] = mapped_column(String(60), unique=True)
    profile_code: Mapped[str] = mapped_column(String(40))
    # The profile version of the task, pinned at prepare: pools, commit, events and record read it.
    profile_version_id: Mapped[int | None] = mapped_column(ForeignKey("rulebook_version.id"))
    status: Mapped[DrawStatus] = mapped_column(str_enum(DrawStatus), default=DrawStatus.PREPARED)
    # What the officer chose before commit: {"drand": bool, "dice_digits": int}.
    entropy_choice: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Frozen at commit: the manifest's digest (the manifest text itself is a DrawDocument) and
    # its entropy plan, which the witness and entropy steps read without loading the manifest.
    digest: Mapped[str] = mapped_column(String(64), default="", index=True)
    entropy_plan: Mapped[list[Any]] = mapped_column(JSON, default=list)
    committed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    committed_by: Mapped[str] = mapped_column(String(60), default="")
    # Private, for auditors only: the per-draw salt secret (hex; the openings are a
    # DrawDocument) and what each neutral stratum name stands for
    # ({"第1层": {"key", "name", "article", "size", "quota"}}).
    secret_hex: Mapped[str] = mapped_column(String(128), default="")
    strata_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The eligibility evaluation commit decided on (strata counts, exclusions by reason), so
    # that the pages read it instead of evaluating the registry again.
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    candidate_count: Mapped[int] = mapped_column(default=0)
    # Which pool each inspector key came from and why ({slot: {key: name}}), for the pages.
    pools_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Entropy: the planned drand round (unique across draws: never reused) and what was revealed.
    drand_round: Mapped[int | None] = mapped_column(unique=True)
    dice_value: Mapped[str | None] = mapped_column(String(64), unique=True)
    revealed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Set by compute (the records themselves are DrawDocuments): the seed, how many targets
    # are drawn, and the SHA-256 of the list of drawn targets and groups (after the events),
    # which the signed 抽取记录 prints and its appendix carries.
    seed: Mapped[str] = mapped_column(String(64), default="")
    selected_count: Mapped[int] = mapped_column(default=0)
    list_sha256: Mapped[str] = mapped_column(String(64), default="")
    computed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    computed_by: Mapped[str] = mapped_column(String(60), default="")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(String(60), default="")
    # Set when a committed draw is abandoned (its approval is an Approval row of the draw).
    abandoned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    abandoned_by: Mapped[str] = mapped_column(String(60), default="")
    abandon_reason: Mapped[str] = mapped_column(String(400), default="")
    abandon_approver: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    witnesses: Mapped[list[DrawWitness]] = relationship(
        order_by="DrawWitness.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[DrawEvent]] = relationship(order_by="DrawEvent.seq", cascade="all")
    attachments: Mapped[list[DrawAttachment]] = relationship(
        order_by="DrawAttachment.id", cascade="all"
    )

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return DRAW_LABELS[self.status]


class DrawWitness(Base):
    """A witness of the ceremony (监督人): who, in what capacity, the dice digits they rolled."""

    __tablename__ = "draw_witness"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(30))  # 纪检员, 法律顾问, 企业代表, 群众代表…
    organisation: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    dice_digits: Mapped[str] = mapped_column(String(64), default="")
    recorded_by: Mapped[str] = mapped_column(String(60), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DrawBorrowing(Base):
    """People borrowed from another department for a short slot (001 第十七条, 002 第十条),
    with its typed approval; withdrawn (never deleted) before commit."""

    __tablename__ = "draw_borrowing"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    approval_id: Mapped[int] = mapped_column(ForeignKey("approval.id"))
    rule: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_by: Mapped[str] = mapped_column(String(60), default="")
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    approval: Mapped[Approval] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")

    def loan(self) -> dict[str, Any]:
        """The borrowing as the pools and the frozen record read it."""
        return {
            "slot": self.slot,
            "department_id": self.department_id,
            "department": self.department.name,
            "approved_by": self.approval.approver_name,
            "approval_level": self.approval.level_label,
            "document": self.approval.document_no,
            "rule": self.rule,
        }


class DrawEvent(Base):
    """An event after the draw (spec "Events"): replace a target or an inspector, assign manually."""

    __tablename__ = "draw_event"
    __table_args__ = (UniqueConstraint("draw_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(30))
    # The spec's event object as applied (with reason, approved_by, at and derived fields).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(300))
    statement: Mapped[str] = mapped_column(Text, default="")  # 书面说明
    approved_by: Mapped[str] = mapped_column(String(60), default="")
    # The typed approval (department, level, person) when the profile names the level.
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approval.id"))
    rule: Mapped[str] = mapped_column(String(200), default="")
    # {commitment: [key, name]} of the targets the event names, as they were then (the
    # pages show events without reading the record).
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DrawAttachment(StoredFileColumns, Base):
    """A file of the ceremony: photos, video, the scan of the signed record (002 第九条), kept in
    the file store (name, type, size, SHA-256, path, who and when: `StoredFileColumns`)."""

    __tablename__ = "draw_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # photo / video / signed_record


class DrawDocument(Base):
    """A large text of a draw, kept out of the draw's row and read only by the steps that need
    it: the manifest, the openings, the public record without its manifest (UTF-8, with the
    SHA-256 and size of the text; see draws.documents)."""

    __tablename__ = "draw_document"
    __table_args__ = (UniqueConstraint("draw_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # manifest / openings / record
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    body: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DrawnTarget(Base):
    """A target a task's draw selected, as drawn now (after the events): its visit order and
    group. The draw writes these in bulk; overlap rules, pages and exports read them."""

    __tablename__ = "drawn_target"
    __table_args__ = (
        UniqueConstraint("task_id", "target_key"),
        Index("ix_drawn_target_task_seq", "task_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    target_key: Mapped[str] = mapped_column(String(40), index=True)
    target_name: Mapped[str] = mapped_column(String(200), default="")
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Visit order (1…n) and commitment in the record; the group (the 组长 first) as text,
    # "slot␟key␟name␟cert" per member joined by "␞" (draws.visits: read and written in bulk,
    # where JSON per row cost more than the rest); the name of the target this one replaced;
    # a lower-case text of names, keys and certificate numbers for the pages' search.
    seq: Mapped[int | None] = mapped_column()
    commitment: Mapped[str] = mapped_column(String(64), default="")
    members: Mapped[str] = mapped_column(Text, default="")
    replaces: Mapped[str] = mapped_column(String(200), default="")
    search: Mapped[str] = mapped_column(Text, default="")
