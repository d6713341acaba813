"""Computed draws through the real ceremony (demo data, dice and a vector drand round)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor
from spotcheck.draws import events
from spotcheck.draws import service as draws
from spotcheck.draws.events import Current
from spotcheck.draws.models import Draw
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import Task
from tests import drawtexts
from tests.draws_ceremony.conftest import (
    BEFORE_DRAND,
    approved_task,
    demo,
    department,
    reveal_and_compute,
)

__all__ = ["SLOT", "computed", "demo", "exchangeable", "xinzhou_task", "zibo_task"]


def zibo_task(db: Session) -> Task:
    """The demo plan's first task of 淄博市工信局 (002)."""
    plan = plans_service.current(db, department(db, "370300-GXJ"), 2026)
    assert plan is not None
    return plan.tasks[0]


def xinzhou_task(db: Session) -> Task:
    """An approved task of 忻州市市场监管局 (001)."""
    return approved_task(db, "140900-SCJ", "xinzhou", "xinzhou_leader")


def computed(db: Session, actor: Actor, task: Task) -> Draw:
    """The task's draw taken through prepare, commit and compute."""
    draw = draws.prepare(db, actor, task)
    draws.commit(db, actor, draw, now=BEFORE_DRAND)
    # Two witnesses of kinds the draw's rulebook (or the platform's list) names.
    kinds = draws.profile_of(db, draw).witnesses.choices
    reveal_and_compute(db, actor, draw, [("王监督", kinds[0]), ("李监督", kinds[-1])])
    return draw


SLOT = "执法人员"


def exchangeable(db: Session, draw: Draw) -> tuple[Current, str, Current, str]:
    """Two drawn targets A, B and inspectors i of A, j of B in the same slot that may exchange:
    neither already in the other group, no conflict in the manifest."""
    conflicts = {tuple(pair) for pair in drawtexts.manifest(db, draw)["conflicts"]}
    now = events.current(db, draw)
    for a in now:
        for b in now:
            if a.commitment == b.commitment:
                continue
            keys_a, keys_b = {k for _, k in a.members}, {k for _, k in b.members}
            for slot_i, i in a.members:
                for slot_j, j in b.members:
                    if (
                        slot_i == slot_j == SLOT
                        and i not in keys_b
                        and j not in keys_a
                        and (j, a.commitment) not in conflicts
                        and (i, b.commitment) not in conflicts
                    ):
                        return a, i, b, j
    raise AssertionError("the demo draw has no two groups that can exchange")
