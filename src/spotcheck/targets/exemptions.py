"""The 免检免扰 list (002 第九条): entries with validity dates, added and revoked with audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck import clock, scoping
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError, Refused
from spotcheck.targets.models import Exemption
from spotcheck.workflow import service as workflow_service


def add(
    session: Session,
    actor: Actor,
    department: Department,
    *,
    target_key: str,
    target_name: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    basis: str,
) -> Exemption:
    """Put a target on the department's exemption list for a period."""
    if valid_until is not None and valid_until < valid_from:
        raise DomainError("免检截止日期不能早于起始日期", field="valid_until")
    if not target_key.strip():
        raise DomainError("请填写检查对象的统一社会信用代码（或名录编码）", field="target_key")
    if not basis.strip():
        raise DomainError("请填写列入免检免扰名单的依据（文件名称或文号）", field="basis")
    row = Exemption(
        department_id=department.id,
        target_key=target_key.strip().upper(),
        target_name=target_name.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        basis=basis.strip(),
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    audit_service.record(
        session,
        actor,
        "exemption.add",
        object_type="exemption",
        object_id=row.id,
        summary=f"列入免检免扰名单：{row.target_name or row.target_key}",
        after={"key": row.target_key, "from": valid_from, "until": valid_until, "basis": row.basis},
    )
    return row


def revoke(session: Session, actor: Actor, exemption: Exemption) -> None:
    """End an exemption now (the row stays, marked revoked).

    The row is locked and re-read first: of concurrent revocations one ends it, the others are
    refused (409, audited)."""
    workflow_service.lock(session, exemption)
    if exemption.revoked_at is not None:
        when = exemption.revoked_at.astimezone(clock.BEIJING)
        message = f"该免检记录已于 {when:%Y-%m-%d %H:%M} 由{exemption.revoked_by}撤销"
        audit_service.record(
            session,
            actor,
            "exemption.refused",
            object_type="exemption",
            object_id=exemption.id,
            summary=f"拒绝撤销免检免扰：{message}",
        )
        raise Refused(message)
    exemption.revoked_at = utcnow()
    exemption.revoked_by = actor.name
    session.flush()
    audit_service.record(
        session,
        actor,
        "exemption.revoke",
        object_type="exemption",
        object_id=exemption.id,
        summary=f"撤销免检免扰：{exemption.target_name or exemption.target_key}",
    )


def get_or_404(session: Session, exemption_id: int, scope: Sequence[int]) -> Exemption:
    """An entry if its department is in scope."""
    return scoping.get_or_404(session, Exemption, exemption_id, scope, "免检记录")


def get_all(session: Session, scope: Sequence[int]) -> Sequence[Exemption]:
    """Every entry of the departments in scope, newest first."""
    return session.scalars(
        select(Exemption).where(Exemption.department_id.in_(scope)).order_by(Exemption.id.desc())
    ).all()


def active(session: Session, department_ids: Sequence[int], on: dt.date) -> dict[str, Exemption]:
    """Exemptions in force on the day for the departments, by target key."""
    rows = session.scalars(
        select(Exemption).where(
            Exemption.department_id.in_(department_ids), Exemption.revoked_at.is_(None)
        )
    )
    return {row.target_key: row for row in rows if row.valid_on(on)}


def entries_for(session: Session, department_ids: Sequence[int], key: str) -> list[Exemption]:
    """Every entry of one target on the departments' lists (in force, expired, revoked), newest
    first: what a replacement for "列入免检免扰名单" is checked against (draws/events.py)."""
    return list(
        session.scalars(
            select(Exemption)
            .where(
                Exemption.department_id.in_(department_ids),
                Exemption.target_key == key.strip().upper(),
            )
            .order_by(Exemption.id.desc())
        )
    )


def status_of(row: Exemption, day: dt.date) -> str:
    """有效, 未生效, 已过期 or 已撤销 on that day."""
    if row.revoked_at is not None:
        return "已撤销"
    if day < row.valid_from:
        return "未生效"
    if row.valid_until is not None and day > row.valid_until:
        return "已过期"
    return "有效"
