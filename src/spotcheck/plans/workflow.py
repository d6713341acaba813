"""The annual plan's state machine (declared for `spotcheck.workflow`) and the task copy made by
an adjustment. Every plan state change goes through `workflow.service.move` with `PLAN`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor
from spotcheck.plans import access
from spotcheck.plans.models import (
    PLAN_LABELS,
    AnnualPlan,
    PlanStatus,
    Task,
    TaskDepartment,
    TaskItem,
)
from spotcheck.workflow.machine import Machine, Move

S = PlanStatus
_LEADERS = frozenset(access.APPROVE)

PLAN = Machine(
    subject_type="annual_plan",
    noun="年度计划",
    labels={str(k): v for k, v in PLAN_LABELS.items()},
    moves=(
        Move("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, "提交审批"),
        Move("approve", frozenset({S.SUBMITTED}), S.APPROVED, "批准", _LEADERS, "plan"),
        Move("return", frozenset({S.SUBMITTED}), S.RETURNED, "退回", _LEADERS),
        Move("file", frozenset({S.APPROVED}), S.FILED, "备案"),
        Move("publish", frozenset({S.FILED}), S.PUBLISHED, "公开"),
        Move("supersede", frozenset({S.FILED, S.PUBLISHED}), S.SUPERSEDED, "被调整版本替代"),
    ),
    audit_prefix="plan",
    stamps={
        S.SUBMITTED: "submitted_at",
        S.APPROVED: "approved_at",
        S.FILED: "filed_at",
        S.PUBLISHED: "published_at",
    },
)


def copy_task(session: Session, task: Task, plan: AnnualPlan, actor: Actor) -> Task:
    """Copy a task (items, participants, scope) into an adjusted plan version."""
    copy = Task(
        plan_id=plan.id,
        department_id=task.department_id,
        number=task.number,
        name=task.name,
        sub_registry_id=task.sub_registry_id,
        filters=dict(task.filters or {}),
        strata_settings=dict(task.strata_settings or {}),
        window_start=task.window_start,
        window_end=task.window_end,
        methods=task.methods,
        grounds=task.grounds,
        overlap_policy=task.overlap_policy,
        batch_count=task.batch_count,
        requirements=task.requirements,
        auxiliary_experts=task.auxiliary_experts,
        created_by=actor.name,
    )
    copy.items = [
        TaskItem(
            item_id=i.item_id,
            item_version_id=i.item_version_id,
            is_main=i.is_main,
            position=i.position,
        )
        for i in task.items
    ]
    copy.participants = [TaskDepartment(department_id=p.department_id) for p in task.participants]
    session.add(copy)
    return copy
