"""Two concurrent approvals of one plan: the second waits for the first's transaction, re-reads
the state under the lock and is refused in Chinese (never a database error, never two moves)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from spotcheck.accounts.models import User
from spotcheck.errors import IllegalTransition
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan, PlanStatus
from tests.plans.conftest import Agency, actor

Verb = Callable[[Session, User, AnnualPlan, str], object]


def _approve(s: Session, user: User, plan: AnnualPlan, opinion: str) -> object:
    return plans_service.approve(s, actor(user), user, plan, opinion)


def _submit(s: Session, user: User, plan: AnnualPlan, opinion: str) -> object:
    return plans_service.submit(s, actor(user), plan, opinion)


@pytest.mark.parametrize(
    ("verb", "action", "before", "refusal"),
    [
        (_approve, "approve", PlanStatus.SUBMITTED, "年度计划当前为“已批准”，不能执行“批准”"),
        (_submit, "submit", PlanStatus.DRAFT, "年度计划当前为“待审批”，不能执行“提交审批”"),
    ],
)
def test_it_lets_one_of_two_concurrent_moves_through_and_refuses_the_other(
    agency: Agency,
    db: Session,
    factory: sessionmaker[Session],
    verb: Verb,
    action: str,
    before: PlanStatus,
    refusal: str,
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    agency.task(plan, agency.item("ZB-1"))
    if before == PlanStatus.SUBMITTED:
        plans_service.submit(db, actor(agency.coordinator), plan)
    db.commit()
    who = agency.leader if action == "approve" else agency.coordinator
    first_moved = threading.Event()
    second_started = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with factory() as s:
            user = s.get(User, who.id)
            mine = s.get(AnnualPlan, plan.id)
            assert user is not None and mine is not None
            verb(s, user, mine, "第一位")
            first_moved.set()
            second_started.wait(10)
            # Hold the transaction a moment while the second request runs into the lock.
            threading.Event().wait(0.5)
            s.commit()

    def second() -> None:
        first_moved.wait(10)
        with factory() as s:
            user = s.get(User, who.id)
            mine = s.get(AnnualPlan, plan.id)
            assert user is not None and mine is not None
            assert mine.status == before  # read before the first commits
            second_started.set()
            try:
                verb(s, user, mine, "第二位")
                s.commit()
                outcome["second"] = "moved"
            except IllegalTransition as exc:
                s.rollback()
                outcome["second"] = exc.message
            except Exception as exc:
                s.rollback()
                outcome["second"] = repr(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    message = str(outcome.get("second"))
    assert refusal in message, message
    db.expire_all()
    moves = [s for s in plans_service.steps(plan) if s.action == action]
    assert [s.opinion for s in moves] == ["第一位"]
