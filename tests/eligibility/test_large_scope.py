"""The speed-ups for large registries change nothing: every way of reading history, the scope
shared by a plan's tasks, and the garbage collector paused while a preview is built."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import pytest

from spotcheck.eligibility import annual, scope
from spotcheck.eligibility import service as eligibility
from spotcheck.errors import NotFound
from spotcheck.plans.models import Task
from tests.eligibility.conftest import START, World


def fingerprint(result: eligibility.Eligibility) -> dict[str, Any]:
    """Everything a preview says, in comparable form."""
    return {
        "in_scope": result.in_scope,
        "strata": [
            (s.key, [tuple(c) for c in s.candidates], s.quota, s.quota_text) for s in result.strata
        ],
        "exclusions": [
            (e.target_id, e.code, e.reason, e.article, e.rule) for e in result.exclusions
        ],
        "merges": [(m.target_id, m.other_task_id) for m in result.merges],
        "warnings": result.warnings,
        "problems": result.problems,
        "batch_order": result.batch_order,
    }


def _xinzhou_history(world: World) -> tuple[Task, list[tuple[int, str]]]:
    """Targets whose strata and caps hang on the order, industry and year of their checks."""
    org = world.org
    world.adopt("xinzhou-joint")
    org.own.industry = "市场监管"
    org.other.industry = "工业和信息化"
    item = world.item("XZ-001", kind="重点")
    capped: list[tuple[int, str]] = []
    for year, risk in (
        (2020, "A"),
        (2022, "B"),
        (2023, "B"),
        (2024, "B"),
        (2025, "A"),
        (2026, "B"),
    ):
        target = world.target(risk_class=risk)
        capped += [(target.id, "frequency")] if risk == "A" else []
        world.check(target, dt.date(year, 3, 1))
        world.check(target, dt.date(year, 3, 1), found_problem=True)  # same day, later id
        world.check(target, dt.date(2026, 2, 1), department=org.other)  # another industry
    low_risk = world.targets(3, risk_class="A")
    for target in low_risk[:2]:
        world.check(target, dt.date(2026, 5, 1))  # 001: low risk, checked once this year
        capped.append((target.id, "frequency"))
    closed = world.target(status="注销")
    world.check(closed, dt.date(2021, 1, 1))
    world.targets(4)  # never checked
    # A target of another department's registry, outside the scope, and its check.
    outside = world.target(department=org.other, key="91370300OUTSIDE001")
    world.check(outside, dt.date(2025, 1, 1))
    return world.task([item]), [(closed.id, "status"), *capped]


def _cooldown_history(world: World) -> tuple[Task, list[tuple[int, str]]]:
    """004: the newest check decides the wait; on one day the later record is the newer."""
    world.adopt("luan-daj")
    item = world.item("LA-001")
    waiting: list[tuple[int, str]] = []
    for first, then in ((True, False), (False, True), (False, False), (True, True)):
        target = world.target(target_type="其他组织")
        world.check(target, dt.date(2026, 6, 1), found_problem=first)
        world.check(target, dt.date(2026, 6, 1), found_problem=then)
        waiting += [] if then else [(target.id, "cooldown")]
    world.check(world.target(target_type="其他组织"), START.replace(year=2025))
    return world.task([item]), waiting


@pytest.mark.parametrize("build", [_xinzhou_history, _cooldown_history])
def test_it_reads_history_the_same_way_whatever_the_scope_size(
    world: World, build: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    task, expected = build(world)
    result = world.evaluate(task)
    assert [(e.target_id, e.code) for e in result.exclusions] == expected
    by_key_lists = fingerprint(result)

    monkeypatch.setattr(scope, "_CHUNK", 2)  # many IN (...) lists of two keys
    assert fingerprint(world.evaluate(task)) == by_key_lists
    monkeypatch.setattr(scope, "FEW_KEYS", 0)
    monkeypatch.setattr(scope, "READ_ALL", 10**9)  # every check, filtered by key in Python
    assert fingerprint(world.evaluate(task)) == by_key_lists
    monkeypatch.setattr(scope, "READ_ALL", 0)  # the checks of the keys in scope, in one query
    assert fingerprint(world.evaluate(task)) == by_key_lists


def test_it_previews_the_expected_strata_whichever_way_history_is_read(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    task, _codes = _xinzhou_history(world)
    monkeypatch.setattr(scope, "FEW_KEYS", 0)
    monkeypatch.setattr(scope, "READ_ALL", 0)

    result = world.evaluate(task)

    sizes = {s.key: len(s.candidates) for s in result.strata if s.candidates}
    # Low-risk targets checked this year by anyone are capped; the others fall by the years
    # since their last check in the industry (the 工信 check of 2026 does not count there):
    # 2022 and the five never checked 4+ years, 2023 three, 2024 two, 2026 by class.
    assert sizes == {"unchecked_3plus": 6, "unchecked_3": 1, "unchecked_2": 1, "b": 1}
    assert [e.code for e in result.exclusions] == ["status"] + ["frequency"] * 4


def test_it_counts_each_plan_task_as_if_evaluated_alone(world: World) -> None:
    world.adopt("zibo-gxj")
    item = world.item("ZB-001")
    listed, capped, once = world.targets(3)
    world.exempt(listed, dt.date(2026, 1, 1), None)
    for target in (listed, capped):
        world.check(target, dt.date(2026, 3, 1), item="ZB-001")
        world.check(target, dt.date(2026, 5, 1), item="ZB-001")
    world.check(once, dt.date(2026, 5, 1), item="ZB-001")
    world.targets(5)
    # On a complaint the exemption does not hold (002 第九条第二款): the listed target is kept
    # and its own history caps it; without one it is exempt and its history is never read.
    plain = world.task([item])
    complaint = world.task([item], grounds="|投诉举报|", strata_settings={"general": {"count": 2}})
    alone = [fingerprint(world.evaluate(t)) for t in (plain, complaint)]

    shared = eligibility.Shared()
    together = [
        fingerprint(eligibility.evaluate(world.db, t, shared=shared)) for t in (plain, complaint)
    ]

    assert together == alone
    assert len(shared.rows) == len(shared.history) == 1
    codes = [
        {e.target_id: e.code for e in eligibility.evaluate(world.db, t).exclusions}
        for t in (plain, complaint)
    ]
    assert codes == [
        {listed.id: "exemption", capped.id: "frequency"},
        {listed.id: "frequency", capped.id: "frequency"},
    ]
    summary = annual.summarise(world.db, world.plan(world.org.own))
    assert summary.total == sum(
        eligibility.evaluate(world.db, t).total_quota for t in (plain, complaint)
    )


@pytest.mark.parametrize("enabled", [True, False])
def test_it_leaves_the_garbage_collector_as_it_found_it(world: World, enabled: bool) -> None:
    world.adopt("zibo-gxj")
    task = world.task([world.item("ZB-001")])
    world.targets(3)
    lost = Task(plan_id=None, department_id=10**8, name="无部门", window_start=START)
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        world.evaluate(task)
        assert gc.isenabled() is enabled
        with pytest.raises(NotFound):
            eligibility.evaluate(world.db, lost)
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
