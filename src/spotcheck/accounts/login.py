"""Authentication with lockout, without telling anyone which usernames exist.

Every failed attempt before the lock gets the same words, whether the account exists or not, and
every attempt costs one argon2 verification (a dummy hash stands in for a missing account, and a
locked account's password is checked too), so neither the page nor its timing tells them apart.
The number of failures is shown to the account's owner after a successful login instead
(`failures_before_login`), and on the lock message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import User
from spotcheck.accounts.passwords import hash_password, needs_rehash, verify_password
from spotcheck.accounts.service import get_by_username
from spotcheck.audit import service as audit_service
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import Actor
from spotcheck.config import Settings
from spotcheck.db import utcnow

GENERIC = "用户名或密码错误"
# An argon2 hash with today's parameters: verifying against it costs what a real account costs.
_DUMMY_HASH = hash_password("dummy-password-for-timing-Aa1!")
FAILED_ACTIONS = ("login.failed", "login.locked")


@dataclass(frozen=True)
class LoginOutcome:
    """Result of a login attempt: the user, or a Chinese reason."""

    user: User | None
    error: str = ""


def authenticate(
    session: Session, settings: Settings, username: str, password: str, ip: str = ""
) -> LoginOutcome:
    """Check a password with lockout after repeated failures; every attempt is audited."""
    now = utcnow()
    user = get_by_username(session, username)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        audit_service.record(
            session,
            Actor(None, username[:60], None, ip),
            "login.failed",
            object_type="user",
            summary="登录失败：用户不存在或已停用",
        )
        return LoginOutcome(None, GENERIC)
    actor = Actor(user.id, user.full_name, user.department_id, ip)
    matches = verify_password(user.password_hash, password)
    if user.locked_until is not None and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        audit_service.record(
            session,
            actor,
            "login.locked",
            object_type="user",
            object_id=user.id,
            summary="账号锁定期间尝试登录",
        )
        return LoginOutcome(None, f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")
    if not matches:
        user.failed_attempts += 1
        if user.failed_attempts >= settings.lockout_attempts:
            user.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
            user.failed_attempts = 0
            message = (
                f"连续 {settings.lockout_attempts} 次登录失败，"
                f"账号锁定 {settings.lockout_minutes} 分钟"
            )
            summary = f"登录失败：密码错误（{message}）"
        else:
            message = GENERIC
            summary = f"登录失败：密码错误（连续第 {user.failed_attempts} 次）"
        audit_service.record(
            session, actor, "login.failed", object_type="user", object_id=user.id, summary=summary
        )
        return LoginOutcome(None, message)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit_service.record(
        session, actor, "login.success", object_type="user", object_id=user.id, summary="登录成功"
    )
    return LoginOutcome(user)


@dataclass(frozen=True)
class Failures:
    """Failed attempts on an account between its previous login and the current one."""

    count: int
    last_at: dt.datetime | None


def failures_before_login(session: Session, user: User) -> Failures:
    """The failed attempts (wrong password or while locked) since the login before this one."""
    logins = session.scalars(
        select(AuditEvent.seq)
        .where(AuditEvent.actor_id == user.id, AuditEvent.action == "login.success")
        .order_by(AuditEvent.seq.desc())
        .limit(2)
    ).all()
    if not logins:
        return Failures(0, None)
    previous = logins[1] if len(logins) > 1 else 0
    count, last_at = session.execute(
        select(func.count(AuditEvent.id), func.max(AuditEvent.at)).where(
            AuditEvent.actor_id == user.id,
            AuditEvent.action.in_(FAILED_ACTIONS),
            AuditEvent.seq > previous,
            AuditEvent.seq < logins[0],
        )
    ).one()
    return Failures(int(count), last_at)
