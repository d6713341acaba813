"""Concurrent writers append to the audit chain one at a time (issue 11): no two events share a
sequence number, the chain never forks, and a session that appended before does not reuse the
head it read in an earlier transaction."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from spotcheck.audit import service as audit_service
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM

N = 8


def test_n_writers_starting_together_each_get_their_own_place_in_the_chain(
    engine: object, factory: sessionmaker[Session], db: Session
) -> None:
    # After a wipe the chain is empty (no head row yet): the first appends also race to create it.
    before = db.scalar(select(func.count()).select_from(AuditEvent)) or 0
    db.rollback()
    gun = threading.Barrier(N)
    failures: list[str] = []

    def append(n: int) -> None:
        with factory() as s:
            try:
                gun.wait(10)
                audit_service.record(s, SYSTEM, "test.append", summary=f"写入者 {n}")
                s.commit()
            except Exception as exc:  # any database error is the failure this test looks for
                s.rollback()
                failures.append(repr(exc))

    threads = [threading.Thread(target=append, args=(n,)) for n in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    seqs = db.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, before + N + 1))
    assert audit_service.verify_chain(db).ok


def test_a_session_appending_again_reads_the_head_anew(
    engine: object, factory: sessionmaker[Session], db: Session
) -> None:
    with factory() as first, factory() as second:
        audit_service.record(first, SYSTEM, "test.append", summary="第一次")
        first.commit()
        audit_service.record(second, SYSTEM, "test.append", summary="另一个会话")
        second.commit()
        # `first` still holds the head object of its earlier transaction (expire_on_commit=False).
        audit_service.record(first, SYSTEM, "test.append", summary="第二次")
        first.commit()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 3
    assert audit_service.verify_chain(db).ok
