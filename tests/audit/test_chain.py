"""The audit log is a hash chain: any direct edit of a row is found and named."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.audit import service as audit_service
from spotcheck.audit.models import AuditEvent, AuditHead
from spotcheck.audit.service import SYSTEM, Actor
from spotcheck.config import Settings


def _five_events(db: Session) -> list[AuditEvent]:
    events = [
        audit_service.record(
            db,
            SYSTEM,
            "test.action",
            object_type="thing",
            object_id=i,
            summary=f"第 {i} 件事",
            before={"n": i},
            after={"n": i + 1, "名称": "甲"},
        )
        for i in range(5)
    ]
    db.commit()
    return events


def test_it_chains_each_event_to_the_previous_one(db: Session) -> None:
    events = _five_events(db)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == audit_service.GENESIS_HASH
    for earlier, later in itertools.pairwise(events):
        assert later.prev_hash == earlier.hash
    report = audit_service.verify_chain(db)
    assert report.ok and report.checked == 5


def test_it_names_the_event_whose_row_was_edited_with_sql(db: Session) -> None:
    events = _five_events(db)
    db.execute(text("UPDATE audit_event SET summary = '改过了' WHERE seq = 3"))
    db.commit()
    report = audit_service.verify_chain(db)
    assert not report.ok
    assert report.bad_seq == 3 and report.bad_id == events[2].id
    assert report.checked == 2


def test_it_finds_a_deleted_event_and_a_cut_tail(db: Session) -> None:
    _five_events(db)
    db.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    db.commit()
    report = audit_service.verify_chain(db)
    assert not report.ok and report.bad_seq == 2 and "缺少" in report.reason
    db.execute(delete(AuditEvent).where(AuditEvent.seq >= 2))
    db.commit()
    report = audit_service.verify_chain(db)
    assert not report.ok and "链尾" in report.reason


def test_it_finds_a_recomputed_hash_that_breaks_the_link(db: Session) -> None:
    events = _five_events(db)
    # A forger who edits a row and recomputes its own hash still breaks the next event's link.
    target = db.get(AuditEvent, events[1].id)
    assert target is not None
    target.summary = "伪造"
    target.hash = audit_service.compute_hash(target.prev_hash, target)
    db.commit()
    report = audit_service.verify_chain(db)
    assert not report.ok and report.bad_seq == 3 and "前一事件" in report.reason


def test_it_keeps_the_actor_department_and_ip(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    event = audit_service.record(
        db, Actor(None, "某人", org.own.id, "10.0.0.8"), "x.y", summary="s"
    )
    db.commit()
    stored = db.execute(select(AuditEvent).where(AuditEvent.id == event.id)).scalar_one()
    assert (stored.actor_name, stored.department_id, stored.ip) == ("某人", org.own.id, "10.0.0.8")
    assert audit_service.verify_chain(db).ok


def test_it_is_reported_by_the_cli_naming_exactly_the_tampered_event(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spotcheck.cli import app
    from spotcheck.config import get_settings

    events = _five_events(db)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "5 条" in ok.output
    db.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(actor_name="别人"))
    db.commit()
    bad = runner.invoke(app, ["audit", "verify"])
    get_settings.cache_clear()
    assert bad.exit_code == 1
    assert f"第 4 号事件（id={events[3].id}）" in bad.output
    assert "第 3 号" not in bad.output and "第 5 号" not in bad.output


def test_it_serialises_writers_through_the_head_row(db: Session) -> None:
    _five_events(db)
    head = db.get(AuditHead, 1)
    assert head is not None and head.last_seq == 5
