"""Plan deadlines from the profile and the calendar, and the task rules (清单之外无抽查 and the rest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from spotcheck.errors import DomainError, IllegalTransition
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import Task, TaskItem
from tests.plans.conftest import Agency, actor


def test_it_warns_before_the_003_deadline_and_marks_it_overdue_after(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zaozhuang-gxq")
    plan = agency.plan(2026)

    early = plans_service.due_info(db, plan, dt.date(2026, 3, 2))
    assert early is not None and early.kind == "pending" and early.due == dt.date(2026, 5, 31)
    near = plans_service.due_info(db, plan, dt.date(2026, 5, 20))
    assert near is not None and near.kind == "warning"
    # 21, 22, 25–29 May 2026 are the working days left (31 May is a Sunday).
    assert near.text.startswith("距截止还有 7 个工作日")
    assert "依据 003 第十三条：年度计划应于 5月31日前发布" in near.text
    late = plans_service.due_info(db, plan, dt.date(2026, 6, 10))
    assert late is not None and late.overdue and late.text.startswith("已逾期 10 天")
    assert late.article == "003 第十三条"


def test_it_counts_the_deadline_as_met_only_in_the_state_the_profile_requires(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zaozhuang-gxq")
    plan = agency.plan(2026)
    agency.task(plan, agency.item("ZZ-1"))
    agency.to_state(plan, "filed")
    # 003 wants the plan 发布 (published): filed is not enough.
    assert plans_service.due_info(db, plan, dt.date(2026, 6, 1)).kind == "overdue"  # type: ignore[union-attr]
    plans_service.publish(db, actor(agency.coordinator), plan)
    assert plans_service.due_info(db, plan, dt.date(2026, 6, 1)).kind == "met"  # type: ignore[union-attr]


def test_it_says_when_the_calendar_does_not_know_the_year_yet(agency: Agency, db: Session) -> None:
    agency.adopt("xinzhou-joint")
    plan = agency.plan(2027)
    info = plans_service.due_info(db, plan, dt.date(2026, 11, 24))
    assert info is not None and info.kind == "pending"
    assert info.text.startswith("2027 年工作日历尚未导入，按自然日计 68 天")
    assert "001 第十三条第一款" in info.text
    assert plans_service.due_info(db, plan, dt.date(2027, 1, 20)).kind == "warning"  # type: ignore[union-attr]


def test_it_has_no_deadline_where_the_profile_sets_none(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    assert plans_service.due_info(db, agency.plan(2026), dt.date(2026, 11, 24)) is None


def test_it_refuses_a_task_with_an_unpublished_item(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    draft = agency.item("ZB-9", published=False)
    with pytest.raises(tasks_service.TaskInvalid) as refused:
        agency.task(plan, draft)
    message = refused.value.errors["main_item_id"]
    assert "清单之外无抽查" in message and "ZB-9" in message and "依据 002 第五条第一款" in message
    assert plan.tasks == []


def test_it_lists_the_problems_of_a_saved_task_with_an_unpublished_item(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    task = agency.task(plan, agency.item("ZB-1"))
    draft = agency.item("ZB-9", published=False)
    db.add(TaskItem(task_id=task.id, item_id=draft.id, item_version_id=draft.latest_version_id))
    db.flush()
    db.refresh(task)
    problems = tasks_service.problems(db, task)
    assert any("清单之外无抽查" in p and "ZB-9" in p for p in problems)
    with pytest.raises(DomainError, match="清单之外无抽查"):
        plans_service.submit(db, actor(agency.coordinator), plan)


def test_it_checks_every_field_of_a_task_with_its_rule(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan(2026)
    item = agency.item("ZB-1")
    data = agency.task_input(
        item,
        item,
        name=" ",
        participant_ids=[agency.org.other.id],
        window_start=dt.date(2027, 1, 5),
        window_end=dt.date(2027, 1, 1),
        methods=["电话抽查"],
        grounds=["领导批示"],
        filters={"target_types": ["产品"], "region": "37A", "industry": "26"},
        strata_settings={"focus": {"ratio": 1.5}, "general": {"count": -1}, "x": {"ratio": 0.1}},
        overlap_policy="skip",
    )
    with pytest.raises(tasks_service.TaskInvalid) as refused:
        tasks_service.create(db, actor(agency.officer), plan, data)
    errors = refused.value.errors
    assert errors["name"] == "请填写任务名称"
    assert "部门内部抽查（依据 002 第二条）" in errors["participant_ids"]
    assert errors["other_item_ids"] == "主事项不必再勾选为其他事项"
    assert errors["window_end"] == "结束日期不能早于开始日期"
    assert "电话抽查" in errors["methods"] and "领导批示" in errors["grounds"]
    assert (
        "产品" in errors["filters.target_types"] and "002 第六条" in errors["filters.target_types"]
    )
    assert "filters.region" in errors and "filters.industry" in errors
    assert "0%–100%" in errors["strata_settings.focus"]
    assert "不小于 0" in errors["strata_settings.general"]
    assert "没有分层“x”" in errors["strata_settings.x"]
    assert "overlap_policy" in errors

    outside = agency.task_input(
        item, window_start=dt.date(2027, 2, 1), window_end=dt.date(2027, 3, 1)
    )
    with pytest.raises(tasks_service.TaskInvalid) as refused:
        tasks_service.create(db, actor(agency.officer), plan, outside)
    # Both dates named on their own fields; 002 does not say a plan is made by natural year.
    assert set(refused.value.errors) == {"window_start", "window_end"}
    assert refused.value.errors["window_end"].startswith(
        "结束日期 2027-03-01 不在计划年度 2026 年内，应在 2026-01-01 至 2026-12-31 之间"
        "（平台规则（细则未规定）"
    )


def test_it_numbers_tasks_pins_items_and_renumbers_after_a_delete(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    item = agency.item("ZB-1")
    first = agency.task(plan, item, name="任务一")
    second = agency.task(plan, item, name="任务二")
    third = agency.task(plan, item, name="任务三")
    assert [t.number for t in (first, second, third)] == [1, 2, 3]
    assert first.items[0].item_version_id == item.published_version_id
    tasks_service.delete(db, actor(agency.officer), second)
    db.commit()
    assert [(t.name, t.number) for t in plan.tasks] == [("任务一", 1), ("任务三", 2)]
    assert db.get(Task, second.id) is None
    tasks_service.update(
        db, actor(agency.officer), third, agency.task_input(item, name="任务三（改）")
    )
    assert third.name == "任务三（改）" and len(third.items) == 1

    agency.to_state(plan, "approved")
    with pytest.raises(IllegalTransition, match="只有草稿或已退回的计划可以增删改任务"):
        tasks_service.update(db, actor(agency.officer), first, agency.task_input(item))
    with pytest.raises(IllegalTransition):
        agency.task(plan, item)
