"""The rulebook version a plan or task was decided under, and its profile: past work reads its own rules.

A plan pins the current version of its department's profile when it is made, a task its plan's
(a special task: its department's); editing the profile later makes a new version and changes
none of these. Rows made without a pin (only by hand, before migration 0009) read the code's
current text as before.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.departments.models import Department
from spotcheck.errors import NotFound
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks import versions
from spotcheck.rulebooks.models import RulebookVersion
from spotcheck.rulebooks.schema import Profile


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("未找到发起部门")
    return department


def plan_version(session: Session, plan: AnnualPlan) -> RulebookVersion | None:
    """The version the plan pinned, if any."""
    if plan.profile_version_id is None:
        return None
    return versions.get_or_404(session, plan.profile_version_id)


def plan_profile(session: Session, plan: AnnualPlan) -> Profile:
    """The plan's profile: its pinned version, else its code's current text, else the adopted one."""
    pinned = plan_version(session, plan)
    if pinned is not None:
        return versions.profile(pinned)
    if plan.profile_code:
        return rulebooks_service.get(session, plan.profile_code)
    return rulebooks_service.profile_for(session, _department(session, plan.department_id))


def _plan_of(session: Session, task: Task) -> AnnualPlan | None:
    # Read by id: a task object held across requests may carry a stale relationship.
    return session.get(AnnualPlan, task.plan_id) if task.plan_id is not None else None


def task_version(session: Session, task: Task) -> RulebookVersion | None:
    """The version the task pinned (or its plan did), if any."""
    if task.profile_version_id is not None:
        return versions.get_or_404(session, task.profile_version_id)
    plan = _plan_of(session, task)
    return plan_version(session, plan) if plan is not None else None


def task_profile(session: Session, task: Task) -> Profile:
    """The profile governing the task: its pinned version, else its plan's, else the initiator's."""
    pinned = task_version(session, task)
    if pinned is not None:
        return versions.profile(pinned)
    plan = _plan_of(session, task)
    if plan is not None and plan.profile_code:
        return rulebooks_service.get(session, plan.profile_code)
    return rulebooks_service.profile_for(session, _department(session, task.department_id))


def plan_version_to_pin(session: Session, plan: AnnualPlan) -> RulebookVersion:
    """The version a new task of the plan pins: the plan's, else the current one of its profile."""
    pinned = plan_version(session, plan)
    if pinned is not None:
        return pinned
    return rulebooks_service.current_version(session, plan_profile(session, plan).code)


def version_to_pin(session: Session, task: Task) -> RulebookVersion:
    """The version the draw of a task pins: the task's (or its plan's), else the current one."""
    pinned = task_version(session, task)
    if pinned is not None:
        return pinned
    return rulebooks_service.current_version(session, task_profile(session, task).code)
