"""User accounts, their roles and server-side login sessions."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spotcheck.db import Base, UTCDateTime, str_enum, utcnow
from spotcheck.departments.models import Department


class Role(enum.StrEnum):
    """What a user may do; a user may hold several roles."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    OFFICER = "officer"
    INSPECTOR = "inspector"
    LEADER = "leader"
    WITNESS = "witness"


ROLE_LABELS = {
    Role.ADMIN: "系统管理员",
    Role.COORDINATOR: "综合协调",
    Role.OFFICER: "业务科室/任务发起",
    Role.INSPECTOR: "执法检查人员",
    Role.LEADER: "领导审批",
    Role.WITNESS: "监督人",
}


class ApprovalLevel(enum.StrEnum):
    """The level at which a person approves (DESIGN.md: approvers are (department, level))."""

    PRINCIPAL = "principal"
    DEPUTY = "deputy"
    HEAD = "head"
    EXTERNAL = "external"


APPROVAL_LEVEL_LABELS = {
    ApprovalLevel.PRINCIPAL: "主要领导",
    ApprovalLevel.DEPUTY: "分管领导",
    ApprovalLevel.HEAD: "部门（科室）负责人",
    ApprovalLevel.EXTERNAL: "外部机关",
}
# A higher level may approve what a lower one may (主要领导 ⊇ 分管领导 ⊇ 科室负责人): platform rule.
APPROVAL_RANK = {ApprovalLevel.PRINCIPAL: 3, ApprovalLevel.DEPUTY: 2, ApprovalLevel.HEAD: 1}

_ROLE_ENUM = str_enum(Role, 20)


class User(Base):
    """A person who logs in; belongs to one department."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(60))
    # Optional 联系电话; a password may not contain it.
    phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # The level at which this person approves, if any (主要领导, 分管领导, 部门（科室）负责人).
    approval_level: Mapped[ApprovalLevel | None] = mapped_column(str_enum(ApprovalLevel))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> set[Role]:
        """The user's roles as a set."""
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        """Whether the user holds any of the given roles."""
        return bool(self.roles.intersection(roles))

    @property
    def approval_level_label(self) -> str:
        """The approval level in Chinese, or empty."""
        return APPROVAL_LEVEL_LABELS[self.approval_level] if self.approval_level else ""

    @property
    def role_labels(self) -> list[str]:
        """The roles in Chinese, in a stable order."""
        return [ROLE_LABELS[r] for r in Role if r in self.roles]


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_ROLE_ENUM)


class LoginSession(Base):
    """A server-side session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for data docking (数据对接); only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed logins under a name that has no active account, counted and locked exactly as an
    account's are (accounts.login), so that neither the lock message nor its timing tells which
    usernames exist. A name's count starts afresh once its lock has run out."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
