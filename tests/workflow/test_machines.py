"""The one workflow mechanism: each ported machine refuses an illegal move in Chinese (state and
article) leaving no step row and no audit event of the move, and a legal move writes exactly one
of each; the subject's state is re-read under the lock, so a stale copy cannot move twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from spotcheck.audit.models import AuditEvent
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import ReleaseStatus
from spotcheck.draws import publish
from spotcheck.draws import service as draws
from spotcheck.draws.service import DRAW, DrawRefused
from spotcheck.errors import IllegalTransition
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan, PlanStatus
from spotcheck.plans.workflow import PLAN
from spotcheck.workflow.models import WorkflowStep
from tests.draws_ceremony.conftest import BEFORE_DRAND, reveal_and_compute, who
from tests.draws_events.conftest import zibo_task
from tests.plans.conftest import Agency, actor


def _counts(db: Session, subject_type: str, subject_id: int) -> tuple[int, list[str]]:
    db.flush()
    steps = db.scalar(
        select(func.count(WorkflowStep.id)).where(
            WorkflowStep.subject_type == subject_type, WorkflowStep.subject_id == subject_id
        )
    )
    actions = list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == subject_type, AuditEvent.object_id == str(subject_id))
            .order_by(AuditEvent.seq)
        )
    )
    return int(steps or 0), actions


def test_it_declares_each_machine_as_a_table_of_moves() -> None:
    assert PLAN.allowed() == {
        "draft": {"submitted"},
        "submitted": {"approved", "returned"},
        "returned": {"submitted"},
        "approved": {"filed"},
        "filed": {"published", "superseded"},
        "published": {"superseded"},
        "superseded": set(),
    }
    assert catalog_service.RELEASE.allowed() == {
        "draft": {"submitted"},
        "submitted": {"published", "rejected"},
        "published": set(),
        "rejected": set(),
    }
    assert DRAW.allowed() == {
        "prepared": {"committed"},
        "committed": {"computed", "abandoned"},
        "computed": {"published"},
        "published": set(),
        "abandoned": set(),
    }
    assert PLAN.move_to("submitted", "approved") is not None
    assert PLAN.move_to("draft", "approved") is None


def test_it_refuses_an_illegal_plan_move_with_only_its_refusal_and_records_a_legal_one(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    agency.task(plan, agency.item("ZB-1"))
    before = _counts(db, "annual_plan", plan.id)
    with pytest.raises(IllegalTransition) as refused:
        plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
    assert "年度计划当前为“草稿”，不能执行“批准”" in refused.value.message
    assert "平台规则（细则未规定）" in refused.value.message
    with pytest.raises(
        IllegalTransition, match=r"当前为“草稿”，不能执行“备案”.*平台规则（细则未规定）"
    ):
        plans_service.file(db, actor(agency.coordinator), plan, "备-1")
    # No step, only the two attempts on the audit chain (every machine audits its refusals).
    refusals = [*before[1], "plan.refused", "plan.refused"]
    assert _counts(db, "annual_plan", plan.id) == (before[0], refusals)
    assert plan.status == PlanStatus.DRAFT

    plans_service.submit(db, actor(agency.coordinator), plan, "请审定")
    steps, actions = _counts(db, "annual_plan", plan.id)
    assert steps == before[0] + 1 and actions == [*refusals, "plan.submit"]
    last = plans_service.steps(plan)[-1]
    assert (last.from_status, last.to_status, last.article) == (
        "draft",
        "submitted",
        "平台规则（细则未规定）",
    )


def test_it_refuses_an_illegal_release_move_and_records_the_decision_once(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    agency.item("ZB-1", published=False)
    release = catalog_service.submit(db, actor(agency.coordinator), agency.org.child)
    assert release.status == ReleaseStatus.SUBMITTED
    before = _counts(db, "catalog_release", release.id)
    assert before == (2, ["catalog.submit"])  # created, then submitted
    catalog_service.decide(
        db, actor(agency.leader), agency.leader, release, approve=True, opinion="同意"
    )
    after = _counts(db, "catalog_release", release.id)
    assert after == (3, ["catalog.submit", "catalog.approve"])
    step = catalog_service.steps(db, release)[-1]
    assert step.approval is not None and step.approval.article == "002 第五条第一款"
    with pytest.raises(IllegalTransition) as refused:
        catalog_service.decide(
            db, actor(agency.leader), agency.leader, release, approve=False, opinion="退回"
        )
    assert "清单版本当前为“已发布”，不能执行“退回”" in refused.value.message
    assert "依据 002 第五条第一款" in refused.value.message
    assert _counts(db, "catalog_release", release.id) == (after[0], [*after[1], "catalog.refused"])


def test_it_refuses_an_illegal_draw_move_with_only_its_refusal_and_records_a_legal_one(
    demo: Session,
) -> None:
    db, officer = demo, who(demo, "officer")
    draw = draws.prepare(db, officer, zibo_task(db))
    draws.commit(db, officer, draw, now=BEFORE_DRAND)
    before = _counts(db, "draw", draw.id)
    with pytest.raises(DrawRefused, match="当前为“已承诺（待随机数）”"):
        publish.publish(db, officer, draw)
    steps, actions = _counts(db, "draw", draw.id)
    assert steps == before[0] and actions == [*before[1], "draw.refused"]
    reveal_and_compute(db, officer, draw, [("王监督", "综合法规科"), ("李监督", "企业代表")])
    steps, actions = _counts(db, "draw", draw.id)
    publish.publish(db, officer, draw)
    after_steps, after_actions = _counts(db, "draw", draw.id)
    assert after_steps == steps + 1 and after_actions == [*actions, "draw.publish"]
    last = db.scalars(
        select(WorkflowStep).where(WorkflowStep.subject_type == "draw").order_by(WorkflowStep.id)
    ).all()[-1]
    assert (last.from_status, last.to_status, last.action) == ("computed", "published", "publish")
    assert last.rule.startswith("平台规则（细则未规定）")


def test_it_rereads_the_state_under_the_lock_so_a_stale_copy_cannot_move_again(
    agency: Agency, db: Session, factory: sessionmaker[Session]
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    agency.task(plan, agency.item("ZB-1"))
    plans_service.submit(db, actor(agency.coordinator), plan)
    db.commit()
    with factory() as other:
        stale = other.get(AnnualPlan, plan.id)
        assert stale is not None and stale.status == PlanStatus.SUBMITTED
        plans_service.approve(db, actor(agency.leader), agency.leader, plan, "同意")
        db.commit()
        leader = other.merge(agency.leader)
        # The copy still says "submitted"; the move re-reads the row and refuses.
        with pytest.raises(IllegalTransition, match="当前为“已批准”"):
            plans_service.approve(other, actor(leader), leader, stale, "再次同意")
        other.rollback()
    approvals = [s for s in plans_service.steps(plan) if s.action == "approve"]
    assert len(approvals) == 1
