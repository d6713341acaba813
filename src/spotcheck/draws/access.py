"""Who runs a draw ceremony, who audits it, and which draws a user may see.

A draw is visible to whoever sees its task (initiator, participant or delegate, 001 第十四条):
`draw_or_404` asks `draws.delegation.visible_draw_or_404`, where the task membership rule lives.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from spotcheck.accounts.access import LEADERS, OFFICERS, WITNESSES, Roles
from spotcheck.accounts.models import User
from spotcheck.draws import delegation
from spotcheck.draws.models import Draw
from spotcheck.draws.service import task_of
from spotcheck.plans import tasks as tasks_service

RUN: Roles = OFFICERS  # prepare, commit, entropy, compute, events, channels, publication
AUDIT: Roles = LEADERS  # the auditor's record with every opening
WITNESS: Roles = WITNESSES


def draw_or_404(session: Session, draw_id: int, scope: Sequence[int]) -> Draw:
    """A draw whose task the user may see (initiator, participant, delegate), else NotFound."""
    return delegation.visible_draw_or_404(session, draw_id, scope)


def can_run(session: Session, user: User, scope: Sequence[int], draw: Draw) -> bool:
    """Whether the user runs this ceremony (a task officer of the initiating side)."""
    if not user.has_role(*RUN):
        return False
    return not tasks_service.is_participant(task_of(session, draw), scope, session)


def is_auditor(user: User, scope: Sequence[int], draw: Draw) -> bool:
    """An auditor (leader or administrator) of the draw's own department or one above it."""
    return user.has_role(*AUDIT) and draw.department_id in scope
