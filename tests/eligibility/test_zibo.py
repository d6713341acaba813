"""002 (zibo-gxj): the exemption list and its exceptions, two checks per item a year, overlap."""

from __future__ import annotations

import datetime as dt

import pytest

from spotcheck.audit.service import SYSTEM
from spotcheck.rulebooks.schema import cite
from spotcheck.targets import exemptions
from tests.eligibility.conftest import World, excluded, stratum_of


@pytest.fixture
def zibo(world: World) -> World:
    world.adopt("zibo-gxj")
    return world


def test_it_excludes_the_exemption_list_within_its_dates(zibo: World) -> None:
    item = zibo.item("ZB-001", domains=("质量",))
    listed, expired, revoked, future, plain = zibo.targets(5)
    zibo.exempt(listed, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    zibo.exempt(expired, dt.date(2025, 1, 1), dt.date(2026, 6, 30))
    exemptions.revoke(zibo.db, SYSTEM, zibo.exempt(revoked, dt.date(2026, 1, 1), None))
    zibo.exempt(future, dt.date(2027, 1, 1), None)
    # An entry made by the superior department applies to its subtree as well.
    above = zibo.target()
    zibo.exempt(above, dt.date(2026, 1, 1), None, department=zibo.org.root)

    result = zibo.evaluate(zibo.task([item]))

    assert result.in_scope == 6
    for target in (listed, above):
        exclusion = excluded(result, target)
        assert exclusion is not None
        assert exclusion.code == "exemption"
        assert exclusion.article == "002 第九条第二款"
        assert exclusion.rule.startswith("依据 002 第九条第二款：免检免扰名单内的检查对象予以免检")
    assert "2026-01-01至2027-12-31" in (excluded(result, listed) or pytest.fail()).reason
    for target in (expired, revoked, future, plain):
        assert excluded(result, target) is None
        assert stratum_of(result, target) == "general"
    assert result.exclusion_counts()[1] == ("exemption", "免检免扰名单", "002 第九条第二款", 2)


@pytest.mark.parametrize("domain", ["安全生产", "环保"])
def test_it_keeps_exempt_targets_for_an_item_of_an_excepted_domain(
    zibo: World, domain: str
) -> None:
    main = zibo.item("ZB-001", domains=("质量",))
    other = zibo.item("ZB-002", domains=(domain,))
    listed = zibo.target()
    zibo.exempt(listed, dt.date(2026, 1, 1), None)

    result = zibo.evaluate(zibo.task([main, other]))

    assert excluded(result, listed) is None
    assert stratum_of(result, listed) == "general"
    assert any(
        domain in w and "002 第九条第二款" in w and w.startswith("1 个") for w in result.warnings
    )


@pytest.mark.parametrize("ground", ["投诉举报", "上级要求", "法定"])
def test_it_keeps_exempt_targets_for_an_excepted_ground(zibo: World, ground: str) -> None:
    item = zibo.item("ZB-001", domains=("质量",))
    listed = zibo.target()
    zibo.exempt(listed, dt.date(2026, 1, 1), None)

    kept = zibo.evaluate(zibo.task([item], grounds=f"|{ground}|"))
    plain = zibo.evaluate(zibo.task([item]))

    assert excluded(kept, listed) is None
    assert any(ground in w for w in kept.warnings)
    assert (excluded(plain, listed) or pytest.fail()).code == "exemption"


def test_it_caps_two_checks_of_an_item_a_year_except_high_risk(zibo: World) -> None:
    main, other = zibo.item("ZB-001"), zibo.item("ZB-002")
    capped = zibo.target()
    other_item = zibo.target()
    last_year = zibo.target()
    once = zibo.target()
    abnormal = zibo.target(abnormal=True)
    complained = zibo.target(complaints=2)
    complained_once = zibo.target(complaints=1)
    for target in (capped, abnormal, complained, complained_once):
        zibo.check(target, dt.date(2026, 3, 1), item="ZB-001", random=False)
        zibo.check(target, dt.date(2026, 9, 1), item="ZB-001", department=zibo.org.other)
    zibo.check(other_item, dt.date(2026, 3, 1), item="ZB-003")
    zibo.check(other_item, dt.date(2026, 4, 1), item="ZB-003")
    zibo.check(last_year, dt.date(2025, 3, 1), item="ZB-001")
    zibo.check(last_year, dt.date(2025, 12, 30), item="ZB-001")
    zibo.check(once, dt.date(2026, 3, 1), item="ZB-002")

    result = zibo.evaluate(zibo.task([main, other]))

    for target in (capped, complained_once):
        exclusion = excluded(result, target) or pytest.fail("not excluded")
        assert exclusion.code == "frequency"
        assert exclusion.article == "002 第十二条第一款"
        assert exclusion.rule == "依据 002 第十二条第一款：同一事项年度抽查不超过2次"
        assert exclusion.reason == "2026年已因事项 ZB-001 被检查2次（上限2次）"
    for target in (other_item, last_year, once, abnormal, complained):
        assert excluded(result, target) is None, target.name
    assert stratum_of(result, abnormal) == "focus"
    assert stratum_of(result, complained) == "focus"
    assert stratum_of(result, complained_once) == ""
    assert any(
        w.startswith("2 个高风险检查对象") and "002 第十二条第三款" in w for w in result.warnings
    )


def test_it_offers_a_merge_for_a_target_another_department_drew(zibo: World) -> None:
    org = zibo.org
    item = zibo.item("ZB-001")
    merged, elsewhere_later, ours, partner, risky, free = zibo.targets(6)
    zibo.db.flush()
    risky.dishonest = True
    # A section of the same agency is another department (002 第十二条第二款: 不同业务科室).
    section = zibo.task(department=org.child, name="一科检查", start=dt.date(2026, 11, 1))
    later = zibo.task(department=org.other, start=dt.date(2027, 1, 1), end=dt.date(2027, 2, 1))
    same = zibo.task(department=org.own, name="本局另一任务")
    joint = zibo.task(department=org.root, name="省厅任务")
    zibo.drawn(section, merged, risky)
    zibo.drawn(later, elsewhere_later)
    zibo.drawn(same, ours)
    zibo.drawn(joint, partner)

    result = zibo.evaluate(zibo.task([item], participants=(org.root,)))

    exclusion = excluded(result, merged) or pytest.fail("not merged")
    assert exclusion.code == "overlap_merge"
    assert exclusion.article == "002 第十二条第二款"
    assert "甲市局一科" in exclusion.reason and "一科检查" in exclusion.reason
    assert "进一次门、查多项事" in exclusion.rule
    (merge,) = result.merges
    assert (merge.target_id, merge.other_task_id) == (merged.id, section.id)
    assert (merge.other_task_name, merge.other_department) == ("一科检查", "甲市局一科")
    for target in (elsewhere_later, ours, partner, free, risky):
        assert excluded(result, target) is None, target.name
    assert stratum_of(result, risky) == "focus"


def test_it_excludes_the_overlap_when_the_task_says_so(zibo: World) -> None:
    item = zibo.item("ZB-001")
    target = zibo.target()
    other = zibo.task(
        department=zibo.org.other, start=dt.date(2026, 12, 31), end=dt.date(2027, 1, 5)
    )
    zibo.drawn(other, target)

    result = zibo.evaluate(zibo.task([item], overlap_policy="exclude"))

    exclusion = excluded(result, target) or pytest.fail("not excluded")
    assert exclusion.code == "overlap_exclude"
    assert exclusion.article == "002 第十二条第二款"
    assert "乙市局" in exclusion.reason
    assert result.merges == []
    assert result.exclusion_counts()[-1] == (
        "overlap_exclude",
        "其他部门同期已抽中（排除）",
        "002 第十二条第二款",
        1,
    )


def test_it_warns_that_the_profile_expired(zibo: World) -> None:
    result = zibo.evaluate(zibo.task([zibo.item("ZB-001")]))
    assert result.profile_code == "zibo-gxj"
    assert any("2025-06-05" in w and "失效" in w for w in result.warnings)


def test_it_gives_one_reason_per_target_first_rule_first(zibo: World) -> None:
    item = zibo.item("ZB-001")
    cancelled = zibo.target(status="注销")
    listed = zibo.target()
    zibo.exempt(cancelled, dt.date(2026, 1, 1), None)
    zibo.exempt(listed, dt.date(2026, 1, 1), None)
    for target in (cancelled, listed):
        zibo.check(target, dt.date(2026, 2, 1), item="ZB-001")
        zibo.check(target, dt.date(2026, 3, 1), item="ZB-001")

    result = zibo.evaluate(zibo.task([item]))

    assert [(e.target_id, e.code) for e in result.exclusions] == [
        (cancelled.id, "status"),
        (listed.id, "exemption"),
    ]
    assert all(e.article and e.rule.startswith(f"{cite(e.article)}：") for e in result.exclusions)
    assert [row[0] for row in result.exclusion_counts()] == [
        "status",
        "exemption",
        "frequency",
        "overlap_merge",
    ]
