"""An inspector's visits (我的任务): every drawn target whose current group holds them.

Read from the drawn-target rows, which compute writes and every event after the draw updates:
an inspector replaced out of a group no longer has that visit, one assigned in has it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from spotcheck.departments.models import Department
from spotcheck.draws import visits
from spotcheck.draws.models import DRAW_LABELS, Draw, DrawnTarget, DrawStatus
from spotcheck.plans.models import Task

PER_PAGE = 20
SHOWN = (DrawStatus.COMPUTED, DrawStatus.PUBLISHED)


@dataclass
class Assignment:
    """One visit of the inspector: the draw and task, the target, their place in the group."""

    draw_id: int
    draw_code: str
    draw_status: str
    task_name: str
    department: str
    window_start: dt.date
    window_end: dt.date
    order: int
    target_name: str
    target_key: str
    slot: str
    leader: bool
    others: list[visits.Member]
    replaces: str = ""

    @property
    def role(self) -> str:
        """组长 or 组员 (the group's first member leads it, spec SSJ-DRAW-1)."""
        return "组长" if self.leader else "组员"


@dataclass
class Assignments:
    """One page of an inspector's visits."""

    rows: list[Assignment]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return max(1, -(-self.total // self.per_page))


def _base(inspector_key: str) -> Select[Any]:
    return (
        select(DrawnTarget)
        .join(Draw, Draw.task_id == DrawnTarget.task_id)
        .where(
            Draw.status.in_(SHOWN),
            DrawnTarget.seq.is_not(None),
            visits.member_clause(inspector_key),
        )
    )


def for_inspector(
    session: Session, inspector_key: str, page: int = 1, per_page: int = PER_PAGE
) -> Assignments:
    """The inspector's visits in computed and published draws, the newest draw first."""
    total = session.scalar(select(func.count()).select_from(_base(inspector_key).subquery())) or 0
    last = max(1, -(-total // per_page))
    page = min(max(1, page), last)
    statement = (
        select(
            DrawnTarget.seq,
            DrawnTarget.target_key,
            DrawnTarget.target_name,
            DrawnTarget.members,
            DrawnTarget.replaces,
            Draw.id,
            Draw.code,
            Draw.status,
            Task.name,
            Task.window_start,
            Task.window_end,
            Department.name,
        )
        .join(Draw, Draw.task_id == DrawnTarget.task_id)
        .join(Task, Task.id == DrawnTarget.task_id)
        .join(Department, Department.id == Draw.department_id)
        .where(
            Draw.status.in_(SHOWN),
            DrawnTarget.seq.is_not(None),
            visits.member_clause(inspector_key),
        )
        .order_by(Draw.computed_at.desc(), Draw.id.desc(), DrawnTarget.seq)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows: list[Assignment] = []
    for (
        seq,
        key,
        name,
        packed,
        replaces,
        draw_id,
        code,
        status,
        task,
        start,
        end,
        dep,
    ) in session.execute(statement):
        group = visits.unpack(packed)
        mine = next((i for i, m in enumerate(group) if visits.is_member(m, inspector_key)), None)
        if mine is None:
            continue  # the key matched another field of the text, not a member's key
        members = [
            visits.Member(m[0], m[1], m[2], m[3], leader=i == 0) for i, m in enumerate(group)
        ]
        rows.append(
            Assignment(
                draw_id=draw_id,
                draw_code=code,
                draw_status=DRAW_LABELS[status],
                task_name=task,
                department=dep,
                window_start=start,
                window_end=end,
                order=seq or 0,
                target_name=name or key,
                target_key=key,
                slot=group[mine][0],
                leader=mine == 0,
                others=[m for i, m in enumerate(members) if i != mine],
                replaces=replaces,
            )
        )
    return Assignments(rows, total, page, per_page)


def is_drawn(session: Session, draw: Draw, inspector_key: str) -> bool:
    """Whether the inspector is in a current group of the computed or published draw."""
    if draw.status not in SHOWN or not inspector_key:
        return False
    for (packed,) in session.execute(
        select(DrawnTarget.members).where(
            DrawnTarget.task_id == draw.task_id,
            DrawnTarget.seq.is_not(None),
            visits.member_clause(inspector_key),
        )
    ):
        if any(visits.is_member(m, inspector_key) for m in visits.unpack(packed)):
            return True
    return False
