"""Who may see a draw: whoever sees its task (initiator, participant or delegate, see
plans.tasks.get_or_404 and plans.delegation)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from spotcheck.draws.models import Draw
from spotcheck.errors import NotFound
from spotcheck.plans import tasks as tasks_service


def visible_draw_or_404(session: Session, draw_id: int, scope: Sequence[int] | None) -> Draw:
    """A draw whose task the user sees (initiator, participant or delegate); else NotFound."""
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise NotFound("未找到该抽取，或您无权查看")
    try:
        tasks_service.get_or_404(session, draw.task_id, scope)
    except NotFound:
        raise NotFound("未找到该抽取，或您无权查看") from None
    return draw
