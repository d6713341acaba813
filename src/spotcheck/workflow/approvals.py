"""Typed approvals: what level a rule needs, who may give it, and the approval row it leaves.

An approval is (department, level, person, document number, article). The rulebook names the
level each approval kind needs (`level` in the profile; "plan" is the plan's own approval). A
person approves at the level they carry (`User.approval_level`) for their department and the
departments below it; a higher level may approve what a lower one may (platform rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spotcheck.accounts.access import LEADERS
from spotcheck.accounts.models import (
    APPROVAL_LEVEL_LABELS,
    APPROVAL_RANK,
    ApprovalLevel,
    User,
)
from spotcheck.audit.service import Actor
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError, Forbidden
from spotcheck.rulebooks.schema import Profile, cite
from spotcheck.workflow.models import Approval

# Who may approve at all: a leader, or an administrator who carries an approval level.
APPROVER_ROLES = LEADERS


@dataclass(frozen=True)
class Requirement:
    """What an approval kind needs under a profile: the level, who (as the rulebook says), article."""

    kind: str
    level: ApprovalLevel
    by: str
    article: str
    note: str = ""

    @property
    def external(self) -> bool:
        """An approval by a body outside the platform (recorded with its document number)."""
        return self.level == ApprovalLevel.EXTERNAL

    @property
    def level_label(self) -> str:
        """The level in Chinese; an external body by its name."""
        return self.by if self.external else APPROVAL_LEVEL_LABELS[self.level]


def requirement(profile: Profile, kind: str) -> Requirement | None:
    """The approval the profile requires for `kind` ("plan" or a key of [approvals]), if any."""
    if kind == "plan":
        step = profile.plan.approval
        level = ApprovalLevel(step.level) if step.level else _default(step.external)
        return Requirement("plan", level, step.by, step.article, step.note or "")
    rule = profile.approvals.get(kind)
    if rule is None:
        return None
    level = ApprovalLevel(rule.level) if rule.level else ApprovalLevel.DEPUTY
    return Requirement(kind, level, rule.by, rule.article, rule.note or "")


def _default(external: bool) -> ApprovalLevel:
    return ApprovalLevel.EXTERNAL if external else ApprovalLevel.DEPUTY


def refusal(user: User, need: Requirement, department: Department) -> str | None:
    """Why `user` cannot give the approval for `department` (None: they can)."""
    if not user.active or not user.has_role(*APPROVER_ROLES):
        return "没有领导审批角色"
    # An external body's approval is recorded by a leader of the department (with its 文号).
    if not need.external:
        if user.approval_level is None or user.approval_level == ApprovalLevel.EXTERNAL:
            return "未设置审批层级"
        if APPROVAL_RANK[user.approval_level] < APPROVAL_RANK[need.level]:
            return f"审批层级为“{user.approval_level_label}”"
    mine = user.department.path
    above = department.path.startswith(mine)
    # A 科室负责人 approves for their own 科室's work inside the agency it belongs to.
    below = need.level == ApprovalLevel.HEAD and mine.startswith(department.path)
    if not (above or below):
        return f"不是{department.name}或其上级部门的审批人"
    return None


def eligible(
    session: Session, needs: Mapping[str, Requirement], department: Department
) -> dict[str, list[User]]:
    """For each named requirement, the accounts that can give it for the department (the forms'
    choices); the accounts carrying a level are read once."""
    users = sorted(
        session.scalars(
            select(User).where(User.active.is_(True), User.approval_level.is_not(None))
        ),
        key=lambda u: (u.department.path, u.full_name),
    )
    return {
        name: [] if need.external else [u for u in users if refusal(u, need, department) is None]
        for name, need in needs.items()
    }


def message(need: Requirement, verb: str, why: str = "") -> str:
    """The Chinese refusal naming the level and the article."""
    reason = f"（{why}）" if why else ""
    if need.external:
        return (
            f"{verb}须由本部门或上级部门的领导审批角色登记{need.by}的批准{reason}"
            f"（{cite(need.article)}：由{need.by}审定）"
        )
    return (
        f"{verb}须由本部门或上级部门“{need.level_label}”及以上审批层级的领导审批角色批准{reason}"
        f"（{cite(need.article)}：由{need.by}批准）"
    )


def check(user: User, need: Requirement, department: Department, verb: str) -> None:
    """Refuse (Forbidden) a user who cannot give this approval, naming level and article."""
    why = refusal(user, need, department)
    if why:
        raise Forbidden(message(need, verb, why))


def find_approver(session: Session, name: str, department: Department) -> User | None:
    """The account named by username or full name ("局长 刘洋" → 刘洋) near the department."""
    text = name.strip()
    if not text:
        return None
    candidates = [text, text.split()[-1]]
    users = list(
        session.scalars(
            select(User).where(
                User.active.is_(True),
                or_(
                    User.username.in_([c.lower() for c in candidates]),
                    User.full_name.in_(candidates),
                ),
            )
        )
    )
    related = [
        u
        for u in users
        if department.path.startswith(u.department.path)
        or u.department.path.startswith(department.path)
    ]
    found = related or users
    return found[0] if found else None


def record(
    session: Session,
    actor: Actor,
    need: Requirement,
    *,
    subject_type: str,
    subject_id: int,
    department: Department,
    approver: User | None,
    approver_name: str = "",
    document_no: str = "",
) -> Approval:
    """Store an approval already checked; an external one needs its document number."""
    if need.external and not document_no.strip():
        raise DomainError(
            f"须由{need.by}批准（{cite(need.article)}），请填写批准文号", field="document_no"
        )
    row = Approval(
        kind=need.kind,
        subject_type=subject_type,
        subject_id=subject_id,
        department_id=department.id if not need.external else None,
        level=need.level,
        approver_id=approver.id if approver is not None else None,
        approver_name=(approver_name or (approver.full_name if approver else ""))[:60],
        external_body=need.by[:60] if need.external else "",
        document_no=document_no.strip()[:100],
        article=need.article[:60],
        recorded_by=actor.name[:60],
    )
    session.add(row)
    session.flush()
    return row


def approve_by_name(
    session: Session,
    actor: Actor,
    need: Requirement,
    *,
    name: str,
    subject_type: str,
    subject_id: int,
    department: Department,
    verb: str,
    document_no: str = "",
) -> Approval:
    """An approval named on a form (the approver's account): checked at its level, then stored."""
    approver = find_approver(session, name, department)
    if approver is None:
        raise DomainError(
            message(need, verb, f"未找到批准人“{name.strip()}”的账号")
            + "；请填写批准人的姓名或用户名",
            field="approved_by",
        )
    check(approver, need, department, verb)
    return record(
        session,
        actor,
        need,
        subject_type=subject_type,
        subject_id=subject_id,
        department=department,
        approver=approver,
        approver_name=name.strip(),
        document_no=document_no,
    )
