"""The status exclusion with the profile's article; what the scope of a task is."""

from __future__ import annotations

import pytest

from spotcheck.eligibility import scope
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.targets.models import SubRegistry
from tests.eligibility.conftest import World, excluded


@pytest.mark.parametrize(
    ("code", "item"),
    [
        ("shanxi-daj", "SX-001"),
        ("xinzhou-joint", "XZ-001"),
        ("zibo-gxj", "ZB-001"),
        ("zaozhuang-gxq", "ZZ-001"),
        ("luan-daj", "LA-001"),
    ],
)
def test_it_excludes_undrawable_statuses_as_the_platforms_rule(
    world: World, code: str, item: str
) -> None:
    # No rulebook says to leave non-存续 targets out of the draw (000 第十四条, 001 第二十一条,
    # 002 第十七条 only let a check of such a target close on evidence; 003 第十二条 and
    # 004 二（二） say nothing of status): the rule is the platform's, with its note.
    world.adopt(code)
    task_item = world.item(item)
    live = world.target()
    gone = [world.target(status=s) for s in ("注销", "吊销", "撤销", "清算", "迁出")]
    note = rulebooks_service.get(world.db, code).exclusions.status.note
    assert note

    result = world.evaluate(world.task([task_item]))

    assert excluded(result, live) is None
    for target in gone:
        exclusion = excluded(result, target) or pytest.fail(target.status)
        assert exclusion.code == "status"
        assert exclusion.article == "平台规则（细则未规定）"
        assert exclusion.reason == f"状态为“{target.status}”，不在可抽取状态（存续）"
        assert exclusion.rule == (
            f"平台规则（细则未规定）：仅存续状态的检查对象纳入随机抽取（{note}）"
        )
    assert result.exclusion_counts()[0] == ("status", "不在可抽取状态", "平台规则（细则未规定）", 5)
    assert (result.in_scope, result.total_candidates) == (6, 1)


def test_it_scopes_by_subtree_type_registry_and_filters(world: World) -> None:
    org = world.org
    world.adopt("zibo-gxj", org.root)
    item = world.item("ZB-001")
    registry = SubRegistry(department_id=org.own.id, name="危化品", tag="危化")
    world.db.add(registry)
    inside = world.target(
        tags="|危化|", region_code="370303", industry_code="C2614", risk_class="B"
    )
    in_child = world.target(
        org.child, tags="|危化|", region_code="370303", industry_code="C26", risk_class="C"
    )
    world.target(org.other, tags="|危化|", region_code="370303", industry_code="C26")
    world.target(tags="|危化|", region_code="370303", industry_code="C26", target_type="产品")
    world.target(tags="|其他|", region_code="370303", industry_code="C26")
    world.target(tags="|危化|", region_code="370402", industry_code="C26")
    world.target(tags="|危化|", region_code="370303", industry_code="C13")
    world.target(tags="|危化|", region_code="370303", industry_code="C26", risk_class="D")
    # The same 统一社会信用代码 in the child's registry is the same target.
    world.target(
        org.child,
        key=inside.key,
        tags="|危化|",
        region_code="370303",
        industry_code="C26",
        risk_class="B",
    )
    world.db.flush()

    task = world.task(
        [item],
        sub_registry_id=registry.id,
        filters={"region": "370300", "industry": "C26", "risk_classes": ["B", "C"]},
    )
    result = world.evaluate(task)

    found = {c.target_id for s in result.strata for c in s.candidates}
    assert found == {inside.id, in_child.id}
    assert result.in_scope == 2
    assert any("重复" in w for w in result.warnings)

    types = world.evaluate(world.task([item], filters={"target_types": ["产品"]}))
    assert types.in_scope == 0


def test_it_counts_the_registry_once_per_key_for_annual_ratios(world: World) -> None:
    world.adopt("zaozhuang-gxq")
    world.targets(3)
    world.target(status="注销")
    world.target(target_type="其他组织")
    dup = world.target()
    world.target(world.org.child, key=dup.key)
    world.db.commit()

    size = scope.scope_count(
        world.db, world.org.own, rulebooks_service.profile_for(world.db, world.org.own)
    )
    assert size == 4


def test_it_uses_the_plan_profile_when_the_plan_names_one(world: World) -> None:
    world.adopt("zibo-gxj")
    task = world.task([world.item("ZB-001")])
    world.plans[world.org.own.id].profile_code = "luan-daj"
    world.target(target_type="其他组织")

    result = world.evaluate(task)

    assert result.profile_code == "luan-daj"
    assert [s.key for s in result.strata] == ["all"]
    assert not any("失效" in w for w in result.warnings)
