"""Issue 6 acceptance, per profile: from an approved plan on the demo data to a PUBLISHED draw
whose exported public and auditor records pass `spotcheck verify` and the standalone verifier."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, events, publish
from spotcheck.draws import service as draws
from spotcheck.draws.models import DrawnTarget, DrawStatus
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import Task
from spotcheck.targets import exemptions
from spotcheck.targets.models import Target
from tests import drawtexts
from tests.draws_ceremony.conftest import (
    NOW,
    approved_task,
    department,
    reveal_and_compute,
    verify_everywhere,
    who,
)

AGENCIES = [
    # (department, coordinator, leader, participants, witnesses)
    ("140000-DAJ", "shanxi", "shanxi_leader", (), ()),
    ("140900-SCJ", "xinzhou", "xinzhou_leader", ("140900-GXJ",), ()),
    ("370300-GXJ", "coordinator", "leader", (), (("王监督", "法律顾问"),)),
    ("370400-GXQ-SW", "zaozhuang", "zaozhuang_leader", (), ()),
    ("341500-DAJ", "luan", "luan_leader", (), (("李纪检", "局纪检员"),)),
]


def _task(
    db: Session, code: str, coordinator: str, leader: str, participants: tuple[str, ...]
) -> Task:
    # 淄博's demo already has its published 2026 plan: draw its first task.
    plan = plans_service.current(db, department(db, code), 2026)
    if plan is not None:
        return plan.tasks[0]
    return approved_task(db, code, coordinator, leader, participants)


@pytest.mark.parametrize(("code", "coordinator", "leader", "participants", "witnesses"), AGENCIES)
def test_it_takes_each_profile_from_an_approved_plan_to_a_published_verified_draw(
    demo: Session,
    tmp_path: Path,
    client,  # type: ignore[no-untyped-def]
    code: str,
    coordinator: str,
    leader: str,
    participants: tuple[str, ...],
    witnesses: tuple[tuple[str, str], ...],
) -> None:
    db = demo
    task = _task(db, code, coordinator, leader, participants)
    actor = who(db, coordinator)
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=8)
    draws.commit(db, actor, draw, now=NOW)
    reveal_and_compute(db, actor, draw, witnesses)
    publish.publish(db, actor, draw)
    db.commit()
    assert draw.status == DrawStatus.PUBLISHED
    version = draws.version_of(db, draw)
    assert version is not None and version.code == draws.profile_of(db, draw).code
    assert drawtexts.manifest(db, draw)["policy"] == version.label  # e.g. "zibo-gxj@1"
    verify_everywhere(db, draw, tmp_path)
    page = client.get(f"/public/draws/{draw.code}")
    assert page.status_code == 200 and draw.digest in page.text
    selected = {o["key"] for o in ceremony.record(db, draw)["openings"].values()}
    names = {t.key: t.name for t in db.query(Target).filter(Target.key.in_(selected))}
    assert any(name in page.text for name in names.values())


def test_it_replaces_a_002_target_found_exempt_by_the_next_alternate(
    demo: Session, tmp_path: Path
) -> None:
    db = demo
    task = _task(db, "370300-GXJ", "coordinator", "leader", ())
    actor = who(db, "coordinator")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=8)
    draws.commit(db, actor, draw, now=NOW)
    reveal_and_compute(db, actor, draw, (("王监督", "法律顾问"),))
    record = ceremony.record(db, draw)
    first = record["assignments"][0]["target"]
    key = record["openings"][first]["key"]
    # Found on the 免检免扰 list after the draw (002 第九条): re-drawn from the alternates.
    exemptions.add(
        db,
        actor,
        department(db, "370300-GXJ"),
        target_key=key,
        target_name="",
        valid_from=NOW.date(),
        valid_until=None,
        basis="淄博市涉企免检免扰名单（2026）",
    )
    event = events.replace_target(
        db, actor, draw, target_key=key, reason="列入免检免扰名单", approved_by="刘洋"
    )
    after = ceremony.record(db, draw)
    stratum = next(s for s, chosen in record["selected"].items() if first in chosen)
    assert event.payload["replacement"] == record["alternates"][stratum][0]
    assert after["events"][0]["target"] == first and after["selected"] == record["selected"]
    drawn = {d.target_key for d in db.query(DrawnTarget).filter_by(task_id=task.id)}
    new_key = after["openings"][event.payload["replacement"]]["key"]
    assert key not in drawn and new_key in drawn
    verify_everywhere(db, draw, tmp_path)
