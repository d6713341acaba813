"""What the public portal shows: every route is public; a draw only once it is published."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.errors import NotFound


def published_draw_or_404(session: Session, code: str) -> Draw:
    """A published draw by its code, else NotFound (unpublished draws are not public)."""
    draw = session.scalar(
        select(Draw).where(Draw.code == code, Draw.status == DrawStatus.PUBLISHED)
    )
    if draw is None:
        raise NotFound("未找到该抽取结果，或尚未公开")
    return draw
