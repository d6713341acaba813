"""Each stratum's quota from the task's setting or the profile's ratio, and the main item's cap
and batch order.

Quotas use exact fractions of the ratio (ceil(100 × 0.07) is 7, not 8), never exceed the stratum,
and a fixed count above the candidates is cut to them with a warning. A general main item's cap is
turned into a count with the profile's rounding before the comparison, so that rounding one stratum
up is not by itself a breach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from spotcheck.eligibility import strata
from spotcheck.eligibility.scope import ItemInfo
from spotcheck.plans.models import Task
from spotcheck.rulebooks.schema import Profile, cite

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


def setting(raw: Any, name: str) -> tuple[Fraction | None, int | None, str]:
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


def quotas(
    task: Task,
    profile: Profile,
    assigned: dict[str, list[Candidate]],
    problems: list[str],
    warnings: list[str],
) -> list[StratumResult]:
    """Each stratum of the profile with its candidates and quota; appends problems and warnings."""
    out: list[StratumResult] = []
    settings: dict[str, Any] = dict(task.strata_settings or {})
    rounding = profile.quota.rounding
    for key in settings:
        if key not in assigned:
            warnings.append(f"任务设置了细则中没有的分层“{key}”，已忽略")
    empty: list[str] = []
    for stratum in profile.strata:
        candidates = assigned[stratum.key]
        n = len(candidates)
        ratio, count, problem = setting(settings.get(stratum.key), stratum.name)
        if problem:
            problems.append(problem)
        if count is not None:
            quota = min(count, n)
            text = f"固定数量 {count}（任务设定）"
            if count > n:
                text = f"固定数量 {count}，超过候选对象 {n} 个，按 {n} 个抽取（任务设定）"
                warnings.append(
                    f"分层“{stratum.name}”设定抽取 {count} 个，超过候选对象 {n} 个，按 {n} 个抽取"
                )
        else:
            ratio = ratio if ratio is not None else Fraction(str(stratum.ratio))
            quota = min(apply_rounding(n * ratio, rounding), n)
            text = (
                f"{ROUNDING_WORDS[rounding]}({n} × {percent(ratio)}) = {quota}"
                f"（{cite(profile.quota.article)}）"
            )
        if n == 0:
            empty.append(f"“{stratum.name}”")
        out.append(
            StratumResult(
                key=stratum.key,
                name=stratum.name,
                article=stratum.article,
                note=stratum.note,
                rule_text=strata.condition_text(stratum.when, profile.high_risk.complaints_min),
                ratio=None if count is not None else float(ratio or 0),
                count_setting=count,
                candidates=candidates,
                quota=quota,
                quota_text=text,
            )
        )
    if empty:
        warnings.append(f"以下分层没有候选对象：{'、'.join(empty)}")
    return out


def general_cap(profile: Profile, kind: str, ratio_bp: int | None) -> Fraction | None:
    """The ratio cap of a main item (profile.items, with its article): for a general item the
    profile's fixed maximum and/or the item's list ratio, the lower of the two; None for a key item
    or a general item without a ratio."""
    if kind != "一般":
        return None
    rules = profile.items
    limits = [Fraction(str(rules.general_max_ratio))] if rules.general_max_ratio is not None else []
    if rules.general_cap == "item_ratio" and ratio_bp is not None:
        limits.append(Fraction(ratio_bp, 10000))
    return min(limits) if limits else None


def caps(
    profile: Profile,
    items: list[ItemInfo],
    placed: list[StratumResult],
    problems: list[str],
    warnings: list[str],
) -> str:
    """The main item's general cap (into problems, warnings) and the random batch-order text."""
    main = next((i for i in items if i.is_main), None)
    total = sum(len(s.candidates) for s in placed)
    quota = sum(s.quota for s in placed)
    if main is None or total == 0:
        return ""
    rules = profile.items
    if main.kind == "一般":
        cap = general_cap(profile, main.kind, main.ratio_bp)
        if cap is None:
            warnings.append(f"一般检查事项“{main.name}”未设抽查比例，无法核对比例上限")
            return ""
        allowed = apply_rounding(total * cap, profile.quota.rounding)
        if quota > allowed:
            problems.append(
                f"{cite(rules.article)}：一般检查事项“{main.name}”（{main.code}）的抽查比例不得超过"
                f"{percent(cap)}；本任务 {total} 个候选对象最多抽取 {allowed} 个，现为 {quota} 个"
            )
        return ""
    order = profile.batch_order
    if main.kind == "重点" and order is not None:
        least = Fraction(str(order.min_ratio))
        if Fraction(quota, total) >= least:
            return (
                f"检查批次顺序由抽取结果随机确定（{cite(order.article)}：重点检查事项抽查比例"
                f"达到{percent(least)}及以上的，以随机抽取确定检查批次顺序）"
            )
    return ""
