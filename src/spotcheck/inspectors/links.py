"""Registry entries linked to login accounts: one account per entry, one entry per account.

An inspector whose entry is linked logs in with that account and sees the visits the entry is
drawn for (我的任务). Only accounts of the entry's own department holding the 执法检查人员 role
may be linked (platform rule: the rulebooks say nothing about accounts). The link is set on the
inspector form and by the inspector import's 登录账号 column; each change is a new version of
the entry in its history and an audit event.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role, User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.errors import DomainError
from spotcheck.inspectors.models import Inspector
from spotcheck.inspectors.service import new_version

FIELD = "登录账号"
ROLE = Role.INSPECTOR


def of_user(session: Session, user_id: int) -> Inspector | None:
    """The registry entry linked to the account, or None."""
    return session.scalar(select(Inspector).where(Inspector.user_id == user_id))


def linkable(session: Session, scope: Sequence[int], inspector: Inspector | None) -> list[User]:
    """Active 执法检查人员 accounts of the scope's departments not linked to another entry
    (the form offers these; `check` still requires the entry's own department)."""
    taken = select(Inspector.user_id).where(Inspector.user_id.is_not(None))
    if inspector is not None:
        taken = taken.where(Inspector.id != inspector.id)
    users = session.scalars(
        select(User)
        .where(User.department_id.in_(scope), User.active.is_(True), User.id.not_in(taken))
        .order_by(User.username)
    ).all()
    return [u for u in users if u.has_role(ROLE)]


def check(session: Session, inspector_id: int | None, department_id: int, user: User) -> None:
    """Refuse an account that may not be linked to the entry (a Chinese message naming the field)."""
    check_account(user, department_id)
    other = of_user(session, user.id)
    if other is not None and other.id != inspector_id:
        raise DomainError(
            f"{FIELD}“{user.username}”已关联人员“{other.name}”（{other.key}）；"
            "一个账号只能关联一名人员",
            field="account",
        )


def check_account(user: User, department_id: int) -> None:
    """Refuse an account of another department, without the inspector role, or disabled."""
    if user.department_id != department_id:
        raise DomainError(
            f"{FIELD}“{user.username}”属于{user.department.name}，与人员所在部门不同；"
            "只能关联本部门的账号（平台规则（细则未规定））",
            field="account",
        )
    if not user.has_role(ROLE):
        raise DomainError(
            f"{FIELD}“{user.username}”没有“执法检查人员”角色；请系统管理员先为该账号添加此角色",
            field="account",
        )
    if not user.active:
        raise DomainError(f"{FIELD}“{user.username}”已停用", field="account")


def link(
    session: Session, actor: Actor, inspector: Inspector, user: User | None, source: str
) -> bool:
    """Link the entry to the account (None: unlink); False when nothing changes."""
    if (user.id if user else None) == inspector.user_id:
        return False
    if user is not None:
        check(session, inspector.id, inspector.department_id, user)
    before = inspector.user.username if inspector.user is not None else None
    after = user.username if user is not None else None
    try:
        # The unique link decides between two requests linking one account at once: the
        # loser is refused with a message, never a server error.
        with session.begin_nested():
            inspector.user_id = user.id if user is not None else None
            session.flush()
        session.expire(inspector, ["user"])
    except IntegrityError:
        raise DomainError(
            f"{FIELD}“{after}”刚被关联到其他人员，请刷新后重试", field="account"
        ) from None
    new_version(session, inspector, actor, source, {FIELD: [before, after]})
    session.flush()
    audit_service.record(
        session,
        actor,
        "inspector.link" if user is not None else "inspector.unlink",
        object_type="inspector",
        object_id=inspector.id,
        summary=(
            f"人员 {inspector.name}（{inspector.key}）关联登录账号 {after}"
            if user is not None
            else f"人员 {inspector.name}（{inspector.key}）取消关联登录账号 {before}"
        ),
        before={"username": before},
        after={"username": after},
    )
    return True
