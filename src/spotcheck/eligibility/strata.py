"""The tests the rules make of one target (flags, high risk, years since a check, stratum
conditions) and the placing of each kept target in its stratum.

A target goes in the FIRST stratum whose condition it meets; flags are any-of.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from spotcheck.eligibility.scope import Check, Row
from spotcheck.rulebooks.schema import Condition, HighRisk, Profile, Stratum


def has_flag(row: Row, flag: str, complaints_min: int) -> bool:
    """Whether the target carries the flag (投诉举报 = at least complaints_min complaints)."""
    if flag == "经营异常":
        return bool(row.abnormal)
    if flag == "严重违法失信":
        return bool(row.dishonest)
    return row.complaints >= complaints_min


def is_high_risk(row: Row, rule: HighRisk) -> bool:
    """Whether the profile counts the target as high-risk (its risk classes or any of its flags)."""
    if row.risk_class and row.risk_class in rule.risk_class:
        return True
    return any(has_flag(row, flag, rule.complaints_min) for flag in rule.flags)


def full_years(since: dt.date, until: dt.date) -> int:
    """Whole calendar years from one day to another (29 Feb counts as 28 Feb in other years)."""
    years = until.year - since.year
    if add_years(since, years) > until:
        years -= 1
    return years


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 Feb becomes 28 Feb in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def years_since(last: dt.date | None, stratum: Stratum, start: dt.date) -> float:
    """Full years from the last check to the window start (infinite when never checked)."""
    if last is None:
        return math.inf
    if stratum.period == "natural_year":
        return start.year - last.year
    return full_years(last, start)


def meets(
    row: Row, stratum: Stratum, profile: Profile, last: dt.date | None, start: dt.date
) -> bool:
    """Whether the target meets every given part of the stratum's condition."""
    when = stratum.when
    if when.risk_class and row.risk_class not in when.risk_class:
        return False
    minimum = profile.high_risk.complaints_min
    if when.flags and not any(has_flag(row, f, minimum) for f in when.flags):
        return False
    if when.never_checked is not None and (last is None) != when.never_checked:
        return False
    if when.unchecked_years_min is not None or when.unchecked_years_max is not None:
        years = years_since(last, stratum, start)
        if when.unchecked_years_min is not None and years < when.unchecked_years_min:
            return False
        if when.unchecked_years_max is not None and years >= when.unchecked_years_max:
            return False
    return True


def condition_text(when: Condition, complaints_min: int) -> str:
    """A stratum's condition in Chinese."""
    parts = []
    if when.risk_class:
        parts.append(f"信用风险分类为 {'、'.join(when.risk_class)} 类")
    if when.flags:
        words = {
            "经营异常": "列入经营异常名录",
            "严重违法失信": "列入严重违法失信名单",
            "投诉举报": f"被投诉举报 {complaints_min} 次及以上",
        }
        parts.append("或".join(words[f] for f in when.flags))
    low, high = when.unchecked_years_min, when.unchecked_years_max
    if low is not None and high is not None:
        parts.append(f"满{low}年不满{high}年未被检查")
    elif low is not None:
        parts.append(f"满{low}年（含从未）未被检查")
    elif high is not None:
        parts.append(f"不满{high}年内曾被检查")
    if when.never_checked is True:
        parts.append("从未被检查")
    elif when.never_checked is False:
        parts.append("曾被检查")
    return "，且".join(parts) if parts else "不属于以上各层的其他检查对象"


def assign(
    rows: Sequence[Row],
    profile: Profile,
    start: dt.date,
    history: dict[str, list[Check]],
    industry_of: dict[int, str],
    industry: str,
) -> dict[str, list[Row]]:
    """Each kept target in the first stratum it meets (the last stratum takes everyone else)."""
    out: dict[str, list[Row]] = {s.key: [] for s in profile.strata}
    minimum = profile.high_risk.complaints_min
    by_industry = any(s.industry_only for s in profile.strata)
    # `meets` reads of a target only its class, its flags and, of each last check, whether there
    # was one and the years since it (rolling or natural): targets alike in these are placed
    # alike, so each combination is decided once (a million targets show some 1,400).
    spans: dict[dt.date, tuple[int, int]] = {}
    placed: dict[tuple[Any, ...], list[Row] | None] = {}

    def span(day: dt.date | None) -> tuple[int, int] | None:
        if day is None:
            return None
        found = spans.get(day)
        if found is None:
            found = spans[day] = (full_years(day, start), start.year - day.year)
        return found

    for row in rows:
        checks = history.get(row.key)
        last_any = last_industry = None
        if checks:
            last_any = checks[0].completed_on
            # "本行业领域" (001 第十六条): only checks by departments of the task's industry count.
            if by_industry:
                last_industry = next(
                    (
                        c.completed_on
                        for c in checks
                        if not industry or industry_of.get(c.department_id) == industry
                    ),
                    None,
                )
        flags = (row.risk_class, row.abnormal, row.dishonest, row.complaints >= minimum)
        alike = (flags, span(last_any), span(last_industry))
        if alike not in placed:  # decided by the rules themselves, once per combination
            placed[alike] = next(
                (
                    out[s.key]
                    for s in profile.strata
                    if meets(row, s, profile, last_industry if s.industry_only else last_any, start)
                ),
                None,
            )
        bucket = placed[alike]
        if bucket is not None:
            bucket.append(row)
    return out
