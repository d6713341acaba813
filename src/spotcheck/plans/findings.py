"""What stops an annual plan from being submitted, and what should be looked at, each with its
article: one computation, enforced by the submission (plans.service.submit) and listed on the plan
page and the task page, so that what a page lists is exactly what the submission refuses.

Blockers: a task's own problems (task_rules.problems); for a task without them, the problems of its
eligibility evaluation (a general item drawn above its ratio, 002 第五条第二款 …); a plan without
tasks; a year's plan below the profile's annual minimum (003 第十六条). Warnings: a task's
task_rules.warnings (a joint task without participants, 000 第五、九条) and a year's plan away from
the profile's annual target (004 二（三） “20%左右”).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from spotcheck.plans import task_rules
from spotcheck.plans.models import AnnualPlan, Task

if TYPE_CHECKING:
    from spotcheck.eligibility.annual import AnnualSummary

NO_TASKS = "年度计划中还没有抽查任务，请先新增至少一个任务再提交审批"


@dataclass(frozen=True)
class TaskFindings:
    """One task's blockers and warnings."""

    number: int
    name: str
    blockers: list[str]
    warnings: list[str]

    @property
    def label(self) -> str:
        """How a refusal names the task."""
        return f"任务 {self.number}“{self.name}”"


@dataclass(frozen=True)
class PlanFindings:
    """The plan's own blockers and warnings, and each task's (by task id)."""

    blockers: list[str]
    warnings: list[str]
    tasks: dict[int, TaskFindings]
    # False while the registry-dependent part (eligibility, annual ratio) is still being computed.
    complete: bool = True

    @property
    def ok(self) -> bool:
        """Whether nothing blocks the submission."""
        return not self.blockers and not any(t.blockers for t in self.tasks.values())

    def refusal(self) -> str:
        """The submission's refusal: every blocker, as the pages list it."""
        parts = list(self.blockers)
        parts += [f"{t.label}：{'；'.join(t.blockers)}" for t in self.tasks.values() if t.blockers]
        return "年度计划不能提交审批，以下问题须先修改：" + " / ".join(parts)


def of_task(
    session: Session, task: Task, eligibility_problems: Sequence[str] | None = None
) -> TaskFindings:
    """The task's blockers and warnings; the eligibility problems count only for a task without
    problems of its own (its evaluation reads what the task says, so fix the task first)."""
    blockers = task_rules.problems(session, task)
    if not blockers and eligibility_problems:
        blockers = list(dict.fromkeys(eligibility_problems))
    return TaskFindings(task.number, task.name, blockers, task_rules.warnings(session, task))


def of_plan(session: Session, plan: AnnualPlan, summary: AnnualSummary | None) -> PlanFindings:
    """The plan's findings from its annual summary (eligibility.annual.summarise, which evaluates
    every task); None while that summary is being computed (the registry part is then unknown)."""
    tasks = sorted(plan.tasks, key=lambda t: t.number)
    blockers = [] if tasks else [NO_TASKS]
    warnings: list[str] = []
    evaluated = summary.task_problems if summary is not None else {}
    per_task = {t.id: of_task(session, t, evaluated.get(t.id)) for t in tasks}
    rule = summary.rule if summary is not None else None
    if summary is not None and rule is not None and not summary.ok:
        if rule.kind == "minimum":
            blockers.append(f"年度抽查比例不足：{summary.message}")
        else:
            warnings.append(f"年度抽查比例：{summary.message}")
    return PlanFindings(blockers, warnings, per_task, complete=summary is not None)


def for_submission(session: Session, plan: AnnualPlan) -> PlanFindings:
    """The plan's findings computed afresh (never from a page's cache), as a submission needs."""
    from spotcheck.eligibility import annual  # heavy: reads the registry

    session.expire(plan, ["tasks"])  # a task added or removed by a concurrent request counts
    return of_plan(session, plan, annual.summarise(session, plan))
