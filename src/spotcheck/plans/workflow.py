"""The plan workflow's machinery: one step (who, when, from → to, opinion, document, rule) with
its audit event, the state machine check, and the copy of a task into an adjusted version."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.errors import IllegalTransition
from spotcheck.plans.models import (
    PLAN_MOVES,
    AnnualPlan,
    PlanStatus,
    PlanStep,
    Task,
    TaskDepartment,
    TaskItem,
)

# Audit action of each workflow step (the rest are plan.<action>).
_ACTIONS = {"return": "plan.return"}


def step(
    session: Session,
    actor: Actor,
    plan: AnnualPlan,
    action: str,
    from_status: PlanStatus | str,
    to_status: PlanStatus,
    *,
    opinion: str = "",
    document_no: str = "",
    on_behalf_of: str = "",
    rule: str = "",
) -> PlanStep:
    step = PlanStep(
        action=action,
        from_status=str(from_status),
        to_status=str(to_status),
        actor_name=actor.name[:60],
        opinion=opinion.strip()[:500],
        document_no=document_no.strip()[:100],
        on_behalf_of=on_behalf_of[:60],
        rule=rule[:200],
    )
    plan.steps.append(
        step
    )  # the cascade saves it; adding it to the session too would list it twice
    session.flush()
    return step


def move(
    session: Session,
    actor: Actor,
    plan: AnnualPlan,
    action: str,
    to: PlanStatus,
    summary: str,
    **details: str,
) -> PlanStep:
    """Take one workflow step: check the move, set the state and its time, record step and audit."""
    check_move(plan, to, action)
    before = plan.status
    plan.status = to
    stamp = {
        PlanStatus.SUBMITTED: "submitted_at",
        PlanStatus.APPROVED: "approved_at",
        PlanStatus.FILED: "filed_at",
        PlanStatus.PUBLISHED: "published_at",
    }.get(to)
    if stamp:
        setattr(plan, stamp, utcnow())
    made = step(session, actor, plan, action, before, to, **details)
    audit_service.record(
        session,
        actor,
        _ACTIONS.get(action, f"plan.{action}"),
        object_type="annual_plan",
        object_id=plan.id,
        summary=summary[:400],
        before={"status": str(before)},
        after={"status": str(to), "opinion": made.opinion, "document_no": made.document_no},
    )
    return made


_VERBS = {
    "submit": "提交审批",
    "approve": "批准",
    "return": "退回",
    "file": "备案",
    "publish": "公开",
    "supersede": "替代",
}
_MOVE_VERBS = {
    PlanStatus.SUBMITTED: "提交审批",
    PlanStatus.APPROVED: "批准",
    PlanStatus.RETURNED: "退回",
    PlanStatus.FILED: "备案",
    PlanStatus.PUBLISHED: "公开",
    PlanStatus.SUPERSEDED: "被调整版本替代",
}


def check_move(plan: AnnualPlan, to: PlanStatus, action: str) -> None:
    """Refuse a move the state machine does not allow (IllegalTransition, in Chinese)."""
    if to not in PLAN_MOVES[plan.status]:
        raise IllegalTransition(
            f"年度计划当前为“{plan.status_label}”，不能执行“{_VERBS[action]}”"
            f"（当前可以：{_allowed_text(plan)}）"
        )


def _allowed_text(plan: AnnualPlan) -> str:
    moves = [_MOVE_VERBS[m] for m in PLAN_MOVES[plan.status]]
    if plan.status in (PlanStatus.FILED, PlanStatus.PUBLISHED):
        moves.append("调整")
    return "、".join(moves) or "无（该版本已不再有效）"


def copy_task(session: Session, task: Task, plan: AnnualPlan, actor: Actor) -> Task:
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
