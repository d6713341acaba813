"""No draw without a task in a plan at the state the profile requires (002 第二条第二款), special
campaigns only where the profile allows them, items of the list type the profile admits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.catalog import service as catalog_service
from spotcheck.errors import DomainError
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import Task, TaskItem
from tests.plans.conftest import Agency, actor


def test_it_blocks_a_task_of_a_draft_plan_under_002(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    agency.targets(5)
    plan = agency.plan()
    task = agency.task(plan, agency.item("ZB-1"))
    [blocker] = plans_service.draw_blockers(db, task)
    assert "当前为“草稿”，须已批准后才能抽取" in blocker
    assert "依据 002 第二条第二款" in blocker
    agency.to_state(plan, "approved")
    assert plans_service.draw_blockers(db, task) == []


def test_it_needs_a_filed_plan_under_001(agency: Agency, db: Session) -> None:
    agency.adopt("xinzhou-joint")
    agency.targets(5)
    plan = agency.plan()
    task = agency.task(plan, agency.item("XZ-1"))
    agency.to_state(plan, "approved", document_no="忻政函〔2026〕1号")
    [blocker] = plans_service.draw_blockers(db, task)
    assert "当前为“已批准”，须已备案后才能抽取" in blocker and "001 第十三条" in blocker
    plans_service.file(db, actor(agency.coordinator), plan)
    assert plans_service.draw_blockers(db, task) == []


def test_it_allows_a_marked_special_campaign_under_000(agency: Agency, db: Session) -> None:
    agency.adopt("shanxi-daj")
    agency.targets(5)
    item = agency.item("SX-1", list_type="部门联合")
    data = agency.task_input(item, special_basis="国家档案局 2026 年专项执法检查通知")
    task = tasks_service.create_special(db, actor(agency.officer), agency.org.own, data)
    assert task.special and task.plan_id is None
    check = plans_service.draw_check(db, task)
    assert check.blockers == []
    assert any("专项检查" in w and "000 第十七条" in w for w in check.warnings)

    with pytest.raises(tasks_service.TaskInvalid, match="专项检查须写明依据"):
        tasks_service.create_special(
            db, actor(agency.officer), agency.org.own, agency.task_input(item)
        )


def test_it_refuses_a_special_campaign_under_002(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    item = agency.item("ZB-1")
    data = agency.task_input(item, special_basis="市政府通知")
    with pytest.raises(DomainError, match="不能新建计划外专项检查：依据 002 第二条第二款"):
        tasks_service.create_special(db, actor(agency.officer), agency.org.own, data)
    # A task outside any plan, however it got there, never reaches the draw.
    stray = Task(
        department_id=agency.org.own.id,
        name="计划外任务",
        special=True,
        special_basis="x",
        window_start=dt.date(2026, 12, 1),
        window_end=dt.date(2026, 12, 31),
        methods="|实地核查|",
    )
    stray.items = [
        TaskItem(item_id=item.id, item_version_id=item.published_version_id, is_main=True)
    ]
    db.add(stray)
    db.flush()
    blockers = plans_service.draw_blockers(db, stray)
    assert any("未列入年度抽查计划" in b and "002 第二条第二款" in b for b in blockers)


def test_it_blocks_the_tasks_of_a_superseded_version(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    agency.targets(5)
    plan = agency.plan()
    task = agency.task(plan, agency.item("ZB-1"))
    agency.to_state(plan, "filed")
    new = plans_service.adjust(db, actor(agency.coordinator), plan, "调整比例")
    assert plans_service.draw_blockers(db, task) == []  # in force until the new one is filed
    agency.to_state(new, "filed")
    [blocker] = plans_service.draw_blockers(db, task)
    assert "已被调整后的版本替代" in blocker
    assert plans_service.draw_blockers(db, new.tasks[0]) == []


def test_it_blocks_an_item_from_a_list_type_the_profile_does_not_allow(
    agency: Agency, db: Session
) -> None:
    agency.adopt("shanxi-daj")
    agency.targets(5, target_type="企业")
    plan = agency.plan()
    own_list = agency.item("SX-9", list_type="本部门")
    task = agency.task(plan, own_list)
    agency.to_state(plan, "filed")
    [blocker] = plans_service.draw_blockers(db, task)
    assert "属于“本部门”清单，本细则只允许使用部门联合清单（依据 000 第三条）" in blocker


def test_it_warns_when_the_pinned_item_version_is_no_longer_the_published_one(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    agency.targets(5)
    item = agency.item("ZB-1")
    plan = agency.plan()
    task = agency.task(plan, item)
    agency.to_state(plan, "approved")
    for name in ("事项ZB-1", "事项ZB-1（修订）"):  # version 1 goes through a release, then 2
        catalog_service.save(db, SYSTEM, agency.org.child, "ZB-1", {"name": name, "kind": "重点"})
        release = catalog_service.submit(db, SYSTEM, agency.org.child)
        catalog_service.decide(
            db, actor(agency.leader), agency.leader, release, approve=True, opinion="同意"
        )
    db.flush()
    db.expire(item)
    assert item.published is not None and item.published.version == 2
    check = plans_service.draw_check(db, task)
    assert check.blockers == []
    assert any("ZB-1 已发布第 2 版" in w for w in check.warnings)
