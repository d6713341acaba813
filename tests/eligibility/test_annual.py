"""Annual ratios over a plan's tasks: 003 at least 5%, 004 about 20% (±5 points)."""

from __future__ import annotations

import pytest

from spotcheck.eligibility import annual
from tests.eligibility.conftest import World


def test_it_checks_the_003_minimum_over_the_year(world: World) -> None:
    world.adopt("zaozhuang-gxq")
    item = world.item("ZZ-001", kind="重点")
    world.targets(100)
    world.targets(10, status="注销")
    world.targets(5, target_type="其他组织")
    task = world.task([item], strata_settings={"all": {"count": 4}})
    world.task([item], strata_settings={"all": {"count": 50}}, special=True)
    world.db.commit()
    plan = world.plans[world.org.own.id]

    below = annual.summarise(world.db, plan)

    assert (below.registry_size, below.total, below.year) == (100, 4, 2026)
    assert [(t.id, n) for t, n in below.planned] == [(task.id, 4)]
    assert not below.ok
    assert below.ratio == pytest.approx(0.04)
    assert "低于规定的最低比例5%" in below.message
    assert "003 第十六条" in below.message
    assert "计两次" in below.message

    task.strata_settings = {"all": {"count": 5}}
    world.db.commit()
    at = annual.summarise(world.db, plan)
    assert at.ok and at.total == 5
    assert "不低于5%（依据 003 第十六条" in at.message


@pytest.mark.parametrize(
    ("counts", "ok"),
    [((30,), False), ((20,), True), ((10, 15), True), ((14,), False), ((26,), False)],
)
def test_it_checks_the_004_target_over_all_tasks(
    world: World, counts: tuple[int, ...], ok: bool
) -> None:
    world.adopt("luan-daj")
    item = world.item("LA-001", kind="重点")
    world.targets(100, target_type="其他组织")
    for n in counts:
        world.task([item], strata_settings={"all": {"count": n}})
    world.db.commit()

    summary = annual.summarise(world.db, world.plans[world.org.own.id])

    assert summary.total == sum(counts)
    assert summary.ok is ok
    assert summary.rule is not None and summary.rule.kind == "target"
    assert "004 二（三）" in summary.message
    assert ("偏离20%左右（15%–25%）" in summary.message) is not ok


def test_it_is_neutral_without_an_annual_rule(world: World) -> None:
    world.adopt("zibo-gxj")
    world.task([world.item("ZB-001")])
    world.db.commit()
    summary = annual.summarise(world.db, world.plans[world.org.own.id])
    assert summary.ok and summary.rule is None
    assert "未规定年度抽查比例" in summary.message
