"""The annual minimum or target ratio (003 第十六条 ≥5%, 004 二（三） ≈20%) over a plan's tasks.

The registry is the plan department's subtree: targets of the types the profile admits, in a
drawable status, counted once per 统一社会信用代码. The planned total adds up each ordinary task's
quota (special campaigns are outside the plan), so a target drawn by two tasks counts twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.departments.models import Department
from spotcheck.eligibility import service as eligibility
from spotcheck.eligibility.quotas import percent
from spotcheck.eligibility.scope import scope_count
from spotcheck.errors import NotFound
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks.schema import AnnualRatio, Profile, cite


@dataclass
class AnnualSummary:
    """The plan year's planned draws over the registry, against the annual minimum or target."""

    year: int
    registry_size: int
    planned: list[tuple[Task, int]]
    total: int
    ratio: float
    rule: AnnualRatio | None
    ok: bool
    message: str
    # Each task's eligibility problems (a general item above its ratio …), by task id: what the
    # submission refuses and the plan page lists (plans.findings).
    task_problems: dict[int, list[str]] = field(default_factory=dict)


TWICE = "同一检查对象被两个任务抽取时计两次"


def plan_profile(session: Session, plan: AnnualPlan, department: Department) -> Profile:
    """The plan's profile: its pinned version, else its profile_code, else the adopted one."""
    return pinned.plan_profile(session, plan)


def summarise(session: Session, plan: AnnualPlan, on: dt.date | None = None) -> AnnualSummary:
    """The year's planned draws against the profile's annual rule, with the rule's article."""
    department = session.get(Department, plan.department_id)
    if department is None:
        raise NotFound("未找到计划所属部门")
    profile = plan_profile(session, plan, department)
    size = scope_count(session, department, profile)
    # Read the tasks afresh: a plan object held across requests may carry a stale collection.
    tasks = session.scalars(
        select(Task).where(Task.plan_id == plan.id, Task.special.is_(False)).order_by(Task.number)
    ).all()
    shared = eligibility.Shared()
    planned: list[tuple[Task, int]] = []
    problems: dict[int, list[str]] = {}
    for task in tasks:  # one evaluation at a time: each holds its candidates
        result = eligibility.evaluate(session, task, on, shared=shared)
        planned.append((task, result.total_quota))
        problems[task.id] = list(result.problems)
    total = sum(n for _task, n in planned)
    exact = Fraction(total, size) if size else Fraction(0)
    rule = profile.annual
    head = f"{plan.year}年计划抽查 {total} 户次，名录库可抽取对象 {size} 户，占 {percent(exact)}"
    if rule is None:
        ok, message = True, f"{head}；所用细则未规定年度抽查比例（{TWICE}）"
    elif size == 0:
        ok, message = (
            True,
            f"名录库中没有可抽取的检查对象，无法核对年度比例（{cite(rule.article)}）",
        )
    elif rule.kind == "minimum":
        ok = exact >= Fraction(str(rule.ratio))
        verdict = "不低于" if ok else "低于规定的最低比例"
        message = f"{head}，{verdict}{percent(Fraction(str(rule.ratio)))}（{cite(rule.article)}；{TWICE}）"
    else:
        target, tolerance = Fraction(str(rule.ratio)), Fraction(str(rule.tolerance))
        ok = abs(exact - target) <= tolerance
        band = f"{percent(target - tolerance)}–{percent(target + tolerance)}"
        verdict = (
            f"在{percent(target)}左右（{band}）" if ok else f"偏离{percent(target)}左右（{band}）"
        )
        message = f"{head}，{verdict}（{cite(rule.article)}；{TWICE}）"
    return AnnualSummary(
        year=plan.year,
        registry_size=size,
        planned=planned,
        total=total,
        ratio=float(exact),
        rule=rule,
        ok=ok,
        message=message,
        task_problems=problems,
    )
