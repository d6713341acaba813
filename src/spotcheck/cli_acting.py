"""What every command of the `spotcheck` CLI shares: who it acts as, and how it prints.

Kept light (no web framework, no eligibility engine) so that a command that needs little,
such as adding a witness to a draw, starts in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from spotcheck.accounts.models import ROLE_LABELS, Role, User
from spotcheck.audit.service import Actor
from spotcheck.errors import DomainError, Forbidden

console = Console()
err = Console(stderr=True)


@dataclass(frozen=True)
class Acting:
    """Who the command acts as: the user, the departments they see (None = all), the actor."""

    user: User | None
    scope: list[int] | None
    actor: Actor


def acting(session: Session, username: str | None, roles: tuple[Role, ...] = ()) -> Acting:
    """The named account with its scope; refused like the web refuses it."""
    from spotcheck.accounts import service as accounts_service
    from spotcheck.departments import service as departments_service

    if username is None:
        return Acting(None, None, Actor(None, "命令行"))
    user = accounts_service.get_by_username(session, username)
    if user is None or not user.active:
        raise DomainError(f"用户“{username}”不存在或已停用")
    if roles and not user.has_role(*roles):
        names = "、".join(ROLE_LABELS[r] for r in roles)
        raise Forbidden(f"此功能仅限{names}使用（用户 {username} 没有这些角色）")
    scope = departments_service.acting_scope(session, user.department)
    actor = Actor(user.id, user.full_name, user.department_id, "命令行")
    return Acting(user, scope, actor)


def plain(lines: list[str] | str) -> None:
    """Print one fact a line whatever the terminal width, and no rich markup in user data."""
    text = lines if isinstance(lines, str) else "\n".join(lines)
    console.print(text, soft_wrap=True, markup=False, highlight=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the message in red on stderr; the caller raises the returned Exit."""
    err.print(message, style="red", soft_wrap=True, markup=False, highlight=False)
    return typer.Exit(code)
