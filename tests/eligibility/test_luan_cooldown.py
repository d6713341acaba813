"""004 (luan-daj): a target whose last check found nothing waits at least a year."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.eligibility.conftest import START, World, excluded


def test_it_waits_a_year_after_a_clean_check(world: World) -> None:
    world.adopt("luan-daj")
    item = world.item("LA-001")
    clean = world.target(target_type="其他组织")
    problem = world.target(target_type="其他组织")
    long_ago = world.target(target_type="其他组织")
    clean_after_problem = world.target(target_type="其他组织")
    problem_after_clean = world.target(target_type="其他组织")
    a_year = world.target(target_type="其他组织")
    world.check(clean, dt.date(2026, 4, 1))  # 8 months before the window
    world.check(problem, dt.date(2026, 4, 1), found_problem=True)
    world.check(long_ago, dt.date(2025, 11, 1))  # 13 months
    world.check(clean_after_problem, dt.date(2025, 1, 1), found_problem=True)
    world.check(clean_after_problem, dt.date(2026, 6, 1))
    world.check(problem_after_clean, dt.date(2025, 1, 1))
    world.check(problem_after_clean, dt.date(2026, 6, 1), found_problem=True)
    world.check(a_year, START.replace(year=2025))  # exactly one year: the wait is over

    result = world.evaluate(world.task([item]))

    exclusion = excluded(result, clean) or pytest.fail("not excluded")
    assert exclusion.code == "cooldown"
    assert exclusion.article == "004 二（三）"
    assert exclusion.reason == "上次检查（2026-04-01）未发现问题，2027-04-01前不再抽查"
    assert exclusion.rule == "依据 004 二（三）：上一次抽查未发现问题的，下一次被抽查至少间隔1年"
    assert (excluded(result, clean_after_problem) or pytest.fail()).code == "cooldown"
    for target in (problem, long_ago, problem_after_clean, a_year):
        assert excluded(result, target) is None, target.name
    assert result.total_candidates == 4


def test_it_handles_a_clean_check_on_29_february(world: World) -> None:
    world.adopt("luan-daj")
    item = world.item("LA-001")
    leap = world.target(target_type="其他组织")
    world.check(leap, dt.date(2024, 2, 29))

    before = world.evaluate(world.task([item], start=dt.date(2025, 2, 27), end=dt.date(2025, 3, 5)))
    after = world.evaluate(world.task([item], start=dt.date(2025, 2, 28), end=dt.date(2025, 3, 5)))

    assert (excluded(before, leap) or pytest.fail()).reason.endswith("2025-02-28前不再抽查")
    assert excluded(after, leap) is None
