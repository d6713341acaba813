"""Check history verbs: record a completed check, and read the history of many targets at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.history.models import CheckRecord

_CHUNK = 800  # keys per IN (...) query: under SQLite's parameter limit with room to spare


def record(
    session: Session,
    actor: Actor,
    *,
    target_key: str,
    department_id: int,
    completed_on: dt.date,
    target_name: str = "",
    item_code: str = "",
    random: bool = True,
    found_problem: bool = False,
    published: bool = True,
    task_id: int | None = None,
    source: str = "inspection",
    note: str = "",
) -> CheckRecord:
    """Record one completed check (any department, published or withheld, random or not)."""
    row = CheckRecord(
        target_key=target_key,
        target_name=target_name,
        department_id=department_id,
        item_code=item_code,
        completed_on=completed_on,
        random=random,
        found_problem=found_problem,
        published=published,
        task_id=task_id,
        source=source,
        note=note,
        recorded_by=actor.name,
    )
    session.add(row)
    session.flush()
    audit_service.record(
        session,
        actor,
        "history.record",
        object_type="check_record",
        object_id=row.id,
        summary=f"记录检查：{target_name or target_key} {completed_on.isoformat()}",
    )
    return row


def for_keys(
    session: Session, keys: Iterable[str], since: dt.date | None = None
) -> dict[str, list[CheckRecord]]:
    """Completed checks of each target key (newest first), optionally only since a day."""
    out: dict[str, list[CheckRecord]] = defaultdict(list)
    key_list = list(dict.fromkeys(keys))
    for start in range(0, len(key_list), _CHUNK):
        query = select(CheckRecord).where(
            CheckRecord.target_key.in_(key_list[start : start + _CHUNK])
        )
        if since is not None:
            query = query.where(CheckRecord.completed_on >= since)
        for row in session.scalars(query):
            out[row.target_key].append(row)
    for rows in out.values():
        rows.sort(key=lambda r: (r.completed_on, r.id), reverse=True)
    return dict(out)


def of_target(session: Session, key: str) -> Sequence[CheckRecord]:
    """Every completed check of one target, newest first."""
    return session.scalars(
        select(CheckRecord)
        .where(CheckRecord.target_key == key)
        .order_by(CheckRecord.completed_on.desc(), CheckRecord.id.desc())
    ).all()
