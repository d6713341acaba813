"""The draw's large texts live outside its row (draws.documents): stored once, put together
byte for byte as the engine makes them, checked by hash, and not read by steps that need
none of them."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, documents, entropy_input
from spotcheck.draws.models import DrawDocument, DrawStatus
from spotcheck.sampling import canonical_json, verify_record
from tests.conftest import Org
from tests.draws_record.conftest import Made, make_draw
from tests.eligibility.conftest import World


def test_it_puts_both_records_together_exactly_as_the_engine_makes_them(
    db: Session, made: Made
) -> None:
    public = ceremony.record_text(db, made.draw)
    auditor = ceremony.record_text(db, made.draw, auditor=True)
    assert public == canonical_json(made.record)
    assert auditor == canonical_json(made.auditor)
    assert verify_record(ceremony.record(db, made.draw, auditor=True)).ok
    # Stored: the manifest, the openings and the public record without its manifest; no
    # second copy of the manifest, no auditor's record.
    kinds = {d.kind: d for d in db.query(DrawDocument).filter_by(draw_id=made.draw.id)}
    assert set(kinds) == {"manifest", "openings", "record"}
    assert '"manifest":0' in bytes(kinds["record"].body).decode()


def test_it_puts_the_records_together_with_events_too(db: Session, org: Org) -> None:
    def events(record: dict) -> list[dict]:  # type: ignore[type-arg]
        first = record["assignments"][0]
        when = {"approved_by": "局主要领导", "at": "2026-11-25T02:00:00Z"}
        return [{"type": "replace-target", "target": first["target"], **when, "reason": "注销"}]

    made = make_draw(db, World(db, org), org, events_for=events)
    assert ceremony.record_text(db, made.draw, auditor=True) == canonical_json(made.auditor)


def test_it_refuses_a_text_altered_in_the_database(db: Session, made: Made) -> None:
    db.execute(
        update(DrawDocument)
        .where(DrawDocument.draw_id == made.draw.id, DrawDocument.kind == "manifest")
        .values(body=documents.text(db, made.draw, "manifest").replace("第1层", "第9层").encode())
    )
    documents.forget(db)
    with pytest.raises(RuntimeError, match="does not match its SHA-256"):
        ceremony.record_text(db, made.draw)


def test_adding_a_witness_and_entering_dice_do_not_read_the_large_texts(
    db: Session, made: Made
) -> None:
    draw = made.draw
    draw.status = DrawStatus.COMMITTED
    draw.revealed = []
    draw.entropy_choice = {**draw.entropy_choice, "dice_parts": []}
    draw.dice_value = None
    db.flush()
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        from tests.draws_ceremony.conftest import who  # noqa: F401 - only the actor shape

        actor = ceremony_actor(db)
        witness = entropy_input.add_witness(db, actor, draw, "赵监督", "群众代表", "某社区")
        entropy_input.enter_dice(db, actor, draw, witness, "12345")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "draw_document" in s]


def ceremony_actor(db: Session):  # type: ignore[no-untyped-def]
    from spotcheck.audit.service import SYSTEM

    return SYSTEM


def test_large_texts_are_files_named_by_their_hash_and_checked_on_every_read(
    db: Session, org: Org, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every text is "large" here: the national-scale path with a small draw.
    monkeypatch.setattr(documents, "FILE_FROM", 1)
    monkeypatch.setattr(documents, "folder", lambda: tmp_path)
    made = make_draw(db, World(db, org), org)
    rows = {d.kind: d for d in db.query(DrawDocument).filter_by(draw_id=made.draw.id)}
    assert set(rows) == {"manifest", "openings", "record"}
    for row in rows.values():
        assert bytes(row.body) == b"" and row.size > 0
        stored = tmp_path / row.sha256[:2] / row.sha256
        assert stored.is_file() and stored.stat().st_size == row.size
    documents.forget(db)
    assert ceremony.record_text(db, made.draw, auditor=True) == canonical_json(made.auditor)
    pieces = ceremony.record_pieces(db, made.draw)
    assert b"".join(pieces).decode() == canonical_json(made.record)

    manifest = rows["manifest"]
    path = tmp_path / manifest.sha256[:2] / manifest.sha256
    path.write_bytes(path.read_bytes().replace("第1层".encode(), "第9层".encode()))
    documents.forget(db)
    with pytest.raises(RuntimeError, match="does not match its SHA-256"):
        ceremony.record_text(db, made.draw)
    path.unlink()
    documents.forget(db)
    with pytest.raises(RuntimeError, match="is missing from"):
        ceremony.record_text(db, made.draw)
