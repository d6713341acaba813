"""A target known only by a resident ID number (身份证号) enters a draw with its registry code
(登记编号): the number reaches no public record, auditor record, page or PDF (spec/draw-v1.md
"Commitments"; issue 13 point 18a)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pypdf
from sqlalchemy import update
from sqlalchemy.orm import Session

from spotcheck.draws import appendix, ceremony, publish, record_pdf
from spotcheck.draws import service as draws
from spotcheck.eligibility import service as eligibility
from spotcheck.tabular.codes import make_resident_id
from spotcheck.targets.models import Target
from tests.conftest import login
from tests.draws_ceremony.conftest import (
    NOW,
    approved_task,
    department,
    reveal_and_compute,
    verify_everywhere,
    who,
)

PERSON = make_resident_id(4242, region="370402", born=dt.date(1981, 7, 19))


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def _leaks(text: str) -> list[str]:
    """The ID number or any long part of it (a mask that keeps most of it is no mask)."""
    parts = [PERSON, PERSON[:14], PERSON[4:], PERSON[6:14] + PERSON[14:]]
    return [p for p in parts if p in text]


def test_a_target_known_by_id_number_is_drawn_by_its_registry_code(
    demo: Session, tmp_path: Path, client
) -> None:  # type: ignore[no-untyped-def]
    db = demo
    task = approved_task(db, "370400-GXQ-SW", "zaozhuang", "zaozhuang_leader")
    dep = department(db, "370400-GXQ-SW")
    # Registered the way a natural person is: the ID number is all the registry knows.
    person = Target(
        department_id=dep.id,
        key=PERSON,
        name="王某某（流动摊贩）",
        target_type="个体工商户",
        status="存续",
        region_code="370402",
    )
    db.add(person)
    db.flush()
    assert person.registry_code.startswith("370400-GXQ-SW-")
    assert person.key == person.registry_code and person.id_number == PERSON

    # The rest of the registry closed down: the person is the one candidate, and is drawn.
    db.execute(
        update(Target)
        .where(Target.department_id == dep.id, Target.id != person.id)
        .values(status="注销")
    )
    strata = eligibility.evaluate(db, task).strata
    assert sum(len(s.candidates) for s in strata) == 1
    actor = who(db, "zaozhuang")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=8)
    draws.commit(db, actor, draw, now=NOW)
    reveal_and_compute(db, actor, draw)
    publish.publish(db, actor, draw)
    db.commit()

    public = ceremony.record_text(db, draw, auditor=False)
    assert person.registry_code in public  # drawn, and opened by its registry code
    texts = {
        "public record": public,
        "auditor record": ceremony.record_text(db, draw, auditor=True),
        "appendix": appendix.csv_bytes(db, draw).decode("utf-8-sig"),
        "PDF": _pdf_text(record_pdf.record_pdf(db, draw)),
        "portal page": client.get(f"/public/draws/{draw.code}").text,
    }
    assert "王某某" in texts["portal page"] and "王某某" in texts["PDF"]
    login(client, "zaozhuang", "Demo#2026zb")
    texts["draw page"] = client.get(f"/draws/{draw.id}").text
    assert "王某某" in texts["draw page"]
    for where, text in texts.items():
        assert not _leaks(text), where
    verify_everywhere(db, draw, tmp_path)
