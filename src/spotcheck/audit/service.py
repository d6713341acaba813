"""Write audit events into the hash chain and verify the chain end to end."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from spotcheck.audit.models import AuditEvent, AuditHead
from spotcheck.db import lock_row, utcnow

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user from a request, or the system/CLI."""

    user_id: int | None
    name: str
    department_id: int | None = None
    ip: str = ""


SYSTEM = Actor(user_id=None, name="系统")


def jsonable(value: Any) -> Any:
    """Turn dates, enums and sets into JSON values so that the hash is stable."""
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        # Floats would make the canonical form platform-dependent; keep them as text.
        return repr(value)
    return value


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "at": jsonable(event.at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "department_id": event.department_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 over the previous hash's bytes followed by the event's canonical JSON."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + _canonical(event)).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction (never commits)."""
    head = _locked_head(session)
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.name[:60],
        department_id=actor.department_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:400],
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        ip=actor.ip[:45],
        prev_hash=head.last_hash,
    )
    event.hash = compute_hash(head.last_hash, event)
    head.last_seq = event.seq
    head.last_hash = event.hash
    session.add(event)
    session.flush()
    return event


def _locked_head(session: Session) -> AuditHead:
    """The chain's head row, locked for this transaction and read as the database holds it.

    Concurrent writers append one at a time (`db.lock_row`: FOR UPDATE on PostgreSQL, the write
    lock first on SQLite; re-read, never a copy cached by an earlier transaction of this
    session), so no two events get the same seq and the chain never forks. The row is created once, race-free (INSERT … ON CONFLICT DO NOTHING)."""
    head = lock_row(session, AuditHead, 1)
    if head is None:
        dialect = session.get_bind().dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        session.execute(
            insert(AuditHead)
            .values(id=1, last_seq=0, last_hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = lock_row(session, AuditHead, 1)
        assert head is not None
    return head


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order; report the first event that does not match."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    # populate_existing: read what the database holds now, not objects cached in this session.
    rows = session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(populate_existing=True)
    ).scalars()
    for event in rows.yield_per(2000):
        if event.seq != expected_seq:
            return ChainReport(
                False, checked, expected_seq, None, f"缺少序号为 {expected_seq} 的事件（被删除？）"
            )
        if event.prev_hash != expected_prev:
            return ChainReport(False, checked, event.seq, event.id, "前一事件哈希不符（链被改动）")
        if compute_hash(event.prev_hash, event) != event.hash:
            return ChainReport(
                False, checked, event.seq, event.id, "事件内容与其哈希不符（被改动）"
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return ChainReport(
            False, checked, head.last_seq, None, "链尾与记录的链头不符（末尾事件被删除？）"
        )
    return ChainReport(True, checked)


def list_events(
    session: Session,
    *,
    department_ids: Sequence[int] | None,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEvent], int]:
    """Filtered, newest-first page of events and the total count; None = all departments."""
    query = select(AuditEvent)
    if department_ids is not None:
        query = query.where(AuditEvent.department_id.in_(department_ids))
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor_name.contains(actor))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if date_from:
        start = dt.datetime.combine(date_from, dt.time(), dt.UTC)
        query = query.where(AuditEvent.at >= start)
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(AuditEvent.at < end)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(AuditEvent.seq.desc()).offset((page - 1) * per_page).limit(per_page)
    ).scalars()
    return list(rows), total


def distinct_actions(session: Session) -> list[str]:
    """Every action name seen so far, for the filter drop-down."""
    return list(
        session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars()
    )
