"""Eligibility: from a task's scope to the candidate strata of its draw, every exclusion explained.

Everything is read from the rulebook profile in force for the task (the initiating department's
adopted profile, or the plan's `profile_code` when set); nothing about one agency is written here.
Decisions taken where the rulebooks are silent:
- Reference dates: `on` (default: today in Beijing) decides exemptions and warnings; natural-year
  periods are the plan year (window_start.year); rolling periods end at window_start.
- One reason per excluded target: the first that applies in the order status, exemption,
  frequency (profile order), cooldown, overlap (see eligibility.exclusions).
- A target goes in the FIRST stratum whose condition it meets (eligibility.strata); quotas and the
  main item's cap are in eligibility.quotas.
- The cyclic garbage collector is paused while a preview runs (spotcheck.gcpause).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.departments.models import Department
from spotcheck.eligibility import exclusions as ex
from spotcheck.eligibility import quotas, scope, strata
from spotcheck.eligibility.exclusions import Exclusion, Merge
from spotcheck.eligibility.quotas import Candidate, StratumResult
from spotcheck.errors import NotFound
from spotcheck.gcpause import paused_gc
from spotcheck.plans.models import Task
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import Profile


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


def profile_of(session: Session, task: Task) -> Profile:
    """The profile governing the task: the version it (or its plan) pinned, else the initiator's."""
    return pinned.task_profile(session, task)


def _needs_history(profile: Profile) -> bool:
    ex_ = profile.exclusions
    uses_years = any(
        s.when.unchecked_years_min is not None
        or s.when.unchecked_years_max is not None
        or s.when.never_checked is not None
        for s in profile.strata
    )
    return bool(ex_.frequency or ex_.cooldown or uses_years)


@dataclass
class Shared:
    """Scopes and their check history read once for several tasks (a plan's annual ratio)."""

    rows: dict[tuple[Any, ...], tuple[list[scope.Row], int]] = field(default_factory=dict)
    history: dict[tuple[Any, ...], dict[str, list[scope.Check]]] = field(default_factory=dict)


def evaluate(
    session: Session, task: Task, on: dt.date | None = None, *, shared: Shared | None = None
) -> Eligibility:
    """The candidate strata of the task on a day, with every exclusion, problem and warning."""
    with paused_gc():
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
    placed = strata.assign(
        passes[-1].kept, profile, task.window_start, ctx.history, industry_of, industry
    )
    assigned = {k: [Candidate(r.id, r.key, r.name) for r in v] for k, v in placed.items()}
    result.strata = quotas.quotas(task, profile, assigned, result.problems, result.warnings)
    result.batch_order = quotas.caps(
        profile, ctx.items, result.strata, result.problems, result.warnings
    )
    return result


def summary(result: Eligibility) -> dict[str, Any]:
    """What a decision took from an evaluation, small enough to store with it (a draw's
    commit): counts per stratum and per exclusion rule, warnings, problems."""
    return {
        "on": result.on.isoformat(),
        "profile": result.profile_code,
        "in_scope": result.in_scope,
        "total_candidates": result.total_candidates,
        "total_quota": result.total_quota,
        "strata": [
            {
                "key": s.key,
                "name": s.name,
                "article": s.article,
                "rule": s.rule_text,
                "size": len(s.candidates),
                "quota": s.quota,
                "quota_text": s.quota_text,
            }
            for s in result.strata
        ],
        "exclusions": [
            {"code": code, "label": label, "article": article, "count": n}
            for code, label, article, n in result.exclusion_counts()
        ],
        "warnings": list(result.warnings),
        "problems": list(result.problems),
    }
