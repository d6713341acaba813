"""Eligibility: from a task's scope to the candidate strata of its draw, every exclusion explained.

Everything is read from the rulebook profile in force for the task (the initiating department's
adopted profile, or the plan's `profile_code` when set); nothing about one agency is written here.
Decisions taken where the rulebooks are silent:
- Reference dates: `on` (default: today in Beijing) decides exemptions and warnings; natural-year
  periods are the plan year (window_start.year); rolling periods end at window_start.
- One reason per excluded target: the first that applies in the order status, exemption,
  frequency (profile order), cooldown, overlap (see plans.exclusions).
- A target goes in the FIRST stratum whose condition it meets; flags are any-of.
- Quotas use exact fractions of the ratio (ceil(100 × 0.07) is 7, not 8), never exceed the
  stratum, and a fixed count above the candidates is cut to them with a warning.
- A general main item's cap is turned into a count with the profile's rounding before the
  comparison, so that rounding one stratum up is not by itself a breach.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.departments.models import Department
from spotcheck.errors import NotFound
from spotcheck.plans import exclusions as ex
from spotcheck.plans import scope
from spotcheck.plans.exclusions import Exclusion, Merge
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.plans.scope import ItemInfo, scope_count
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import AnnualRatio, Profile

__all__ = [
    "AnnualSummary",
    "Candidate",
    "Eligibility",
    "Exclusion",
    "Merge",
    "Shared",
    "StratumResult",
    "annual_summary",
    "evaluate",
    "profile_of",
    "scope_count",
]

ROUNDING_WORDS = {"ceil": "向上取整", "floor": "向下取整", "round": "四舍五入"}


class Candidate(NamedTuple):
    """A target that may be drawn in its stratum (a tuple: there may be a million)."""

    target_id: int
    key: str
    name: str


@dataclass
class StratumResult:
    """One stratum of the task: its rule, its candidates and the quota drawn from them."""

    key: str
    name: str
    article: str
    note: str
    rule_text: str
    ratio: float | None
    count_setting: int | None
    candidates: list[Candidate]
    quota: int
    quota_text: str


@dataclass
class Eligibility:
    """The candidate strata of a task, every exclusion with its reason, problems and warnings."""

    task_id: int
    profile_code: str
    on: dt.date
    in_scope: int
    strata: list[StratumResult]
    exclusions: list[Exclusion]
    merges: list[Merge]
    problems: list[str]
    warnings: list[str]
    batch_order: str
    # (code, label, article, rule text) of the profile's exclusion rules, in profile order.
    rules: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def total_candidates(self) -> int:
        """Candidates over all strata."""
        return sum(len(s.candidates) for s in self.strata)

    @property
    def total_quota(self) -> int:
        """Targets to draw over all strata."""
        return sum(s.quota for s in self.strata)

    def exclusion_counts(self) -> list[tuple[str, str, str, int]]:
        """(code, Chinese label, article, count) for each exclusion rule, in profile order."""
        counts: dict[tuple[str, str], int] = {}
        for e in self.exclusions:
            counts[(e.code, e.rule)] = counts.get((e.code, e.rule), 0) + 1
        out = [
            (code, label, article, counts.pop((code, rule), 0))
            for code, label, article, rule in self.rules
        ]
        out += [(code, rule, "", n) for (code, rule), n in counts.items()]
        return out


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


def profile_of(session: Session, task: Task) -> Profile:
    """The profile governing the task: the plan's profile_code if set, else the initiator's."""
    plan = session.get(AnnualPlan, task.plan_id) if task.plan_id is not None else None
    if plan is not None and plan.profile_code:
        return rulebooks_service.get(session, plan.profile_code)
    department = session.get(Department, task.department_id)
    if department is None:
        raise NotFound("未找到发起部门")
    return rulebooks_service.profile_for(session, department)


def percent(ratio: Fraction) -> str:
    """A ratio as a percentage without float noise: 7/100 → 7%, 1/40 → 2.5%."""
    value = Decimal(ratio.numerator) / Decimal(ratio.denominator) * 100
    return f"{value.quantize(Decimal('0.01')).normalize():f}%"


def apply_rounding(value: Fraction, rounding: str) -> int:
    """A fractional count rounded the profile's way (round = half up)."""
    if rounding == "floor":
        return math.floor(value)
    if rounding == "round":
        return math.floor(value + Fraction(1, 2))
    return math.ceil(value)


def _needs_history(profile: Profile) -> bool:
    ex_ = profile.exclusions
    uses_years = any(
        s.when.unchecked_years_min is not None
        or s.when.unchecked_years_max is not None
        or s.when.never_checked is not None
        for s in profile.strata
    )
    return bool(ex_.frequency or ex_.cooldown or uses_years)


def _setting(raw: Any, name: str) -> tuple[Fraction | None, int | None, str]:
    """A stratum setting of the task: (ratio, count, problem)."""
    if not isinstance(raw, dict):
        return None, None, ""
    count, ratio = raw.get("count"), raw.get("ratio")
    try:
        if count not in (None, ""):
            number = int(str(count))
            if number < 0:
                raise ValueError
            return None, number, ""
        if ratio not in (None, ""):
            value = Fraction(str(ratio))
            if not 0 <= value <= 1:
                raise ValueError
            return value, None, ""
    except (ValueError, ZeroDivisionError):
        return (
            None,
            None,
            f"分层“{name}”的比例或数量设置无效：比例应为0–1之间的小数，数量应为非负整数",
        )
    return None, None, ""


def _quotas(
    task: Task, profile: Profile, assigned: dict[str, list[Candidate]], result: Eligibility
) -> None:
    settings: dict[str, Any] = dict(task.strata_settings or {})
    rounding = profile.quota.rounding
    for key in settings:
        if key not in assigned:
            result.warnings.append(f"任务设置了细则中没有的分层“{key}”，已忽略")
    empty: list[str] = []
    for stratum in profile.strata:
        candidates = assigned[stratum.key]
        n = len(candidates)
        ratio, count, problem = _setting(settings.get(stratum.key), stratum.name)
        if problem:
            result.problems.append(problem)
        if count is not None:
            quota = min(count, n)
            text = f"固定数量 {count}（任务设定）"
            if count > n:
                text = f"固定数量 {count}，超过候选对象 {n} 个，按 {n} 个抽取（任务设定）"
                result.warnings.append(
                    f"分层“{stratum.name}”设定抽取 {count} 个，超过候选对象 {n} 个，按 {n} 个抽取"
                )
        else:
            ratio = ratio if ratio is not None else Fraction(str(stratum.ratio))
            quota = min(apply_rounding(n * ratio, rounding), n)
            text = (
                f"{ROUNDING_WORDS[rounding]}({n} × {percent(ratio)}) = {quota}"
                f"（依据 {profile.quota.article}）"
            )
        if n == 0:
            empty.append(f"“{stratum.name}”")
        result.strata.append(
            StratumResult(
                key=stratum.key,
                name=stratum.name,
                article=stratum.article,
                note=stratum.note,
                rule_text=scope.condition_text(stratum.when, profile.high_risk.complaints_min),
                ratio=None if count is not None else float(ratio or 0),
                count_setting=count,
                candidates=candidates,
                quota=quota,
                quota_text=text,
            )
        )
    if empty:
        result.warnings.append(f"以下分层没有候选对象：{'、'.join(empty)}")


def _caps(profile: Profile, items: list[ItemInfo], result: Eligibility) -> None:
    """The general-item cap and the random batch order, both decided by the main item."""
    main = next((i for i in items if i.is_main), None)
    total, quota = result.total_candidates, result.total_quota
    if main is None or total == 0:
        return
    rules = profile.items
    if main.kind == "一般":
        caps = (
            [Fraction(str(rules.general_max_ratio))] if rules.general_max_ratio is not None else []
        )
        if rules.general_cap == "item_ratio" and main.ratio_bp is not None:
            caps.append(Fraction(main.ratio_bp, 10000))
        if not caps:
            result.warnings.append(f"一般检查事项“{main.name}”未设抽查比例，无法核对比例上限")
            return
        cap = min(caps)
        allowed = apply_rounding(total * cap, profile.quota.rounding)
        if quota > allowed:
            result.problems.append(
                f"依据 {rules.article}：一般检查事项“{main.name}”（{main.code}）的抽查比例不得超过"
                f"{percent(cap)}；本任务 {total} 个候选对象最多抽取 {allowed} 个，现为 {quota} 个"
            )
        return
    order = profile.batch_order
    if main.kind == "重点" and order is not None:
        least = Fraction(str(order.min_ratio))
        if Fraction(quota, total) >= least:
            result.batch_order = (
                f"检查批次顺序由抽取结果随机确定（依据 {order.article}：重点检查事项抽查比例"
                f"达到{percent(least)}及以上的，以随机抽取确定检查批次顺序）"
            )


_gc_lock = threading.Lock()
_gc_pauses = [0, False]  # evaluations running now; whether the collector was on before them


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a preview builds millions of small tuples.

    Nothing here makes reference cycles, yet every few thousand allocations CPython's collector
    walks all live containers: over a 1M-target registry that took more than half the time.
    Reference counting still frees memory; the collector resumes when the last evaluation ends.
    """
    with _gc_lock:
        if _gc_pauses[0] == 0:
            _gc_pauses[1] = gc.isenabled()
            gc.disable()
        _gc_pauses[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses[0] -= 1
            if _gc_pauses[0] == 0 and _gc_pauses[1]:
                gc.enable()


@dataclass
class Shared:
    """Scopes and their check history read once for several tasks (a plan's annual ratio)."""

    rows: dict[tuple[Any, ...], tuple[list[scope.Row], int]] = field(default_factory=dict)
    history: dict[tuple[Any, ...], dict[str, list[scope.Check]]] = field(default_factory=dict)


def evaluate(
    session: Session, task: Task, on: dt.date | None = None, *, shared: Shared | None = None
) -> Eligibility:
    """The candidate strata of the task on a day, with every exclusion, problem and warning."""
    with _cycle_collector_paused():
        return _evaluate(session, task, on or clock.today(), shared)


def _evaluate(session: Session, task: Task, on: dt.date, shared: Shared | None) -> Eligibility:
    profile = profile_of(session, task)
    department = session.get(Department, task.department_id)
    if department is None:
        raise NotFound("未找到发起部门")
    policy = ex.overlap_policy(task, profile)
    result = Eligibility(
        task_id=task.id,
        profile_code=profile.code,
        on=on,
        in_scope=0,
        strata=[],
        exclusions=[],
        merges=[],
        problems=[],
        warnings=list(rulebooks_service.warnings(profile, on)),
        batch_order="",
        rules=ex.rule_rows(profile, policy),
    )
    # Tasks with the same department, rules and filters have the same scope.
    same = (
        department.id,
        profile.code,
        task.sub_registry_id,
        repr(sorted((task.filters or {}).items())),
    )
    if shared is None:
        rows, duplicates = scope.load(session, task, department, profile)
    else:
        if same not in shared.rows:
            shared.rows[same] = scope.load(session, task, department, profile)
        rows, duplicates = shared.rows[same]
    result.in_scope = len(rows)
    if duplicates:
        result.warnings.append(
            f"{duplicates} 条名录记录与其他部门名录中的统一社会信用代码重复，按同一检查对象计"
        )
    if task.overlap_policy and profile.exclusions.overlap is None:
        result.warnings.append("所用细则未规定同期重复抽查的处理，任务的“合并/排除”设置不起作用")
    ctx = ex.Context(task, profile, department, on, scope.task_items(session, task))
    passes = [ex.by_status(rows, profile)]
    passes.append(ex.by_exemption(session, passes[-1].kept, ctx))
    kept = passes[-1].kept
    industry_of: dict[int, str] = {}
    industry = ""
    if _needs_history(profile) and kept:
        if shared is None:
            ctx.history = scope.history(session, task, department, profile, (r.key for r in kept))
        else:
            if same not in shared.history:
                # Every key in scope: each task looks up only the targets it kept.
                keys = (r.key for r in rows)
                shared.history[same] = scope.history(session, task, department, profile, keys)
            ctx.history = shared.history[same]
        industry_of = scope.industries(session)
        industry = industry_of.get(department.id, "")
        if not industry and any(s.industry_only for s in profile.strata):
            result.warnings.append(
                f"{department.name} 未设所属行业，“本行业领域”按所有部门的检查计算"
            )
    passes.append(ex.by_history(kept, ctx))
    passes.append(ex.by_overlap(session, passes[-1].kept, ctx))
    for done in passes:
        result.exclusions += done.excluded
        result.merges += done.merges
        result.warnings += done.warnings
    placed = scope.assign(
        passes[-1].kept, profile, task.window_start, ctx.history, industry_of, industry
    )
    assigned = {k: [Candidate(r.id, r.key, r.name) for r in v] for k, v in placed.items()}
    _quotas(task, profile, assigned, result)
    _caps(profile, ctx.items, result)
    return result


def annual_summary(session: Session, plan: AnnualPlan) -> AnnualSummary:
    """The plan year's total draws against the profile's annual minimum or target ratio."""
    from spotcheck.plans import annual

    return annual.summarise(session, plan)
