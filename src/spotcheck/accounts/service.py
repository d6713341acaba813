"""Account verbs: users and roles, authentication with lockout, login sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck import scoping
from spotcheck.accounts.models import (
    ROLE_LABELS,
    ApiToken,
    ApprovalLevel,
    LoginSession,
    Role,
    User,
    UserRole,
)
from spotcheck.accounts.passwords import (
    hash_password,
    password_problems,
    verify_password,
)
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.config import Settings
from spotcheck.db import utcnow
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.errors import DomainError, NotFound
from spotcheck.tabular.codes import check_phone

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,39}$")


def get(session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def get_by_username(session: Session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.execute(select(User).where(User.username == username.strip().lower())).scalar()


def get_in_scope_or_404(session: Session, user_id: int, scope: Sequence[int] | None) -> User:
    """The user if their department is inside the scope (None = everything), else NotFound."""
    return scoping.get_or_404(session, User, user_id, scope, "用户")


def get_all(session: Session, scope: Sequence[int] | None = None) -> list[User]:
    """Users ordered by department and username, limited to the scope when given."""
    query = select(User).join(User.department).order_by(Department.path, User.username)
    if scope is not None:
        query = query.where(User.department_id.in_(scope))
    return list(session.execute(query).unique().scalars())


def count(session: Session, scope: Sequence[int] | None = None) -> int:
    """How many active users the scope has."""
    query = select(func.count(User.id)).where(User.active.is_(True))
    if scope is not None:
        query = query.where(User.department_id.in_(scope))
    return session.execute(query).scalar_one()


def _snapshot(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "department_id": user.department_id,
        "roles": sorted(r.value for r in user.roles),
        "active": user.active,
        "approval_level": user.approval_level.value if user.approval_level else None,
        "phone": user.phone,
    }


def _phone(value: str) -> str:
    phone = value.strip()
    if not phone:
        return ""
    problem = check_phone(phone)
    if problem:
        raise DomainError(f"联系电话“{phone[:30]}”有误：{problem}", field="phone")
    return phone


def default_level(roles: set[Role], department: Department) -> ApprovalLevel | None:
    """The level a leader carries unless set: a 科室's leader heads it, an agency's is 主要领导."""
    if Role.LEADER not in roles:
        return None
    if department.level == DepartmentLevel.SECTION:
        return ApprovalLevel.HEAD
    return ApprovalLevel.PRINCIPAL


def _level(value: ApprovalLevel | str | None) -> ApprovalLevel | None:
    if value in (None, ""):
        return None
    try:
        return ApprovalLevel(value)
    except ValueError:
        raise DomainError(f"审批层级“{value}”不存在", field="approval_level") from None


def _set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = set(roles)
    user.role_rows[:] = [row for row in user.role_rows if row.role in wanted]
    have = user.roles
    for role in sorted(wanted - have):
        user.role_rows.append(UserRole(role=role))


def create(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    department: Department,
    roles: Iterable[Role],
    password: str,
    must_change_password: bool = False,
    approval_level: ApprovalLevel | str | None = "default",
    phone: str = "",
) -> User:
    """Create a user; the password must satisfy the password rules.

    The approval level "default" gives a leader the usual one (`default_level`); "" is none."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise DomainError(
            "用户名须以小写字母开头，3–40 位小写字母、数字、点、下划线或连字符", field="username"
        )
    if get_by_username(session, username) is not None:
        raise DomainError(f"用户名“{username}”已被使用", field="username")
    if not full_name.strip():
        raise DomainError("姓名不能为空", field="full_name")
    role_set = set(roles)
    if not role_set:
        raise DomainError("至少选择一个角色", field="roles")
    phone = _phone(phone)
    problems = password_problems(password, username, full_name.strip(), phone)
    if problems:
        raise DomainError("；".join(problems), field="password")
    user = User(
        username=username,
        full_name=full_name.strip(),
        phone=phone,
        department_id=department.id,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        approval_level=(
            default_level(role_set, department)
            if approval_level == "default"
            else _level(approval_level)
        ),
    )
    _set_roles(user, role_set)
    session.add(user)
    session.flush()
    audit_service.record(
        session,
        actor,
        "user.create",
        object_type="user",
        object_id=user.id,
        summary=f"新建用户 {username}（{full_name}），角色：{'、'.join(ROLE_LABELS[r] for r in Role if r in role_set)}",
        after=_snapshot(user),
    )
    return user


def update(
    session: Session,
    actor: Actor,
    user: User,
    *,
    full_name: str,
    department: Department,
    roles: Iterable[Role],
    active: bool,
    approval_level: ApprovalLevel | str | None = "keep",
    phone: str | None = None,
) -> User:
    """Change a user's name, department, roles, active flag, approval level or phone (None keeps it)."""
    if not full_name.strip():
        raise DomainError("姓名不能为空", field="full_name")
    role_set = set(roles)
    if not role_set:
        raise DomainError("至少选择一个角色", field="roles")
    if (
        actor.user_id == user.id
        and (not active or Role.ADMIN not in role_set)
        and Role.ADMIN in user.roles
    ):
        raise DomainError("不能停用自己的账号或取消自己的系统管理员角色", field="roles")
    before = _snapshot(user)
    user.full_name = full_name.strip()
    user.department_id = department.id
    user.active = active
    if phone is not None:
        user.phone = _phone(phone)
    if approval_level != "keep":
        user.approval_level = _level(approval_level)
    _set_roles(user, role_set)
    session.flush()
    after = _snapshot(user)
    if before != after:
        audit_service.record(
            session,
            actor,
            "user.update",
            object_type="user",
            object_id=user.id,
            summary=f"修改用户 {user.username}",
            before=before,
            after=after,
        )
    if not active:
        end_all_sessions(session, user)
    return user


def set_password(
    session: Session, actor: Actor, user: User, password: str, *, must_change: bool = False
) -> None:
    """Set a new password (by the user or an administrator) and unlock the account."""
    problems = password_problems(password, user.username, user.full_name, user.phone)
    if problems:
        raise DomainError("；".join(problems), field="password")
    if verify_password(user.password_hash, password):
        raise DomainError("新密码不能与当前密码相同", field="password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()
    by_self = actor.user_id == user.id
    audit_service.record(
        session,
        actor,
        "user.password" if by_self else "user.password_reset",
        object_type="user",
        object_id=user.id,
        summary=f"{'修改' if by_self else '重置'}用户 {user.username} 的密码",
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, ip: str = "", user_agent: str = "") -> str:
    """Open a server-side session and return the random token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_token_hash(token), user_id=user.id, ip=ip, user_agent=user_agent[:200]
        )
    )
    session.flush()
    return token


def resolve_session(session: Session, settings: Settings, token: str) -> LoginSession | None:
    """The live session for a cookie token, touching its last-seen time; None when expired."""
    row = session.execute(
        select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
    ).scalar()
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    now = utcnow()
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    absolute = dt.timedelta(hours=settings.session_absolute_hours)
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.ended_at = now
        return None
    # Touch at most once a minute so that every page view does not write.
    if now - row.last_seen_at > dt.timedelta(minutes=1):
        row.last_seen_at = now
    return row


def end_session(session: Session, token: str) -> None:
    """Log out: the session can never be used again."""
    row = session.execute(
        select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
    ).scalar()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        user = row.user
        audit_service.record(
            session,
            Actor(user.id, user.full_name, user.department_id, row.ip),
            "logout",
            object_type="user",
            object_id=user.id,
            summary="退出登录",
        )


def end_all_sessions(session: Session, user: User) -> None:
    """End every open session of the user (deactivation, password reset)."""
    for row in session.execute(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    ).scalars():
        row.ended_at = utcnow()


API_TOKEN_PREFIX = "sct_"  # noqa: S105 - a public prefix, not a secret


def create_api_token(session: Session, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for the user; the plain token is returned once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError("请为令牌填写用途名称", field="name")
    plain = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name[:60], token_hash=_token_hash(plain), prefix=plain[:10]
    )
    session.add(token)
    session.flush()
    audit_service.record(
        session,
        actor,
        "api_token.create",
        object_type="api_token",
        object_id=token.id,
        summary=f"为 {user.username} 创建 API 令牌“{name[:40]}”（{token.prefix}…）",
    )
    return token, plain


def api_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        ).scalars()
    )


def revoke_api_token(session: Session, actor: Actor, user: User, token_id: int) -> None:
    """Revoke one of the user's tokens for good."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("未找到该令牌")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit_service.record(
            session,
            actor,
            "api_token.revoke",
            object_type="api_token",
            object_id=token.id,
            summary=f"吊销 API 令牌“{token.name}”（{token.prefix}…）",
        )


def resolve_api_token(session: Session, plain: str) -> User | None:
    """The active user behind a live token, or None."""
    if not plain.startswith(API_TOKEN_PREFIX):
        return None
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(plain))
    ).scalar()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now
    return token.user
