"""Object-level access: an object outside the user's departments looks exactly like a missing one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from spotcheck.errors import NotFound


class Owned(Protocol):
    """Anything that belongs to one department."""

    department_id: int


T = TypeVar("T", bound=Owned)


def get_or_404(
    session: Session, model: type[T], object_id: int, scope: Sequence[int] | None, what: str
) -> T:
    """The object if its department is in scope (None = everything), else NotFound naming `what`."""
    found = session.get(model, object_id)
    if found is None or (scope is not None and found.department_id not in scope):
        raise NotFound(f"未找到该{what}，或您无权查看")
    return found
