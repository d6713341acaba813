"""The plan due dates as deadline rows: 001 31 January (filed), 003 31 May (published)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from spotcheck.accounts.models import User
from spotcheck.deadlines import service as deadlines_service
from spotcheck.deadlines.models import Deadline, DeadlineState
from spotcheck.plans import readiness
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan
from tests.conftest import Org, login
from tests.plans.conftest import Agency, actor

Freeze = Callable[[dt.date | dt.datetime], None]
DOC = "忻政函〔2027〕1号"


def _due(db: Session, plan: AnnualPlan) -> Deadline | None:
    return deadlines_service.get(db, "annual_plan", plan.id, "plan_due")


def _ready(agency: Agency, plan: AnnualPlan, code: str) -> None:
    agency.task(plan, agency.item(code))


def test_it_opens_the_001_deadline_on_31_january_of_the_plan_year(
    db: Session, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    frozen_clock(dt.date(2026, 11, 20))
    agency = Agency(db, org, make_user)
    agency.adopt("xinzhou-joint")
    plan = agency.plan(2027)
    row = _due(db, plan)
    assert row is not None
    assert (row.start, row.due, row.state) == (
        dt.date(2026, 11, 20),
        dt.date(2027, 1, 31),
        DeadlineState.OPEN,
    )
    assert row.rule == "年度计划应于 1月31日前备案" and row.article == "001 第十三条第一款"
    assert (row.profile_ref, row.satisfying_state) == ("xinzhou-joint@1", "filed")


def test_it_opens_none_where_the_profile_sets_no_plan_date(
    db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    agency = Agency(db, org, make_user)
    agency.adopt("zibo-gxj")
    plan = agency.plan(2026)
    assert deadlines_service.for_subject(db, "annual_plan", plan.id) == []


def test_it_is_met_when_the_001_plan_is_filed_by_31_january(
    db: Session, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    frozen_clock(dt.date(2027, 1, 10))
    agency = Agency(db, org, make_user)
    agency.adopt("xinzhou-joint")
    plan = agency.plan(2027)
    _ready(agency, plan, "XZ-1")
    agency.to_state(plan, "approved", document_no=DOC)
    assert _due(db, plan).state == DeadlineState.OPEN  # type: ignore[union-attr]
    plans_service.file(db, actor(agency.coordinator), plan)
    row = _due(db, plan)
    assert row is not None and row.state == DeadlineState.MET and row.met_at == plan.filed_at


def test_it_is_met_late_when_the_001_plan_is_filed_in_february(
    db: Session, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    frozen_clock(dt.date(2026, 2, 10))
    agency = Agency(db, org, make_user)
    agency.adopt("xinzhou-joint")
    plan = agency.plan(2026)
    _ready(agency, plan, "XZ-1")
    agency.to_state(plan, "filed", document_no=DOC)
    assert _due(db, plan).state == DeadlineState.MET_LATE  # type: ignore[union-attr]
    assert plans_service.due_info(db, plan, dt.date(2026, 2, 10)).kind == "met"  # type: ignore[union-attr]


def test_it_waits_for_publication_under_003(
    db: Session, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    frozen_clock(dt.date(2026, 5, 20))
    agency = Agency(db, org, make_user)
    agency.adopt("zaozhuang-gxq")
    plan = agency.plan(2026)
    _ready(agency, plan, "ZZ-1")
    agency.to_state(plan, "filed")
    row = _due(db, plan)
    assert row is not None and row.satisfying_state == "published"
    assert row.state == DeadlineState.OPEN and row.due == dt.date(2026, 5, 31)
    assert [r.id for r in deadlines_service.refresh(db, dt.date(2026, 6, 1))] == [row.id]
    assert row.state == DeadlineState.MISSED
    frozen_clock(dt.date(2026, 6, 3))
    plans_service.publish(db, actor(agency.coordinator), plan)
    assert row.state == DeadlineState.MET_LATE


def test_it_opens_a_deadline_for_an_adjusted_version(
    db: Session, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    frozen_clock(dt.date(2026, 1, 10))
    agency = Agency(db, org, make_user)
    agency.adopt("xinzhou-joint")
    plan = agency.plan(2026)
    _ready(agency, plan, "XZ-1")
    agency.to_state(plan, "filed", document_no=DOC)
    frozen_clock(dt.date(2026, 3, 2))
    new = plans_service.adjust(db, actor(agency.coordinator), plan, "新增任务")
    row = _due(db, new)
    assert row is not None and row.id != _due(db, plan).id  # type: ignore[union-attr]
    assert (row.start, row.due, row.state) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 1, 31),
        DeadlineState.OPEN,
    )


def test_it_opens_the_missing_deadlines_of_earlier_plans_with_their_state(
    db: Session, org: Org, make_user: Callable[..., User], frozen_clock: Freeze
) -> None:
    frozen_clock(dt.date(2026, 1, 20))
    agency = Agency(db, org, make_user)
    agency.adopt("xinzhou-joint")
    filed = agency.plan(2026)
    _ready(agency, filed, "XZ-1")
    agency.to_state(filed, "filed", document_no=DOC)
    draft = agency.plan(2027)
    db.execute(delete(Deadline))  # as before deadlines were rows
    db.expire_all()

    assert readiness.open_missing_plan_dues(db) == 2
    assert readiness.open_missing_plan_dues(db) == 0
    old = _due(db, filed)
    assert old is not None and old.state == DeadlineState.MET and old.met_at == filed.filed_at
    assert _due(db, draft).state == DeadlineState.OPEN  # type: ignore[union-attr]


def test_it_shows_the_due_date_and_the_overdue_mark_on_the_plan_pages(
    db: Session, org: Org, make_user: Callable[..., User], app: object, frozen_clock: Freeze
) -> None:
    frozen_clock(dt.date(2026, 6, 10))
    agency = Agency(db, org, make_user)
    agency.adopt("zaozhuang-gxq")
    plan = agency.plan(2026)
    db.commit()
    with TestClient(app) as client:  # type: ignore[arg-type]
        login(client, "coord")
        listing = client.get("/plans").text
        detail = client.get(f"/plans/{plan.id}").text
    assert (
        '已逾期</span> <span class="muted">已逾期 10 天（依据 003 第十三条：年度计划应于 5月31日前发布）'
        in listing
    )
    assert (
        "<strong>已逾期</strong> · 已逾期 10 天（依据 003 第十三条：年度计划应于 5月31日前发布）"
        in detail
    )
