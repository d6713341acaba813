"""Why a target in scope is not a candidate: one reason per target, each with its rule and article.

The checks run in a fixed order and the first that applies is the reason given: status, the
免检免扰 list, frequency caps (in profile order), the cooldown after a clean check, and finally
overlap with another department's draw. History counts every completed check of the target, by
any department, published or withheld, random or not (DESIGN.md "History counts every check").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.departments.models import Department
from spotcheck.draws.models import DrawnTarget
from spotcheck.eligibility import scope, strata
from spotcheck.eligibility.scope import Check, ItemInfo, Row
from spotcheck.plans.models import Task, TaskDepartment
from spotcheck.rulebooks.schema import FrequencyRule, Profile, cite
from spotcheck.targets import exemptions as exemptions_service


@dataclass(frozen=True)
class Exclusion:
    """A target in scope that is not a candidate, with the one reason that applied first."""

    target_id: int
    key: str
    name: str
    code: str  # status | exemption | frequency | cooldown | overlap_exclude | overlap_merge
    reason: str
    article: str
    rule: str


@dataclass(frozen=True)
class Merge:
    """The joint visit offered for an overlapping target (进一次门、查多项事)."""

    target_id: int
    key: str
    name: str
    other_task_id: int
    other_task_name: str
    other_department: str


@dataclass
class Context:
    """What every exclusion rule reads about the task."""

    task: Task
    profile: Profile
    department: Department
    on: dt.date
    items: list[ItemInfo]
    history: dict[str, list[Check]] = field(default_factory=dict)

    @property
    def start(self) -> dt.date:
        """The window start: rolling periods end there."""
        return self.task.window_start

    @property
    def year(self) -> int:
        """The plan year of natural-year periods."""
        return self.task.window_start.year


@dataclass
class Outcome:
    """Targets kept, exclusions, merges and non-blocking notes of one pass."""

    kept: list[Row]
    excluded: list[Exclusion] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def status_rule(profile: Profile) -> str:
    """The rule text of the status exclusion."""
    rule = profile.exclusions.status
    return rule.basis(f"仅{'、'.join(rule.drawable)}状态的检查对象纳入随机抽取")


def exemption_rule(profile: Profile) -> str:
    """The rule text of the exemption list, with what it does not exempt from."""
    rule = profile.exclusions.exemption_list
    assert rule is not None
    excepted = [*(f"涉及{d}的事项" for d in rule.except_domains), *rule.except_grounds]
    tail = f"（{'、'.join(excepted)}的检查除外）" if excepted else ""
    return rule.basis(f"免检免扰名单内的检查对象予以免检{tail}")


def frequency_rule(rule: FrequencyRule) -> str:
    """The rule text of a frequency cap."""
    return rule.basis(rule.name)


def cooldown_rule(profile: Profile) -> str:
    """The rule text of the cooldown after a clean check."""
    rule = profile.exclusions.cooldown
    assert rule is not None
    return rule.basis(f"上一次抽查未发现问题的，下一次被抽查至少间隔{rule.years}年")


def overlap_rule(profile: Profile, policy: str) -> str:
    """The rule text of the overlap rule under the policy in force."""
    rule = profile.exclusions.overlap
    assert rule is not None
    if policy == "merge":
        what = "同一时段不同部门抽到同一检查对象的，合并为一次联合检查（进一次门、查多项事）"
    else:
        what = "同一时段其他部门已抽到的检查对象，本任务不再抽取"
    return rule.basis(what)


def overlap_policy(task: Task, profile: Profile) -> str:
    """merge or exclude: the task's choice, else the profile's default ("" without a rule)."""
    rule = profile.exclusions.overlap
    if rule is None:
        return ""
    return task.overlap_policy if task.overlap_policy in ("merge", "exclude") else rule.default


def by_status(rows: Sequence[Row], profile: Profile) -> Outcome:
    """Targets not in a drawable status (注销、吊销…) are never candidates."""
    rule = profile.exclusions.status
    text = status_rule(profile)
    out = Outcome(kept=[])
    for row in rows:
        if row.status in rule.drawable:
            out.kept.append(row)
        else:
            out.excluded.append(
                Exclusion(
                    row.id,
                    row.key,
                    row.name,
                    "status",
                    f"状态为“{row.status}”，不在可抽取状态（{'、'.join(rule.drawable)}）",
                    rule.article,
                    text,
                )
            )
    return out


def by_exemption(session: Session, rows: Sequence[Row], ctx: Context) -> Outcome:
    """The 免检免扰 list of the department's ancestors and subtree, valid on `ctx.on`.

    An item whose domain the list does not cover (环保, 安全生产) or a task ground it does not
    cover (投诉举报, 上级要求, 法定) lifts the exemption for the whole task; a warning says so.
    """
    rule = ctx.profile.exclusions.exemption_list
    if rule is None:
        return Outcome(kept=list(rows))
    ids = set(ctx.department.ancestor_ids)
    ids.update(int(i) for i in session.execute(scope.subtree(ctx.department)).scalars())
    active = exemptions_service.active(session, sorted(ids), ctx.on)
    lifted = [
        f"事项“{item.name}”涉及{domain}"
        for item in ctx.items
        for domain in item.domains
        if domain in rule.except_domains
    ]
    lifted += [f"任务依据为“{g}”" for g in ctx.task.ground_list if g in rule.except_grounds]
    out = Outcome(kept=[])
    text = exemption_rule(ctx.profile)
    stayed = 0
    for row in rows:
        entry = active.get(row.key)
        if entry is None:
            out.kept.append(row)
        elif lifted:
            stayed += 1
            out.kept.append(row)
        else:
            until = entry.valid_until.isoformat() if entry.valid_until else "长期"
            basis = f"，依据：{entry.basis}" if entry.basis else ""
            out.excluded.append(
                Exclusion(
                    row.id,
                    row.key,
                    row.name,
                    "exemption",
                    f"列入免检免扰名单（{entry.valid_from.isoformat()}至{until}{basis}）",
                    rule.article,
                    text,
                )
            )
    if stayed:
        out.warnings.append(
            f"{stayed} 个免检免扰名单内的检查对象仍纳入抽取：{'；'.join(lifted)}，"
            f"不在免检范围（{cite(rule.article)}）"
        )
    return out


def _period(rule_period: str, ctx: Context) -> tuple[str, dt.date | None]:
    """The period's words and, for a rolling period, the day after which checks count."""
    if rule_period == "natural_year":
        return f"{ctx.year}年", None
    since = strata.add_years(ctx.start, -1)
    return f"{since.isoformat()}之后", since


def _capped(row: Row, rule: FrequencyRule, ctx: Context, checks: list[Check]) -> str:
    """The reason the rule caps the target, or "" when it does not."""
    words, since = _period(rule.period, ctx)
    counted = [
        c
        for c in checks
        if (c.completed_on.year == ctx.year if since is None else c.completed_on > since)
    ]
    prefix = "信用风险低（A类），" if rule.applies_to == "low_risk" else ""
    if rule.per == "any":
        if len(counted) >= rule.max_checks:
            return f"{prefix}{words}已被检查{len(counted)}次（上限{rule.max_checks}次）"
        return ""
    for item in ctx.items:
        n = sum(1 for c in counted if c.item_code == item.code)
        if n >= rule.max_checks:
            return f"{prefix}{words}已因事项 {item.code} 被检查{n}次（上限{rule.max_checks}次）"
    return ""


def by_history(rows: Sequence[Row], ctx: Context) -> Outcome:
    """Frequency caps in profile order, then the cooldown after a clean check."""
    profile = ctx.profile
    grounds = set(ctx.task.ground_list)
    rules = [
        (rule, frequency_rule(rule), bool(grounds & set(rule.except_grounds)))
        for rule in profile.exclusions.frequency
    ]
    spared_high = [0] * len(rules)
    spared_ground = [0] * len(rules)
    cooldown = profile.exclusions.cooldown
    cool_text = cooldown_rule(profile) if cooldown else ""
    out = Outcome(kept=[])
    for row in rows:
        checks = ctx.history.get(row.key)
        if not checks:  # never checked: no cap or cooldown applies
            out.kept.append(row)
            continue
        found: Exclusion | None = None
        for index, (rule, text, lifted) in enumerate(rules):
            if rule.applies_to == "low_risk" and row.risk_class != "A":
                continue
            reason = _capped(row, rule, ctx, checks)
            if not reason:
                continue
            # The exceptions are counted so that the page can say who stays in and why.
            if lifted:
                spared_ground[index] += 1
            elif rule.except_high_risk and strata.is_high_risk(row, profile.high_risk):
                spared_high[index] += 1
            else:
                found = Exclusion(
                    row.id, row.key, row.name, "frequency", reason, rule.article, text
                )
                break
        if found is None and cooldown is not None and not checks[0].found_problem:
            last = checks[0].completed_on
            if cooldown.period == "natural_year":
                if last.year + cooldown.years > ctx.year:
                    found = Exclusion(
                        row.id,
                        row.key,
                        row.name,
                        "cooldown",
                        f"上次检查（{last.isoformat()}）未发现问题，{last.year + cooldown.years}年前不再抽查",
                        cooldown.article,
                        cool_text,
                    )
            elif strata.add_years(last, cooldown.years) > ctx.start:
                until = strata.add_years(last, cooldown.years)
                found = Exclusion(
                    row.id,
                    row.key,
                    row.name,
                    "cooldown",
                    f"上次检查（{last.isoformat()}）未发现问题，{until.isoformat()}前不再抽查",
                    cooldown.article,
                    cool_text,
                )
        if found is None:
            out.kept.append(row)
        else:
            out.excluded.append(found)
    for index, (rule, _text, _lifted) in enumerate(rules):
        if spared_ground[index]:
            out.warnings.append(
                f"任务依据为“{'、'.join(sorted(grounds & set(rule.except_grounds)))}”，"
                f"{spared_ground[index]} 个已达次数上限的检查对象仍纳入抽取"
                f"（{cite(rule.article)}：{rule.name}，法律、法规、规章另有规定或所列情形除外）"
            )
        if spared_high[index]:
            out.warnings.append(
                f"{spared_high[index]} 个高风险检查对象已达“{rule.name}”的次数上限，"
                f"按例外仍纳入抽取（{cite(profile.high_risk.article)}）"
            )
    return out


def by_overlap(session: Session, rows: Sequence[Row], ctx: Context) -> Outcome:
    """Targets another department drew in an overlapping window: merged or excluded.

    Another department = neither the initiating department nor a participant of this task;
    sections of one agency are different departments (002 第十二条第二款: 不同业务科室).
    """
    rule = ctx.profile.exclusions.overlap
    policy = overlap_policy(ctx.task, ctx.profile)
    if rule is None or not rows:
        return Outcome(kept=list(rows))
    task = ctx.task
    participants = session.scalars(
        select(TaskDepartment.department_id).where(TaskDepartment.task_id == task.id)
    )
    ours = {task.department_id, *participants}
    query = (
        select(DrawnTarget.target_key, Task.id, Task.name, Department.name)
        .join(Task, Task.id == DrawnTarget.task_id)
        .join(Department, Department.id == Task.department_id)
        .where(
            Task.id != task.id,
            Task.department_id.not_in(ours),
            Task.window_start <= task.window_end,
            Task.window_end >= task.window_start,
        )
        .order_by(Task.id)
    )
    drawn: dict[str, tuple[int, str, str]] = {}
    for key, other_id, other_name, department in session.execute(query):
        drawn.setdefault(key, (other_id, other_name, department))
    out = Outcome(kept=[])
    text = overlap_rule(ctx.profile, policy)
    spared = 0
    for row in rows:
        other = drawn.get(row.key)
        if other is None:
            out.kept.append(row)
            continue
        if rule.except_high_risk and strata.is_high_risk(row, ctx.profile.high_risk):
            spared += 1
            out.kept.append(row)
            continue
        other_id, other_name, department = other
        if policy == "merge":
            reason = f"已被{department}的任务“{other_name}”抽中，合并为一次联合检查"
            out.merges.append(Merge(row.id, row.key, row.name, other_id, other_name, department))
        else:
            reason = f"已被{department}的任务“{other_name}”在同一时段抽中，本任务不再抽取"
        out.excluded.append(
            Exclusion(
                row.id,
                row.key,
                row.name,
                "overlap_merge" if policy == "merge" else "overlap_exclude",
                reason,
                rule.article,
                text,
            )
        )
    if spared:
        out.warnings.append(
            f"{spared} 个高风险检查对象已被其他部门同期抽中，仍纳入本任务抽取"
            f"（{cite(ctx.profile.high_risk.article)}）"
        )
    return out


def rule_rows(profile: Profile, policy: str) -> list[tuple[str, str, str, str]]:
    """(code, Chinese label, article, rule text) of every exclusion rule, in profile order."""
    ex = profile.exclusions
    rows = [("status", "不在可抽取状态", ex.status.article, status_rule(profile))]
    if ex.exemption_list is not None:
        rows.append(
            ("exemption", "免检免扰名单", ex.exemption_list.article, exemption_rule(profile))
        )
    rows += [("frequency", r.name, r.article, frequency_rule(r)) for r in ex.frequency]
    if ex.cooldown is not None:
        rows.append(
            (
                "cooldown",
                "上次检查未发现问题，间隔未满",
                ex.cooldown.article,
                cooldown_rule(profile),
            )
        )
    if ex.overlap is not None:
        code, label = (
            ("overlap_merge", "其他部门同期已抽中（合并检查）")
            if policy == "merge"
            else ("overlap_exclude", "其他部门同期已抽中（排除）")
        )
        rows.append((code, label, ex.overlap.article, overlap_rule(profile, policy)))
    return rows
