"""Delegating a task to a lower-level agency (001 第十四条).

A task of a plan may be handed, before its draw is prepared, to an agency below the initiating
department (a county under a city; never a 科室, which acts for its own agency anyway). The
delegate's users then see the task (plans.tasks.get_or_404 and get_all include
`Task.delegated_department_id`) and run its ceremony. The task keeps its initiator: its profile,
pools and registries stay those of the initiating department, whose users still see the draw.
Cross-region tasks led by a superior need nothing here: the superior's scope is its subtree.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.draws.models import Draw
from spotcheck.errors import DomainError, NotFound
from spotcheck.plans.models import Task

ARTICLE = "001 第十四条"


def delegate(
    session: Session, actor: Actor, task: Task, department: Department, reason: str
) -> Task:
    """Delegate the task to a lower-level agency before its draw is prepared."""
    if task.plan_id is None:
        raise DomainError("只有年度计划中的任务可以委派", field="task")
    draw = session.scalar(select(Draw).where(Draw.task_id == task.id).limit(1))
    if draw is not None:
        raise DomainError(f"任务已准备抽取（{draw.code}），不能再委派", field="task")
    initiator = session.get(Department, task.department_id)
    if initiator is None:
        raise NotFound("未找到发起部门")
    if department.id == initiator.id or not department.path.startswith(initiator.path):
        raise DomainError(
            f"只能委派给{initiator.name}的下级部门（{department.name}不是）", field="department"
        )
    if department.level == DepartmentLevel.SECTION:
        raise DomainError(
            f"{department.name}是内设科室，不能接受委派；请选择下级机关", field="department"
        )
    if not department.active:
        raise DomainError(f"{department.name}已停用", field="department")
    if not reason.strip():
        raise DomainError("请填写委派事由", field="reason")
    before = task.delegated_department_id
    task.delegated_department_id = department.id
    audit_service.record(
        session,
        actor,
        "task.delegate",
        object_type="task",
        object_id=task.id,
        summary=f"任务“{task.name}”委派给{department.name}（依据 {ARTICLE}）：{reason.strip()}"[
            :400
        ],
        before={"delegated_department_id": before},
        after={"delegated_department_id": department.id, "reason": reason.strip()},
    )
    session.flush()
    return task
