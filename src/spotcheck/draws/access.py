"""Who runs a draw ceremony, who audits it, and which draws a user may see.

A draw is visible to whoever sees its task (initiator, participant or delegate, 001 第十四条):
`draw_or_404` asks the task's visibility (`plans.tasks.get_or_404`, delegation in `plans.delegation`).
Its page alone is also readable by the inspectors drawn for it (`readable_or_404`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from spotcheck.accounts.access import LEADERS, OFFICERS, WITNESSES, Roles
from spotcheck.accounts.models import User
from spotcheck.draws import assignments
from spotcheck.draws.models import Draw
from spotcheck.draws.service import task_of
from spotcheck.errors import NotFound
from spotcheck.inspectors import links as inspector_links
from spotcheck.plans import tasks as tasks_service

RUN: Roles = OFFICERS  # prepare, commit, entropy, compute, events, channels, publication
AUDIT: Roles = LEADERS  # the auditor's record with every opening
WITNESS: Roles = WITNESSES


def draw_or_404(session: Session, draw_id: int, scope: Sequence[int] | None) -> Draw:
    """A draw whose task the user sees (initiator, participant or delegate); else NotFound."""
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise NotFound("未找到该抽取，或您无权查看")
    try:
        tasks_service.get_or_404(session, draw.task_id, scope)
    except NotFound:
        raise NotFound("未找到该抽取，或您无权查看") from None
    return draw


def readable_or_404(
    session: Session, draw_id: int, scope: Sequence[int] | None, user: User
) -> tuple[Draw, bool]:
    """A draw the user may read, and whether only as one of its drawn inspectors: a person
    whose linked registry entry is in a current group reads that draw's page (我的任务 links
    to it), even when the task belongs to another department; nothing else of it."""
    try:
        return draw_or_404(session, draw_id, scope), False
    except NotFound:
        draw = session.get(Draw, draw_id)
        entry = inspector_links.of_user(session, user.id)
        if draw is None or entry is None or not assignments.is_drawn(session, draw, entry.key):
            raise
        return draw, True


def can_run(session: Session, user: User, scope: Sequence[int], draw: Draw) -> bool:
    """Whether the user runs this ceremony (a task officer of the initiating side)."""
    if not user.has_role(*RUN):
        return False
    return not tasks_service.is_participant(task_of(session, draw), scope, session)


def is_auditor(user: User, scope: Sequence[int], draw: Draw) -> bool:
    """An auditor (leader or administrator) of the draw's own department or one above it."""
    return user.has_role(*AUDIT) and draw.department_id in scope
