"""Annual plans (年度抽查计划), their workflow steps, and their tasks (抽查任务 + 工作方案)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spotcheck.db import Base, UTCDateTime, str_enum, utcnow


class PlanStatus(enum.StrEnum):
    """Where a plan version stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    FILED = "filed"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


PLAN_LABELS = {
    PlanStatus.DRAFT: "草稿",
    PlanStatus.SUBMITTED: "待审批",
    PlanStatus.RETURNED: "已退回",
    PlanStatus.APPROVED: "已批准",
    PlanStatus.FILED: "已备案",
    PlanStatus.PUBLISHED: "已公开",
    PlanStatus.SUPERSEDED: "已被调整版本替代",
}
# Workflow actions of a plan as the timeline names them.
STEP_LABELS = {
    "create": "新建",
    "submit": "提交审批",
    "approve": "批准",
    "return": "退回",
    "file": "备案",
    "publish": "公开",
    "adjust": "调整",
    "supersede": "被替代",
}
# The allowed moves are the machine `plans.workflow.PLAN` (spotcheck.workflow).
# Order of the states a draw may require (profile plan.draw_requires).
PLAN_ORDER = {
    PlanStatus.APPROVED: 1,
    PlanStatus.FILED: 2,
    PlanStatus.PUBLISHED: 3,
}
EDITABLE = {PlanStatus.DRAFT, PlanStatus.RETURNED}


class AnnualPlan(Base):
    """One version of a department's plan for a natural year; an adjustment is a new version."""

    __tablename__ = "annual_plan"
    __table_args__ = (UniqueConstraint("department_id", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    year: Mapped[int] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.DRAFT)
    # The profile in force when the plan was made: its code and the version pinned then.
    profile_code: Mapped[str] = mapped_column(String(40))
    profile_version_id: Mapped[int | None] = mapped_column(ForeignKey("rulebook_version.id"))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("annual_plan.id"))
    adjustment_reason: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    filed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    tasks: Mapped[list[Task]] = relationship(
        back_populates="plan", order_by="Task.number", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return PLAN_LABELS[self.status]


class Task(Base):
    """A task of a plan (or a marked special campaign with no plan): items, scope, strata, window."""

    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("annual_plan.id", ondelete="CASCADE"), index=True
    )
    # The initiating department (发起部门); its adopted profile governs the task.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # A lower-level agency the task is delegated to (001 第十四条): it runs the draw.
    delegated_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    number: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    special: Mapped[bool] = mapped_column(default=False)
    special_basis: Mapped[str] = mapped_column(String(300), default="")
    sub_registry_id: Mapped[int | None] = mapped_column(ForeignKey("sub_registry.id"))
    # Registry filters: target_types, region, industry, risk_classes, tag, q (see eligibility.scope).
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Per stratum key: {"ratio": 0.2} or {"count": 10}; missing keys use the profile's ratio.
    strata_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    methods: Mapped[str] = mapped_column(String(200), default="")  # "|书面检查|实地核查|"
    grounds: Mapped[str] = mapped_column(String(100), default="")  # "|投诉举报|法定|"
    overlap_policy: Mapped[str] = mapped_column(String(10), default="")  # merge / exclude
    batch_count: Mapped[int | None] = mapped_column()
    # Whether the groups take the profile's on-request auxiliary slot (002 第九条第六款: experts
    # "may" be added when a check needs them); off unless the task asks for them.
    auxiliary_experts: Mapped[bool] = mapped_column(default=False, server_default=false())
    requirements: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The profile version the task was decided under (its plan's, or the department's for 专项).
    profile_version_id: Mapped[int | None] = mapped_column(ForeignKey("rulebook_version.id"))

    plan: Mapped[AnnualPlan | None] = relationship(back_populates="tasks")
    items: Mapped[list[TaskItem]] = relationship(
        order_by="TaskItem.position", cascade="all, delete-orphan"
    )
    participants: Mapped[list[TaskDepartment]] = relationship(cascade="all, delete-orphan")

    @property
    def method_list(self) -> list[str]:
        """Methods as a list."""
        return [m for m in self.methods.split("|") if m]

    @property
    def ground_list(self) -> list[str]:
        """Grounds as a list."""
        return [g for g in self.grounds.split("|") if g]

    @property
    def is_joint(self) -> bool:
        """Whether other departments take part."""
        return bool(self.participants)


class TaskItem(Base):
    """An item of a task, pinned to the published version it was planned with (1+X: one main)."""

    __tablename__ = "task_item"
    __table_args__ = (UniqueConstraint("task_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("check_item.id"))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("check_item_version.id"))
    is_main: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class TaskDepartment(Base):
    """A participating department (参与部门/配合部门) of a joint task."""

    __tablename__ = "task_department"
    __table_args__ = (UniqueConstraint("task_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
