"""Authentication with lockout, without telling anyone which usernames exist.

Every failed attempt before the lock gets the same words, whether the account exists or not, and
every attempt costs one argon2 verification (a dummy hash stands in for a missing account, and a
locked account's password is checked too), so neither the page nor its timing tells them apart.
The number of failures is shown to the account's owner after a successful login instead
(`failures_before_login`), and on the lock message. A name without an active account is
counted and locked in the same way (`LoginThrottle`), so the lock message arrives at the same
attempt and says the same thing whether the account exists or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import LoginThrottle, User
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
        counter: User | LoginThrottle = _throttle(session, username[:60], now)
        actor = Actor(None, username[:60], None, ip)
        key: int | str = ""
        why = "用户不存在或已停用"
    else:
        counter, key, why = user, user.id, "密码错误"
        actor = Actor(user.id, user.full_name, user.department_id, ip)
        if verify_password(user.password_hash, password) and not _locked(user, now):
            return LoginOutcome(_succeed(session, user, actor, password, now))
    if _locked(counter, now):
        assert counter.locked_until is not None
        minutes = int((counter.locked_until - now).total_seconds() // 60) + 1
        audit_service.record(
            session,
            actor,
            "login.locked",
            object_type="user",
            object_id=key,
            summary=f"账号锁定期间尝试登录（{why}）",
        )
        return LoginOutcome(None, f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")
    counter.failed_attempts += 1
    if counter.failed_attempts >= settings.lockout_attempts:
        counter.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
        counter.failed_attempts = 0
        message = (
            f"连续 {settings.lockout_attempts} 次登录失败，账号锁定 {settings.lockout_minutes} 分钟"
        )
        summary = f"登录失败：{why}（{message}）"
    else:
        message = GENERIC
        summary = f"登录失败：{why}（连续第 {counter.failed_attempts} 次）"
    session.flush()
    audit_service.record(
        session, actor, "login.failed", object_type="user", object_id=key, summary=summary
    )
    return LoginOutcome(None, message)


def _locked(counter: User | LoginThrottle, now: dt.datetime) -> bool:
    return counter.locked_until is not None and counter.locked_until > now


def _throttle(session: Session, name: str, now: dt.datetime) -> LoginThrottle:
    """The counter of a name without an account (a spent lock starts it afresh)."""
    found = session.get(LoginThrottle, name)
    if found is None:
        found = LoginThrottle(username=name, failed_attempts=0)
        session.add(found)
    elif found.locked_until is not None and found.locked_until <= now:
        found.failed_attempts, found.locked_until = 0, None
    return found


def _succeed(session: Session, user: User, actor: Actor, password: str, now: dt.datetime) -> User:
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit_service.record(
        session, actor, "login.success", object_type="user", object_id=user.id, summary="登录成功"
    )
    return user


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
