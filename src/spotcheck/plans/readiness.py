"""Whether a plan meets its deadline, and whether a task may reach the draw (each with its article)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from spotcheck import clock
from spotcheck.calendar import service as calendar_service
from spotcheck.catalog.models import CheckItem
from spotcheck.deadlines import service as deadlines_service
from spotcheck.deadlines.models import Deadline, DeadlineState
from spotcheck.plans import findings, task_rules
from spotcheck.plans.models import PLAN_LABELS, PLAN_ORDER, AnnualPlan, PlanStatus, Task
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks.schema import Profile, cite


@dataclass(frozen=True)
class DueInfo:
    """The profile's plan deadline as it stands today for this plan."""

    due: dt.date
    kind: str  # "pending" | "warning" | "overdue" | "met"
    text: str
    article: str

    @property
    def overdue(self) -> bool:
        """Whether the date has passed without the plan reaching its required state."""
        return self.kind == "overdue"


def due_state(profile: Profile) -> PlanStatus:
    """The state that meets the plan deadline: filed, or published where a draw needs that (003)."""
    # The profiles carry no separate field: 001 wants the plan filed by 31 January, 003 wants it
    # 制定并发布 by 31 May, and each profile's draw_requires says the same thing.
    return PlanStatus.PUBLISHED if profile.plan.draw_requires == "published" else PlanStatus.FILED


PLAN_SUBJECT = "annual_plan"
PLAN_DUE = "plan_due"


def plan_due_rule(profile: Profile) -> deadlines_service.DueRule | None:
    """The profile's plan due date as a deadline rule (001: 31 January, 003: 31 May), or None."""
    rule = profile.plan.due
    if rule is None:
        return None
    state = due_state(profile)
    verb = "发布" if state == PlanStatus.PUBLISHED else "备案"
    month, day = (int(p) for p in rule.month_day.split("-"))
    return deadlines_service.DueRule(
        kind=PLAN_DUE,
        text=f"年度计划应于 {month}月{day}日前{verb}",
        article=rule.article,
        satisfying_state=str(state),
        month_day=rule.month_day,
    )


def open_plan_due(session: Session, plan: AnnualPlan) -> Deadline | None:
    """Open the plan's due-date deadline under its profile; a state already reached counts."""
    profile = pinned.plan_profile(session, plan)
    rule = plan_due_rule(profile)
    if rule is None:
        return None
    made = plan.created_at.astimezone(clock.BEIJING).date() if plan.created_at else clock.today()
    row = deadlines_service.open_deadline(
        session,
        PLAN_SUBJECT,
        plan.id,
        rule,
        start=made,
        profile_ref=_profile_ref(session, plan),
        year=plan.year,
    )
    # Plans made before deadlines were rows (migrate.upgrade) may already be filed or published.
    reached = plan.published_at if rule.satisfying_state == PlanStatus.PUBLISHED else plan.filed_at
    if reached is not None:
        deadlines_service.satisfy(session, row, reached)
    return row


def _profile_ref(session: Session, plan: AnnualPlan) -> str:
    version = pinned.plan_version(session, plan)
    return version.label if version is not None else plan.profile_code


def open_missing_plan_dues(session: Session) -> int:
    """Open the plan-due deadline of every plan that has none yet; returns how many were opened."""
    have = set(
        session.scalars(
            select(Deadline.subject_id).where(
                Deadline.subject_type == PLAN_SUBJECT, Deadline.kind == PLAN_DUE
            )
        )
    )
    opened = 0
    for plan in session.scalars(select(AnnualPlan).order_by(AnnualPlan.id)):
        if plan.id not in have and open_plan_due(session, plan) is not None:
            opened += 1
    return opened


def due_info(session: Session, plan: AnnualPlan, today: dt.date | None = None) -> DueInfo | None:
    """The plan deadline of the profile: days left (working days from the calendar) or overdue."""
    row = deadlines_service.get(session, PLAN_SUBJECT, plan.id, PLAN_DUE)
    if row is None or row.due is None:
        return None
    today = today or clock.today()
    due = row.due
    base = f"{cite(row.article)}：{row.rule}"
    if plan.status == PlanStatus.SUPERSEDED:
        return DueInfo(due, "met", f"{base}；本版本已被替代", row.article)
    if row.state in (DeadlineState.MET, DeadlineState.MET_LATE):
        return DueInfo(due, "met", f"{base}；本计划{PLAN_LABELS[plan.status]}", row.article)
    if today > due:
        return DueInfo(due, "overdue", f"已逾期 {(today - due).days} 天（{base}）", row.article)
    days = (due - today).days
    try:
        left = f"距截止还有 {calendar_service.workdays_between(session, today, due)} 个工作日"
    except calendar_service.UnknownYear as exc:
        left = f"{exc.year} 年工作日历尚未导入，按自然日计 {days} 天"
    warn_days = _warn_days(session, plan)
    kind = "warning" if days <= warn_days else "pending"
    return DueInfo(due, kind, f"{left}（{base}）", row.article)


def _warn_days(session: Session, plan: AnnualPlan) -> int:
    rule = pinned.plan_profile(session, plan).plan.due
    return rule.warn_days if rule else 0


def _item_rule(profile: Profile) -> str:
    rule = profile.approvals.get("item_list")
    return rule.article if rule else profile.scope.article


@dataclass(frozen=True)
class DrawCheck:
    """Why a task cannot reach the draw (blockers), and what should be looked at (warnings)."""

    blockers: list[str]
    warnings: list[str]


def draw_check(
    session: Session, task: Task, today: dt.date | None = None, *, with_eligibility: bool = True
) -> DrawCheck:
    """Every reason the task cannot be drawn, each with its article; and non-blocking warnings.

    with_eligibility=False leaves out the eligibility engine's problems (a cheaper first look).
    """
    profile = task_rules.profile_of_task(session, task)
    blockers: list[str] = []
    warnings: list[str] = []
    rules = profile.plan
    if task.plan is None:
        campaigns = rules.special_campaigns
        if not (task.special and campaigns and campaigns.allowed):
            blockers.append(
                f"未列入年度抽查计划：{cite(rules.article)}，{rules.note or '未列入年度抽查工作计划的，不得随意进行'}"
                "（本细则不允许计划外专项检查）"
            )
        elif campaigns is not None:
            warnings.append(
                f"专项检查（计划外，{cite(campaigns.article)} 允许）：{task.special_basis}"
            )
    else:
        plan = task.plan
        needed = PlanStatus(rules.draw_requires)
        if plan.status == PlanStatus.SUPERSEDED:
            blockers.append(
                f"所属年度计划第 {plan.version} 版已被调整后的版本替代，请使用新版本中的任务（{cite(rules.filing.article)}）"
            )
        elif PLAN_ORDER.get(plan.status, 0) < PLAN_ORDER[needed]:
            blockers.append(
                f"所属年度计划当前为“{plan.status_label}”，须{PLAN_LABELS[needed]}后才能抽取"
                f"（{cite(rules.article)}：{rules.note}）"
            )
    item_article = _item_rule(profile)
    for link in task.items:
        item = session.get(CheckItem, link.item_id)
        if item is None:
            continue
        if item.published is None:
            blockers.append(
                f"清单之外无抽查：事项 {item.code} 尚未发布，不能用于抽取（{cite(item_article)}）"
            )
            continue
        if item.published_version_id != link.item_version_id:
            warnings.append(
                f"事项 {item.code} 已发布第 {item.published.version} 版，本任务仍按制定时的版本执行；"
                "如需按新版本执行，请调整年度计划"
            )
        if item.published.list_type not in profile.scope.item_list_types:
            blockers.append(
                f"事项 {item.code} 属于“{item.published.list_type}”清单，本细则只允许使用"
                f"{'、'.join(profile.scope.item_list_types)}清单（{cite(profile.scope.article)}）"
            )
    own = findings.of_task(session, task)  # what the plan's submission also enforces
    blockers.extend(p for p in own.blockers if p not in blockers)
    warnings.extend(own.warnings)
    if not with_eligibility:
        return DrawCheck(blockers, warnings)
    from spotcheck.eligibility import service as eligibility  # heavy: only when evaluating

    result = eligibility.evaluate(session, task, on=today)
    blockers.extend(p for p in result.problems if p not in blockers)
    return DrawCheck(blockers, warnings)


def shown_draw_check(
    session: Session, task: Task, factory: sessionmaker[Session] | None = None
) -> DrawCheck:
    """What the pages show: the checks that need no registry, then (for a task otherwise ready)
    the problems of its cached eligibility preview (eligibility.cache: computed once per change
    of the inputs; a large registry as a job, meanwhile a warning says so)."""
    from spotcheck.eligibility import cache as eligibility_cache

    check = draw_check(session, task, with_eligibility=False)
    if check.blockers:
        return check
    result = eligibility_cache.preview(session, task, factory)
    if isinstance(result, eligibility_cache.Pending):
        note = "名录库较大，抽取范围正在后台计算，算完后本页列出其中的问题（抽取前仍会重新计算）"
        return DrawCheck(check.blockers, [*check.warnings, note])
    problems = [p for p in result.problems if p not in check.blockers]
    return DrawCheck([*check.blockers, *problems], check.warnings)


def draw_blockers(session: Session, task: Task, today: dt.date | None = None) -> list[str]:
    """Why the task cannot reach the draw, each with its article; [] = it may proceed."""
    return draw_check(session, task, today).blockers
