"""Approvals as (department, level): a user without the level the rulebook names cannot approve a
plan, a borrowing or a swap, and the refusal names the level and the article; what is approved
leaves a typed approval row (department, level, person, document, article)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import ApprovalLevel, Role
from spotcheck.audit.service import SYSTEM
from spotcheck.draws import events
from spotcheck.draws import service as draws
from spotcheck.draws.service import DrawRefused
from spotcheck.errors import DomainError, Forbidden
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import PlanStatus
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.workflow import approvals
from spotcheck.workflow.models import Approval
from tests.draws_ceremony.conftest import department, who
from tests.draws_events.conftest import computed, xinzhou_task, zibo_task
from tests.plans.conftest import Agency, actor


def _leader(db: Session, username: str, code: str, level: ApprovalLevel | None) -> None:
    user = accounts_service.create(
        db,
        SYSTEM,
        username=username,
        full_name=username.upper(),
        department=department(db, code),
        roles=[Role.LEADER],
        password="Approver#2026x",
    )
    user.approval_level = level
    db.flush()


def test_it_gives_new_leaders_a_default_level_and_reads_levels_from_the_profile(
    agency: Agency, db: Session
) -> None:
    assert agency.leader.approval_level == ApprovalLevel.PRINCIPAL
    assert agency.section_leader.approval_level == ApprovalLevel.HEAD
    assert agency.coordinator.approval_level is None
    zibo = rulebooks_service.get(db, "zibo-gxj")
    need = approvals.requirement(zibo, "swap_inspector")
    assert need is not None and need.level == ApprovalLevel.HEAD
    assert need.article == "002 第十一条"
    plan_need = approvals.requirement(rulebooks_service.get(db, "xinzhou-joint"), "plan")
    assert plan_need is not None and plan_need.external and plan_need.by == "市人民政府"


def test_it_refuses_a_plan_approval_below_the_level_naming_level_and_article(
    agency: Agency, db: Session
) -> None:
    agency.adopt(
        "shanxi-daj"
    )  # the 局主要领导 approves the plan: 000 is silent, the platform's rule
    plan = agency.plan()
    agency.task(plan, agency.item("SX-1"))
    plans_service.submit(db, actor(agency.coordinator), plan)
    agency.leader.approval_level = ApprovalLevel.DEPUTY
    with pytest.raises(Forbidden) as refused:
        plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
    assert "“主要领导”及以上审批层级" in refused.value.message
    assert "审批层级为“分管领导”" in refused.value.message
    assert "平台规则（细则未规定）" in refused.value.message
    agency.leader.approval_level = None
    with pytest.raises(Forbidden, match=r"未设置审批层级.*平台规则（细则未规定）"):
        plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
    assert plan.status == PlanStatus.SUBMITTED
    assert db.scalars(select(Approval)).all() == []

    agency.leader.approval_level = ApprovalLevel.PRINCIPAL
    step = plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
    given = step.approval
    assert given is not None and given.level == ApprovalLevel.PRINCIPAL
    assert (given.approver_id, given.department_id) == (agency.leader.id, agency.org.own.id)
    assert given.article == "平台规则（细则未规定）" and given.kind == "plan"


def test_it_refuses_a_borrowing_approved_below_the_level(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = draws.prepare(db, officer, zibo_task(db))
    lender = department(db, "370303-GXJ")
    # The forms offer exactly the accounts at the level: 主要领导 for borrowing, 科室 heads too for a swap.
    offered = {
        kind: {u.full_name for u in users} for kind, users in events.approvers(db, draw).items()
    }
    assert "刘洋" in offered["borrow"] and "王科长" not in offered["borrow"]
    assert {"刘洋", "王科长"} <= offered["replace-inspector"]
    # 002 第十条第一款: borrowing needs the 局主要领导; 王科长 heads a 科室.
    with pytest.raises(Forbidden) as refused:
        draws.borrow(db, officer, draw, "执法人员", lender, "王科长", "淄工信〔2026〕3号")
    assert "“主要领导”及以上审批层级" in refused.value.message
    assert "依据 002 第十条第一款" in refused.value.message
    with pytest.raises(DomainError, match="未找到批准人“查无此人”"):
        draws.borrow(db, officer, draw, "执法人员", lender, "查无此人", "淄工信〔2026〕3号")
    assert draws.borrowings(db, draw) == []
    row = draws.borrow(db, officer, draw, "执法人员", lender, "刘洋", "淄工信〔2026〕3号")
    assert row.approval.level == ApprovalLevel.PRINCIPAL
    assert row.approval.approver_name == "刘洋" and row.approval.document_no == "淄工信〔2026〕3号"
    assert row.loan()["approved_by"] == "刘洋"


def test_it_refuses_a_swap_approved_by_someone_without_the_level(demo: Session) -> None:
    db = demo
    actor_ = who(db, "xinzhou")
    draw = computed(db, actor_, xinzhou_task(db))
    visit = events.current(db, draw)[0]
    kwargs = {"target_key": visit.key, "inspector_key": visit.members[1][1], "reason": "工作冲突"}
    # 001 第十七条第二款: the swap needs a 部门领导 (分管领导 level); a 科室 head is not enough.
    _leader(db, "kezhang", "140900-SCJ", ApprovalLevel.HEAD)
    with pytest.raises(DrawRefused) as refused:
        events.replace_inspector(db, actor_, draw, approved_by="KEZHANG", **kwargs)
    assert "“分管领导”及以上审批层级" in refused.value.message
    assert "依据 001 第十七条第二款" in refused.value.message
    assert draw.events == []
    row = events.replace_inspector(db, actor_, draw, approved_by="罗勇", **kwargs)
    assert row.approval_id is not None
    given = db.get(Approval, row.approval_id)
    assert given is not None and given.kind == "swap_inspector"
    assert given.level == ApprovalLevel.DEPUTY and given.article == "001 第十七条第二款"
