"""Quotas from ratios or counts with the profile's rounding; the general-item cap; batch order."""

from __future__ import annotations

import pytest

from spotcheck.audit.service import SYSTEM
from spotcheck.rulebooks import service as rulebooks_service
from tests.eligibility.conftest import World


def test_it_rounds_up_by_default_and_cites_the_quota_article(world: World) -> None:
    world.adopt("zaozhuang-gxq")
    item = world.item("ZZ-001", kind="重点")
    world.targets(37)

    result = world.evaluate(world.task([item]))

    (stratum,) = result.strata
    assert (stratum.quota, stratum.ratio, stratum.count_setting) == (2, 0.05, None)
    assert stratum.quota_text == "向上取整(37 × 5%) = 2（依据 003 第十六条）"
    assert (result.total_candidates, result.total_quota) == (37, 2)


def test_it_uses_exact_arithmetic_for_a_ratio_override(world: World) -> None:
    world.adopt("zaozhuang-gxq")
    item = world.item("ZZ-001", kind="重点")
    world.targets(100)

    result = world.evaluate(world.task([item], strata_settings={"all": {"ratio": 0.07}}))

    (stratum,) = result.strata
    # 100 × 0.07 is 7.000000000000001 in floats; the quota must be 7.
    assert (stratum.quota, stratum.ratio) == (7, 0.07)
    assert stratum.quota_text == "向上取整(100 × 7%) = 7（依据 003 第十六条）"


def test_it_takes_a_fixed_count_and_caps_it_at_the_candidates(world: World) -> None:
    world.adopt("zaozhuang-gxq")
    item = world.item("ZZ-001", kind="重点")
    world.targets(12)

    fixed = world.evaluate(world.task([item], strata_settings={"all": {"count": 10}}))
    above = world.evaluate(world.task([item], strata_settings={"all": {"count": 30}}))

    assert (fixed.strata[0].quota, fixed.strata[0].ratio, fixed.strata[0].count_setting) == (
        10,
        None,
        10,
    )
    assert fixed.warnings == []
    assert above.strata[0].quota == 12
    assert "超过候选对象 12 个" in above.strata[0].quota_text
    assert "分层“全部检查对象”设定抽取 30 个，超过候选对象 12 个，按 12 个抽取" in above.warnings


def test_it_refuses_a_broken_setting_and_ignores_unknown_strata(world: World) -> None:
    world.adopt("zaozhuang-gxq")
    item = world.item("ZZ-001", kind="重点")
    world.targets(10)

    result = world.evaluate(
        world.task([item], strata_settings={"all": {"ratio": 1.5}, "nope": {"count": 1}})
    )

    assert any("全部检查对象" in p and "0–1" in p for p in result.problems)
    assert "任务设置了细则中没有的分层“nope”，已忽略" in result.warnings
    assert result.strata[0].quota == 1


@pytest.mark.parametrize(
    ("rounding", "quota", "word"), [("floor", 1, "向下取整"), ("round", 2, "四舍五入")]
)
def test_it_rounds_as_a_copied_profile_says(
    world: World, rounding: str, quota: int, word: str
) -> None:
    custom = rulebooks_service.copy(world.db, SYSTEM, "zaozhuang-gxq", "zz-copy")
    text = custom.text.replace('rounding = "ceil"', f'rounding = "{rounding}"')
    rulebooks_service.save(world.db, SYSTEM, "zz-copy", text)
    world.adopt("zz-copy")
    item = world.item("ZZ-001", kind="重点")
    world.targets(30)  # 30 × 5% = 1.5

    result = world.evaluate(world.task([item]))

    assert result.profile_code == "zz-copy"
    assert result.strata[0].quota == quota
    assert result.strata[0].quota_text.startswith(f"{word}(30 × 5%) = {quota}")


def test_it_flags_a_general_main_item_drawn_above_its_ratio(world: World) -> None:
    world.adopt("zaozhuang-gxq")
    general = world.item("ZZ-001", kind="一般", ratio_bp=500)
    key = world.item("ZZ-002", kind="重点")
    world.targets(100)

    within = world.evaluate(world.task([general, key]))
    above = world.evaluate(world.task([general, key], strata_settings={"all": {"ratio": 0.06}}))
    key_main = world.evaluate(world.task([key, general], strata_settings={"all": {"ratio": 0.6}}))

    assert within.problems == []
    (problem,) = above.problems
    assert problem.startswith(
        # 003 does not tell key from general items: the cap is the platform's (第九条 says nothing of it).
        "平台规则（细则未规定）：一般检查事项“事项ZZ-001”（ZZ-001）的抽查比例不得超过5%"
    )
    assert "最多抽取 5 个，现为 6 个" in problem
    # A key item has no cap.
    assert key_main.problems == []


def test_it_orders_batches_at_random_for_a_key_item_at_a_high_ratio(world: World) -> None:
    world.adopt("zibo-gxj")
    key = world.item("ZB-001", kind="重点")
    general = world.item("ZB-002", kind="一般", ratio_bp=10000)
    world.targets(10)

    high = world.evaluate(world.task([key], strata_settings={"general": {"ratio": 0.5}}))
    low = world.evaluate(world.task([key], strata_settings={"general": {"ratio": 0.4}}))
    general_main = world.evaluate(
        world.task([general], strata_settings={"general": {"ratio": 0.6}})
    )

    assert high.batch_order.startswith("检查批次顺序由抽取结果随机确定（依据 002 第五条第二款")
    assert low.batch_order == ""
    assert general_main.batch_order == ""
    assert general_main.problems == []
