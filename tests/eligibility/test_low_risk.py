"""000 (shanxi-daj) and 001 (xinzhou-joint): a low-risk target is checked at most once a natural year."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.eligibility.conftest import World, excluded, stratum_of

ARTICLES = {"shanxi-daj": "000 第十条第二款", "xinzhou-joint": "001 第十六条第二款"}


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_it_excludes_a_low_risk_target_checked_this_year(world: World, code: str) -> None:
    world.adopt(code)
    item = world.item("LR-001")
    checked = world.target(risk_class="A")
    last_year = world.target(risk_class="A")
    b_class = world.target(risk_class="B")
    fresh = world.target(risk_class="A")
    # Any check counts: another department's, not random, not about this item.
    world.check(checked, dt.date(2026, 2, 1), department=world.org.other, random=False, item="X")
    world.check(last_year, dt.date(2025, 12, 31))
    world.check(b_class, dt.date(2026, 5, 1))

    result = world.evaluate(world.task([item]))

    exclusion = excluded(result, checked) or pytest.fail("not excluded")
    assert exclusion.code == "frequency"
    assert exclusion.article == ARTICLES[code]
    assert exclusion.rule == f"依据 {ARTICLES[code]}：低风险对象年度内原则上只查一次"
    assert exclusion.reason == "信用风险低（A类），2026年已被检查1次（上限1次）"
    for target in (last_year, b_class, fresh):
        assert excluded(result, target) is None
    assert stratum_of(result, last_year) in ("low", "a")
    assert stratum_of(result, b_class) == "b"


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_it_keeps_a_low_risk_target_when_the_law_says_so(world: World, code: str) -> None:
    world.adopt(code)
    item = world.item("LR-001")
    checked = world.target(risk_class="A")
    world.check(checked, dt.date(2026, 2, 1))

    lawful = world.evaluate(world.task([item], grounds="|法定|"))
    complaint = world.evaluate(world.task([item], grounds="|投诉举报|"))

    assert excluded(lawful, checked) is None
    assert any("法定" in w and ARTICLES[code] in w for w in lawful.warnings)
    # Only 法定 is the rule's exception ("法律、法规、规章另有规定").
    assert (excluded(complaint, checked) or pytest.fail()).code == "frequency"
