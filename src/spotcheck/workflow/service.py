"""The one way a workflow subject changes state: `move` (plus `start` for its first step).

`guard` locks the subject row (SELECT … FOR UPDATE on PostgreSQL; on SQLite a no-op UPDATE takes
the database's write lock first), re-reads its state and checks the machine's table and the
roles; a verb calls it before it writes anything. `move` guards, checks the approval, sets the
state and its time stamp, and writes one `WorkflowStep` and one audit event in the caller's
transaction. A refused move writes only its "<prefix>.refused" audit event and raises the
machine's refusal error (`Refused`, HTTP 409): every surface commits that event, then shows the
Chinese message naming the state and the article.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from spotcheck.accounts.models import User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import lock_row, utcnow
from spotcheck.deadlines import service as deadlines_service
from spotcheck.errors import DomainError, Forbidden, IllegalTransition
from spotcheck.workflow.machine import Basis, Machine, Move, value_of
from spotcheck.workflow.models import Approval, WorkflowStep


class Row(Protocol):
    """A mapped row with an integer id (what `lock` needs)."""

    id: int


class Subject(Row, Protocol):
    """A workflow subject: a mapped row with an integer id and a status."""

    status: Any


def steps(session: Session, subject_type: str, subject_id: int) -> list[WorkflowStep]:
    """The steps of a subject in order."""
    return list(
        session.scalars(
            select(WorkflowStep)
            .where(WorkflowStep.subject_type == subject_type, WorkflowStep.subject_id == subject_id)
            .order_by(WorkflowStep.id)
        )
    )


def lock(session: Session, subject: Row) -> None:
    """Lock the subject's row for this transaction and re-read its state (`db.lock_row`)."""
    if lock_row(session, type(subject), subject.id) is None:
        raise NoResultFound(f"{type(subject).__name__} {subject.id} no longer exists")


def _record_step(
    session: Session,
    machine: Machine,
    subject: Subject,
    actor: Actor,
    action: str,
    from_status: str,
    to_status: str,
    basis: Basis | None,
    *,
    opinion: str = "",
    document_no: str = "",
    on_behalf_of: str = "",
    approval: Approval | None = None,
) -> WorkflowStep:
    row = WorkflowStep(
        subject_type=machine.subject_type,
        subject_id=subject.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.user_id,
        actor_name=actor.name[:60],
        opinion=opinion.strip()[:500],
        document_no=document_no.strip()[:100],
        on_behalf_of=on_behalf_of[:60],
        approval_id=approval.id if approval is not None else None,
        article=(basis.article if basis else "")[:60],
        rule=str(basis)[:200] if basis else "",
        at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def start(
    session: Session,
    machine: Machine,
    subject: Subject,
    actor: Actor,
    action: str,
    basis: Basis | None = None,
    *,
    opinion: str = "",
) -> WorkflowStep:
    """The first step of a new subject (from nothing into its initial state); no audit here."""
    session.flush()
    return _record_step(
        session, machine, subject, actor, action, "", _state(subject), basis, opinion=opinion
    )


def note(
    session: Session,
    machine: Machine,
    subject: Subject,
    actor: Actor,
    action: str,
    basis: Basis | None = None,
    *,
    opinion: str = "",
) -> WorkflowStep:
    """A step that leaves the state as it is (e.g. an adjustment started on a filed plan)."""
    here = _state(subject)
    return _record_step(
        session, machine, subject, actor, action, here, here, basis, opinion=opinion
    )


def _state(subject: Subject) -> str:
    return value_of(subject.status)


def refused(machine: Machine, subject: Subject, target: str, basis: Basis | None) -> str:
    """The Chinese message for a move the table does not allow from the subject's state."""
    here = _state(subject)
    try:
        verb = machine.by_target(target).verb
    except KeyError:
        verb = machine.label(target)
    allowed = "、".join(m.verb for m in machine.moves_from(here)) or "无（该对象已不再变化）"
    why = f"（{basis}）" if basis else ""
    return (
        f"{machine.noun}当前为“{machine.label(here)}”，不能执行“{verb}”（当前可以：{allowed}）{why}"
    )


def check(
    machine: Machine,
    subject: Subject,
    to: str,
    basis: Basis | None = None,
    user: User | None = None,
) -> Move:
    """The allowed move into `to`, or IllegalTransition / Forbidden in Chinese."""
    found = machine.move_to(_state(subject), to)
    if found is None:
        raise machine.refusal_error(refused(machine, subject, to, basis))
    if found.roles and user is not None and not user.has_role(*found.roles):
        raise Forbidden(
            f"您的角色不能对{machine.noun}执行“{found.verb}”" + (f"（{basis}）" if basis else "")
        )
    return found


def guard(
    session: Session,
    machine: Machine,
    subject: Subject,
    to: str,
    actor: Actor,
    basis: Basis | None = None,
    user: User | None = None,
) -> Move:
    """Lock the subject, re-read its state and check the move into `to`: what a verb does first.

    A move the table does not allow is audited under the machine's refusal action and raised as
    its refusal error (Refused), before the verb has written anything else; of N concurrent
    requests, the first takes the lock and moves, the others wait, re-read and are refused."""
    lock(session, subject)
    try:
        return check(machine, subject, to, basis, user)
    except IllegalTransition as error:
        _audit_refusal(session, machine, subject, actor, to, error.message)
        raise


def refuse(
    session: Session, machine: Machine, subject: Subject, actor: Actor, attempt: str, text: str
) -> IllegalTransition:
    """Audit a refusal the table cannot see (e.g. a second adjustment) and return its error.

    Call it after `lock` and before writing anything, like `guard`."""
    _audit_refusal(session, machine, subject, actor, attempt, text)
    return machine.refusal_error(text)


def move(
    session: Session,
    machine: Machine,
    subject: Subject,
    to: str,
    actor: Actor,
    *,
    summary: str,
    rule: Basis | None = None,
    user: User | None = None,
    opinion: str = "",
    document_no: str = "",
    on_behalf_of: str = "",
    approval: Approval | None = None,
    after: dict[str, Any] | None = None,
) -> WorkflowStep:
    """Take one move: lock, check, set the state and its stamp, write the step and its audit event."""
    found = guard(session, machine, subject, to, actor, rule, user)
    if found.approval and approval is None:
        raise DomainError(
            f"{machine.noun}“{found.verb}”须有批准记录" + (f"（{rule}）" if rule else "")
        )
    before = _state(subject)
    subject.status = type(subject.status)(found.target) if _is_enum(subject) else found.target
    at = utcnow()
    stamp = machine.stamps.get(found.target)
    if stamp:
        setattr(subject, stamp, at)
    # Deadlines hang off (subject type, id): reaching their satisfying state stops their clock.
    deadlines_service.on_state(session, machine.subject_type, subject.id, found.target, at)
    step = _record_step(
        session,
        machine,
        subject,
        actor,
        found.action,
        before,
        found.target,
        rule,
        opinion=opinion,
        document_no=document_no,
        on_behalf_of=on_behalf_of,
        approval=approval,
    )
    audit_service.record(
        session,
        actor,
        f"{machine.audit_prefix}.{found.action}",
        object_type=machine.subject_type,
        object_id=subject.id,
        summary=summary[:400],
        before={"status": before},
        after={
            "status": found.target,
            "opinion": step.opinion,
            "document_no": step.document_no,
            **({"approval_id": approval.id} if approval is not None else {}),
            **(after or {}),
        },
    )
    return step


def _is_enum(subject: Subject) -> bool:
    return hasattr(subject.status, "value")


def _audit_refusal(
    session: Session, machine: Machine, subject: Subject, actor: Actor, to: str, text: str
) -> None:
    audit_service.record(
        session,
        actor,
        machine.refusal_action,
        object_type=machine.subject_type,
        object_id=subject.id,
        summary=text[:400],
        after={"attempt": to, "status": _state(subject)},
    )
    session.flush()
