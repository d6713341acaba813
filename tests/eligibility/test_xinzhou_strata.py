"""001 (xinzhou-joint): credit classes and lists first, then 2/3/3+ years unchecked in the industry."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.eligibility.conftest import START, World, stratum_of


@pytest.fixture
def xinzhou(world: World) -> World:
    world.adopt("xinzhou-joint")
    world.org.own.industry = "市场监管"
    world.org.other.industry = "工业和信息化"
    # A section without an industry works in its agency's industry.
    world.org.child.industry = ""
    world.db.flush()
    return world


def test_it_buckets_targets_by_full_years_unchecked_in_the_industry(xinzhou: World) -> None:
    org = xinzhou.org
    item = xinzhou.item("XZ-001")
    two = xinzhou.target()
    three = xinzhou.target()
    five = xinzhou.target()
    never = xinzhou.target()
    other_industry = xinzhou.target()
    by_section = xinzhou.target()
    recent = xinzhou.target()
    just_two = xinzhou.target()
    xinzhou.check(two, dt.date(2024, 6, 1))  # 2.5 years before the window
    xinzhou.check(three, dt.date(2023, 6, 1))  # 3.5 years
    xinzhou.check(five, START.replace(year=2021))  # exactly 5 years
    xinzhou.check(other_industry, dt.date(2025, 6, 1), department=org.other)
    xinzhou.check(by_section, dt.date(2025, 6, 1), department=org.child)
    xinzhou.check(recent, dt.date(2025, 6, 1))
    xinzhou.check(
        just_two, START.replace(year=2024) + dt.timedelta(days=1)
    )  # a day short of 2 years

    result = xinzhou.evaluate(xinzhou.task([item]))

    assert stratum_of(result, two) == "unchecked_2"
    assert stratum_of(result, three) == "unchecked_3"
    assert stratum_of(result, five) == "unchecked_3plus"
    assert stratum_of(result, never) == "unchecked_3plus"
    # A check by a department of another industry does not count for "本行业领域".
    assert stratum_of(result, other_industry) == "unchecked_3plus"
    assert stratum_of(result, by_section) == "other"
    assert stratum_of(result, recent) == "other"
    assert stratum_of(result, just_two) == "other"
    texts = {s.key: s.rule_text for s in result.strata}
    assert texts["unchecked_2"] == "满2年不满3年未被检查"
    assert texts["unchecked_3plus"] == "满4年（含从未）未被检查"
    assert {s.key: s.article for s in result.strata}["unchecked_3"] == "001 第十六条第三款"


def test_it_puts_each_target_in_the_first_stratum_it_meets(xinzhou: World) -> None:
    item = xinzhou.item("XZ-001")
    d_abnormal = xinzhou.target(risk_class="D", abnormal=True)
    c_dishonest = xinzhou.target(risk_class="C", dishonest=True)
    b_abnormal = xinzhou.target(risk_class="B", abnormal=True)
    b_never = xinzhou.target(risk_class="B")
    b_recent = xinzhou.target(risk_class="B")
    a_recent = xinzhou.target(risk_class="A")
    for target in (b_abnormal, b_recent, a_recent):
        xinzhou.check(target, dt.date(2025, 10, 1))

    result = xinzhou.evaluate(xinzhou.task([item]))

    assert [s.key for s in result.strata] == [
        "d",
        "c",
        "listed",
        "complaints",
        "unchecked_3plus",
        "unchecked_3",
        "unchecked_2",
        "b",
        "a",
        "other",
    ]
    assert stratum_of(result, d_abnormal) == "d"
    assert stratum_of(result, c_dishonest) == "c"
    assert stratum_of(result, b_abnormal) == "listed"
    assert stratum_of(result, b_never) == "unchecked_3plus"
    assert stratum_of(result, b_recent) == "b"
    assert stratum_of(result, a_recent) == "a"
    d = result.strata[0]
    assert (d.rule_text, d.ratio, d.quota) == ("信用风险分类为 D 类", 1.0, 1)
    assert result.strata[2].rule_text == "列入经营异常名录或列入严重违法失信名单"
    (empty,) = [w for w in result.warnings if w.startswith("以下分层没有候选对象")]
    assert "“3年未被抽查”" in empty and "“D类（信用风险高）”" not in empty


def test_it_counts_full_years_from_29_february(xinzhou: World) -> None:
    item = xinzhou.item("XZ-001")
    leap = xinzhou.target()
    xinzhou.check(leap, dt.date(2024, 2, 29))

    on_28 = xinzhou.evaluate(
        xinzhou.task([item], start=dt.date(2026, 2, 28), end=dt.date(2026, 3, 31))
    )
    on_27 = xinzhou.evaluate(
        xinzhou.task([item], start=dt.date(2026, 2, 27), end=dt.date(2026, 3, 31))
    )

    assert stratum_of(on_28, leap) == "unchecked_2"
    assert stratum_of(on_27, leap) == "other"


def test_it_puts_a_b_class_target_with_many_complaints_in_the_complaints_stratum(
    xinzhou: World,
) -> None:
    # 001 第十六条第三款: 投诉举报多 is among the targets whose ratio must be raised.
    item = xinzhou.item("XZ-001")
    complained = xinzhou.target(risk_class="B", complaints=10)
    at_the_bar = xinzhou.target(risk_class="B", complaints=3)
    below = xinzhou.target(risk_class="B", complaints=2)
    d_complained = xinzhou.target(risk_class="D", complaints=10)
    for target in (complained, at_the_bar, below, d_complained):
        xinzhou.check(target, dt.date(2025, 10, 1))  # checked lately: not in the unchecked strata

    result = xinzhou.evaluate(xinzhou.task([item]))

    assert stratum_of(result, complained) == "complaints"
    assert stratum_of(result, at_the_bar) == "complaints"
    assert stratum_of(result, below) == "b"
    assert stratum_of(result, d_complained) == "d"
    by_key = {s.key: s for s in result.strata}
    complaints, b = by_key["complaints"], by_key["b"]
    assert complaints.article == "001 第十六条第三款"
    assert complaints.rule_text == "被投诉举报 3 次及以上"
    # Drawn at the raised ratio, not the ordinary B ratio.
    assert (complaints.ratio, b.ratio) == (0.5, 0.05)
    assert (complaints.quota, b.quota) == (1, 1)
    assert complaints.quota_text.startswith("向上取整(2 × 50%) = 1")
