"""The plan workflow: draft → submitted → approved → filed → published, returns, illegal moves,
who approves, the external approval's document number, and adjustments as new versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.models import AuditEvent
from spotcheck.errors import DomainError, Forbidden, IllegalTransition
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan, PlanStatus
from spotcheck.rulebooks.schema import PLATFORM_RULE
from tests.plans.conftest import Agency, actor


def test_it_walks_a_plan_to_published_with_who_when_and_opinion_on_every_step(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    agency.task(plan, agency.item("ZB-1"))
    plans_service.submit(db, actor(agency.coordinator), plan, "请审定")
    plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
    plans_service.file(db, actor(agency.coordinator), plan, "备-2026-01")
    plans_service.publish(db, actor(agency.coordinator), plan)
    db.commit()

    steps = plans_service.steps(plan)
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "approved"),
        ("file", "approved", "filed"),
        ("publish", "filed", "published"),
    ]
    assert [s.actor_name for s in steps] == ["COORD", "COORD", "LEADER", "COORD", "COORD"]
    assert steps[1].opinion == "请审定" and steps[2].opinion == "同意"
    assert steps[3].document_no == "备-2026-01"
    assert all(s.at is not None and s.rule.startswith(("依据 002 ", PLATFORM_RULE)) for s in steps)
    # 002 does not say who approves the plan (第八条 only has it made): the platform's rule.
    assert steps[2].rule == "平台规则（细则未规定）：年度计划由局领导审定"
    assert plan.status == PlanStatus.PUBLISHED
    assert plan.submitted_at and plan.approved_at and plan.filed_at and plan.published_at
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "annual_plan")
        .order_by(AuditEvent.seq)
    ).all()
    assert actions == ["plan.create", "plan.submit", "plan.approve", "plan.file", "plan.publish"]


def test_it_returns_with_an_opinion_and_takes_the_plan_again(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    agency.task(plan, agency.item("ZB-1"))
    plans_service.submit(db, actor(agency.coordinator), plan)
    with pytest.raises(DomainError, match="退回时请填写审批意见") as refused:
        plans_service.return_(db, actor(agency.leader), agency.leader, plan, "  ")
    assert refused.value.field == "opinion"
    plans_service.return_(db, actor(agency.leader), agency.leader, plan, "任务2比例偏高")
    assert plan.status == PlanStatus.RETURNED
    plans_service.update(db, actor(agency.coordinator), plan, title="修改后的计划", description="")
    plans_service.submit(db, actor(agency.coordinator), plan, "已按意见修改")
    plans_service.approve(db, actor(agency.leader), agency.leader, plan)
    steps = plans_service.steps(plan)
    assert [s.to_status for s in steps] == [
        "draft",
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    assert steps[2].opinion == "任务2比例偏高" and steps[2].actor_name == "LEADER"


def test_it_refuses_illegal_moves_in_chinese(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    with pytest.raises(IllegalTransition, match="当前为“草稿”，不能执行“批准”"):
        plans_service.approve(db, actor(agency.leader), agency.leader, plan)
    with pytest.raises(IllegalTransition, match="不能执行“公开”"):
        plans_service.publish(db, actor(agency.coordinator), plan)
    with pytest.raises(IllegalTransition, match="只有已备案或已公开的计划可以调整"):
        plans_service.adjust(db, actor(agency.coordinator), plan, "变更")
    with pytest.raises(DomainError, match="还没有抽查任务"):
        plans_service.submit(db, actor(agency.coordinator), plan)
    agency.task(plan, agency.item("ZB-1"))
    agency.to_state(plan, "approved")
    with pytest.raises(IllegalTransition, match="当前为“已批准”，不能执行“提交审批”"):
        plans_service.submit(db, actor(agency.coordinator), plan)
    with pytest.raises(IllegalTransition, match="只有草稿或已退回的计划可以修改"):
        plans_service.update(db, actor(agency.coordinator), plan, title="x", description="")
    assert plan.status == PlanStatus.APPROVED


def test_it_lets_only_a_leader_of_the_department_or_above_approve(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    agency.task(plan, agency.item("ZB-1"))
    plans_service.submit(db, actor(agency.coordinator), plan)
    for user in (agency.coordinator, agency.section_leader, agency.outsider):
        with pytest.raises(Forbidden, match=r"领导审批角色.*平台规则（细则未规定）"):
            plans_service.approve(db, actor(user), user, plan, "同意")
    assert plan.status == PlanStatus.SUBMITTED
    plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
    assert plan.status == PlanStatus.APPROVED


def test_it_needs_the_document_number_of_the_city_government_under_001(
    agency: Agency, db: Session
) -> None:
    agency.adopt("xinzhou-joint")
    plan = agency.plan()
    agency.task(plan, agency.item("XZ-1"))
    plans_service.submit(db, actor(agency.coordinator), plan)
    with pytest.raises(
        DomainError, match="市人民政府审定（依据 001 第十三条第一款），请填写审定文号"
    ):
        plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
    step = plans_service.approve(
        db, actor(agency.leader), agency.leader, plan, "同意", document_no="忻政函〔2026〕12号"
    )
    assert step.document_no == "忻政函〔2026〕12号"
    assert step.on_behalf_of == "市人民政府"
    assert "001 第十三条第一款" in step.rule


def test_it_keeps_one_live_plan_per_department_and_year(agency: Agency, db: Session) -> None:
    agency.adopt("zibo-gxj")
    first = agency.plan(2027)
    with pytest.raises(DomainError, match="2027 年已有年度计划“2027年度抽查计划”（第 1 版，草稿）"):
        agency.plan(2027)
    assert agency.plan(2028).version == 1
    assert plans_service.current(db, agency.org.own, 2027) is first


def test_it_refuses_a_plan_for_a_department_without_a_profile(agency: Agency, db: Session) -> None:
    with pytest.raises(DomainError, match="尚未采用细则配置"):
        agency.plan()


def test_it_adjusts_a_filed_plan_as_a_new_version_that_supersedes_it_once_filed(
    agency: Agency, db: Session
) -> None:
    agency.adopt("xinzhou-joint")
    main, other = agency.item("XZ-1"), agency.item("XZ-2")
    plan = agency.plan()
    task = agency.task(
        plan,
        main,
        other,
        participant_ids=[agency.org.other.id],
        strata_settings={"c": {"ratio": 0.3}, "a": {"count": 2}},
        requirements="进一次门、查多项事",
    )
    agency.to_state(plan, "filed", document_no="忻政函〔2026〕1号")
    with pytest.raises(DomainError, match="请填写调整原因"):
        plans_service.adjust(db, actor(agency.coordinator), plan, "")
    new = plans_service.adjust(db, actor(agency.coordinator), plan, "新增食品专项任务")
    with pytest.raises(DomainError, match="已有调整中的版本"):
        plans_service.adjust(db, actor(agency.coordinator), plan, "再调整")

    assert (new.version, new.based_on_id, new.status) == (2, plan.id, PlanStatus.DRAFT)
    assert new.adjustment_reason == "新增食品专项任务"
    [copy] = new.tasks
    assert copy.id != task.id and copy.name == task.name and copy.number == 1
    assert [(i.item_id, i.item_version_id, i.is_main) for i in copy.items] == [
        (i.item_id, i.item_version_id, i.is_main) for i in task.items
    ]
    assert [p.department_id for p in copy.participants] == [agency.org.other.id]
    assert copy.strata_settings == {"c": {"ratio": 0.3}, "a": {"count": 2}}
    assert copy.requirements == "进一次门、查多项事"
    # The old version stays in force until the new one is filed.
    assert plan.status == PlanStatus.FILED
    assert plans_service.current(db, agency.org.own, 2026) is plan

    plans_service.submit(db, actor(agency.coordinator), new)
    plans_service.approve(
        db, actor(agency.leader), agency.leader, new, document_no="忻政函〔2026〕9号"
    )
    assert plan.status == PlanStatus.FILED
    plans_service.file(db, actor(agency.coordinator), new)
    db.commit()
    assert plan.status == PlanStatus.SUPERSEDED and new.status == PlanStatus.FILED
    assert plans_service.current(db, agency.org.own, 2026) is new
    last = plans_service.steps(plan)[-1]
    assert (last.action, last.from_status, last.to_status) == ("supersede", "filed", "superseded")
    assert "第 2 版已备案" in last.opinion
    assert [v.version for v in plans_service.versions(db, plan)] == [2, 1]
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "plan.supersede")) is not None
    assert db.get(AnnualPlan, plan.id) is plan


def test_it_refuses_to_submit_a_plan_whose_general_item_is_drawn_above_its_ratio(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    agency.targets(20)
    plan = agency.plan()
    general = agency.item("ZB-G", kind="一般")  # the list caps it at 5%
    task = agency.task(plan, general, strata_settings={"general": {"ratio": 0.5}})
    with pytest.raises(DomainError, match="002 第五条第二款"):
        plans_service.submit(db, actor(agency.coordinator), plan)
    assert plan.status == PlanStatus.DRAFT
    task.strata_settings = {"general": {"ratio": 0.05}}
    db.flush()
    plans_service.submit(db, actor(agency.coordinator), plan)
    assert plan.status == PlanStatus.SUBMITTED
