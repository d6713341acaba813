"""Delegation to a lower-level agency (001 第十四条) and cross-region tasks led by a superior."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.departments import service as departments_service
from spotcheck.draws import access, ceremony
from spotcheck.draws.models import DrawStatus
from spotcheck.errors import DomainError, NotFound
from spotcheck.plans import delegation
from spotcheck.plans import tasks as tasks_service
from spotcheck.sampling import verify_record
from spotcheck.targets.models import Target
from tests.draws_ceremony.conftest import department, who
from tests.draws_events.conftest import computed, zibo_task


def _scope(db: Session, code: str) -> list[int]:
    return departments_service.acting_scope(db, department(db, code))


def test_it_delegates_a_task_to_a_county_which_then_runs_the_draw(demo: Session) -> None:
    db = demo
    task = zibo_task(db)
    county = department(db, "370303-GXJ")
    with pytest.raises(NotFound):
        tasks_service.get_or_404(db, task.id, _scope(db, "370303-GXJ"))
    with pytest.raises(DomainError, match="内设科室"):
        delegation.delegate(
            db, who(db, "coordinator"), task, department(db, "370300-GXJ-JNZY"), "x"
        )
    with pytest.raises(DomainError, match="下级部门"):
        delegation.delegate(db, who(db, "coordinator"), task, department(db, "140900-SCJ"), "x")
    with pytest.raises(DomainError, match="委派事由"):
        delegation.delegate(db, who(db, "coordinator"), task, county, " ")
    delegation.delegate(db, who(db, "coordinator"), task, county, "属地检查由张店区工信局实施")
    assert task.delegated_department_id == county.id
    seen = tasks_service.get_or_404(db, task.id, _scope(db, "370303-GXJ"))
    assert task in tasks_service.get_all(db, _scope(db, "370303-GXJ"))
    draw = computed(db, who(db, "zhangdian"), seen)
    assert draw.status == DrawStatus.COMPUTED and draw.created_by == "周涛"
    assert verify_record(ceremony.record(db, draw)).fully_verified
    assert access.draw_or_404(db, draw.id, _scope(db, "370303-GXJ")) is draw
    assert access.draw_or_404(db, draw.id, _scope(db, "370300-GXJ")) is draw
    with pytest.raises(DomainError, match="已准备抽取"):
        delegation.delegate(db, who(db, "coordinator"), task, county, "再次委派")


def test_it_keeps_outsiders_out_of_a_delegated_task_and_its_draw(demo: Session) -> None:
    db = demo
    task = zibo_task(db)
    delegation.delegate(db, who(db, "coordinator"), task, department(db, "370303-GXJ"), "属地")
    draw = computed(db, who(db, "zhangdian"), task)
    outsider = _scope(db, "140900-SCJ")
    with pytest.raises(NotFound):
        tasks_service.get_or_404(db, task.id, outsider)
    with pytest.raises(NotFound):
        access.draw_or_404(db, draw.id, outsider)
    assert task not in tasks_service.get_all(db, outsider)


def test_it_draws_a_superior_task_across_its_subordinates_registries(demo: Session) -> None:
    db = demo
    city, county = department(db, "370300-GXJ"), department(db, "370303-GXJ")
    draw = computed(db, who(db, "officer"), zibo_task(db))
    auditor = ceremony.record(db, draw, auditor=True)
    keys = {o["key"] for o in auditor["openings"].values()}
    owners = set(db.scalars(select(Target.department_id).where(Target.key.in_(keys))))
    assert county.id in owners and city.id in owners


def test_it_lists_a_delegated_draw_for_the_delegate_and_not_for_outsiders(
    demo: Session, client
) -> None:  # type: ignore[no-untyped-def]
    from spotcheck.demo.data import DEMO_PASSWORD
    from tests.conftest import login

    db = demo
    task = zibo_task(db)
    delegation.delegate(db, who(db, "coordinator"), task, department(db, "370303-GXJ"), "属地")
    draw = computed(db, who(db, "zhangdian"), task)
    db.commit()
    login(client, "zhangdian", DEMO_PASSWORD)
    assert draw.code in client.get("/draws").text
    login(client, "xinzhou", DEMO_PASSWORD)
    assert draw.code not in client.get("/draws").text
