"""Task verbs (抽查任务 + 工作方案): create, edit, delete, validate, and who may see a task.

A task of a plan is initiated by the plan's department and governed by the plan's profile. Its items
are pinned to the published version at save time ("清单之外无抽查": only published items).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.catalog.models import CheckItem
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.draws.models import DrawnTarget
from spotcheck.errors import DomainError, IllegalTransition, NotFound, Refused
from spotcheck.plans.models import (
    EDITABLE,
    AnnualPlan,
    PlanStatus,
    Task,
    TaskDepartment,
    TaskItem,
)
from spotcheck.plans.task_rules import (
    OVERLAP_POLICIES,
    TaskInput,
    TaskInvalid,
    check,
    input_of,
    item_choices,
    participant_choices,
    problems,
    profile_of_task,
    sub_registry_choices,
)
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import Profile, cite
from spotcheck.workflow import service as workflow_service

__all__ = [
    "OVERLAP_POLICIES",
    "TaskInput",
    "TaskInvalid",
    "check",
    "create",
    "create_special",
    "delete",
    "get_all",
    "get_or_404",
    "input_of",
    "item_choices",
    "participant_choices",
    "problems",
    "profile_of_task",
    "sub_registry_choices",
    "update",
]


def _apply(session: Session, task: Task, data: TaskInput) -> None:
    task.name = data.name.strip()
    task.sub_registry_id = data.sub_registry_id
    task.filters = {k: v for k, v in data.filters.items() if v not in (None, "", [])}
    task.strata_settings = dict(data.strata_settings)
    assert data.window_start and data.window_end  # checked
    task.window_start, task.window_end = data.window_start, data.window_end
    task.methods = "|" + "|".join(dict.fromkeys(data.methods)) + "|" if data.methods else ""
    task.grounds = "|" + "|".join(dict.fromkeys(data.grounds)) + "|" if data.grounds else ""
    task.overlap_policy = data.overlap_policy
    task.batch_count = data.batch_count
    task.requirements = data.requirements.strip()
    task.auxiliary_experts = data.auxiliary_experts
    task.special, task.special_basis = data.special, data.special_basis.strip()[:300]
    task.updated_at = utcnow()
    # Replace the links in two flushes: a kept item must not collide with its own old row.
    task.items.clear()
    task.participants.clear()
    session.flush()
    others = [i for i in dict.fromkeys(data.other_item_ids) if i != data.main_item_id]
    for position, item_id in enumerate([data.main_item_id, *others]):
        item = session.get(CheckItem, item_id)
        assert item is not None and item.published_version_id is not None  # checked
        task.items.append(
            TaskItem(
                item_id=item.id,
                item_version_id=item.published_version_id,  # pinned to what is published now
                is_main=position == 0,
                position=position,
            )
        )
    for dep_id in dict.fromkeys(data.participant_ids):
        task.participants.append(TaskDepartment(department_id=dep_id))
    session.flush()


def _snapshot(task: Task) -> dict[str, Any]:
    data = input_of(task)
    return {k: v for k, v in data.__dict__.items()}


def _plan_editable(session: Session, actor: Actor, plan: AnnualPlan) -> None:
    """Lock the plan and re-read it (its status and its tasks): a task change and a concurrent
    submission, or two concurrent task changes, take their turns; a plan no longer editable is
    an audited refusal (409)."""
    workflow_service.lock(session, plan)
    session.expire(plan, ["tasks"])
    if plan.status not in EDITABLE:
        message = (
            f"年度计划“{plan.title}”当前为“{plan.status_label}”，只有草稿或已退回的计划可以增删改任务；"
            "已备案或已公开的计划请先“调整”生成新版本"
        )
        _refuse(session, actor, "annual_plan", plan.id, message)


def _refuse(session: Session, actor: Actor, kind: str, key: int, message: str) -> None:
    audit_service.record(
        session, actor, "plan.refused", object_type=kind, object_id=key, summary=message
    )
    raise Refused(message)


def _insert(
    session: Session, actor: Actor, task: Task, data: TaskInput, what: str, why: str = ""
) -> Task:
    """Save a new task with its items and participants, and its audit event."""
    session.add(task)
    _apply(session, task, data)
    audit_service.record(
        session,
        actor,
        "task.create",
        object_type="task",
        object_id=task.id,
        summary=f"{what}“{task.name}”{why}",
        after=_snapshot(task),
    )
    return task


def create(session: Session, actor: Actor, plan: AnnualPlan, data: TaskInput) -> Task:
    """Add a task to a draft (or returned) plan; numbered 1..n within the plan."""
    _plan_editable(session, actor, plan)
    department = session.get(Department, plan.department_id)
    assert department is not None
    profile = pinned.plan_profile(session, plan)
    data.special, data.special_basis = False, ""
    errors = check(session, department, profile, plan.year, data)
    if errors:
        raise TaskInvalid(errors)
    number = (session.scalar(select(func.max(Task.number)).where(Task.plan_id == plan.id)) or 0) + 1
    task = Task(
        plan_id=plan.id,
        department_id=department.id,
        number=number,
        name="",
        created_by=actor.name,
        profile_version_id=pinned.plan_version_to_pin(session, plan).id,
    )
    task.plan = plan
    return _insert(session, actor, task, data, f"年度计划“{plan.title}”新增任务 {number}")


def special_rule(profile: Profile) -> str:
    """Whether the profile allows special campaigns outside the plan, with its article."""
    campaigns = profile.plan.special_campaigns
    if campaigns is not None and campaigns.allowed:
        return f"{cite(campaigns.article)}：{campaigns.note or '允许开展计划外专项检查'}"
    return (
        f"{cite(profile.plan.article)}：{profile.plan.note or '未列入年度抽查工作计划的，不得随意进行'}"
        "；本细则未规定计划外专项检查"
    )


def create_special(session: Session, actor: Actor, department: Department, data: TaskInput) -> Task:
    """A special campaign (专项) outside the plan, where the profile allows it; marked as such."""
    profile = rulebooks_service.profile_for(session, department)
    campaigns = profile.plan.special_campaigns
    if campaigns is None or not campaigns.allowed:
        raise DomainError(f"不能新建计划外专项检查：{special_rule(profile)}")
    data.special = True
    errors = check(session, department, profile, None, data)
    if errors:
        raise TaskInvalid(errors)
    number = (
        session.scalar(
            select(func.count(Task.id)).where(
                Task.plan_id.is_(None), Task.department_id == department.id
            )
        )
        or 0
    ) + 1
    task = Task(
        plan_id=None,
        department_id=department.id,
        number=number,
        name="",
        created_by=actor.name,
        profile_version_id=rulebooks_service.version_for(session, department).id,
    )
    return _insert(
        session,
        actor,
        task,
        data,
        f"{department.name} 新建专项检查任务",
        f"（{special_rule(profile)}）",
    )


def _drawn(session: Session, task: Task) -> bool:
    return (
        session.scalar(select(DrawnTarget.id).where(DrawnTarget.task_id == task.id).limit(1))
        is not None
    )


def _editable(session: Session, actor: Actor, task: Task) -> None:
    if task.plan is not None:
        _plan_editable(session, actor, task.plan)
    else:
        workflow_service.lock(session, task)
    if session.scalar(select(Task.id).where(Task.id == task.id)) is None:
        _refuse(session, actor, "task", task.id, f"任务“{task.name}”已被删除（可能刚由他人删除）")
    if task.plan is None and _drawn(session, task):
        raise IllegalTransition("该专项检查已完成抽取，不能再修改或删除")


def update(session: Session, actor: Actor, task: Task, data: TaskInput) -> None:
    """Change a task of a draft plan (or an undrawn special task); items are pinned again."""
    _editable(session, actor, task)
    department = session.get(Department, task.department_id)
    assert department is not None
    profile = profile_of_task(session, task)
    data.special = task.special
    if not task.special:
        data.special_basis = ""
    errors = check(session, department, profile, task.plan.year if task.plan else None, data)
    if errors:
        raise TaskInvalid(errors)
    before = _snapshot(task)
    _apply(session, task, data)
    audit_service.record(
        session,
        actor,
        "task.update",
        object_type="task",
        object_id=task.id,
        summary=f"修改抽查任务 {task.number}“{task.name}”",
        before=before,
        after=_snapshot(task),
    )


def delete(session: Session, actor: Actor, task: Task) -> None:
    """Remove a task from a draft plan; the others are numbered 1..n again."""
    _editable(session, actor, task)
    plan = task.plan
    before = _snapshot(task)
    task_id, number, name = task.id, task.number, task.name
    if plan is not None:
        plan.tasks.remove(task)
    session.delete(task)
    session.flush()
    if plan is not None:
        for other in sorted(plan.tasks, key=lambda t: t.number):
            if other.number > number:
                other.number -= 1
                session.flush()  # one at a time: (plan, number) stays unique at every step
    audit_service.record(
        session,
        actor,
        "task.delete",
        object_type="task",
        object_id=task_id,
        summary=f"删除抽查任务 {number}“{name}”",
        before=before,
    )


def visible_clause(visible: Sequence[int]) -> Any:
    """Tasks the departments initiate, take part in or were delegated (task membership)."""
    members = select(TaskDepartment.task_id).where(TaskDepartment.department_id.in_(visible))
    return or_(
        Task.department_id.in_(visible),
        Task.delegated_department_id.in_(visible),  # the delegate runs it (001 第十四条)
        Task.id.in_(members),
    )


def get_or_404(session: Session, task_id: int, scope: Sequence[int] | None) -> Task:
    """The task if the user's departments initiate it or take part in it (task membership)."""
    task = session.get(Task, task_id)
    visible = scope
    if task is None:
        raise NotFound("未找到该抽查任务，或您无权查看")
    if visible is not None and not (
        task.department_id in visible
        or task.delegated_department_id in visible
        or any(p.department_id in visible for p in task.participants)
    ):
        raise NotFound("未找到该抽查任务，或您无权查看")
    return task


def get_all(
    session: Session,
    scope: Sequence[int] | None,
    year: int | None = None,
    *,
    include_superseded: bool = False,
) -> list[Task]:
    """Tasks the user initiates or takes part in: newest year first, by plan and number."""
    query = select(Task).outerjoin(AnnualPlan, AnnualPlan.id == Task.plan_id)
    visible = scope
    if visible is not None:
        query = query.where(visible_clause(visible))
    if not include_superseded:
        query = query.where(or_(Task.plan_id.is_(None), AnnualPlan.status != PlanStatus.SUPERSEDED))
    tasks = list(session.scalars(query))
    if year is not None:
        tasks = [t for t in tasks if (t.plan.year if t.plan else t.window_start.year) == year]
    return sorted(
        tasks,
        key=lambda t: (
            -(t.plan.year if t.plan else t.window_start.year),
            t.plan_id or 0,
            t.number,
            t.id,
        ),
    )


def is_participant(task: Task, scope: Sequence[int] | None, session: Session) -> bool:
    """Whether the user sees the task only as a participating department."""
    visible = scope
    return visible is not None and task.department_id not in visible
