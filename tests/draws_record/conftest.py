"""A computed draw built with the engine (dice entropy only, no network), filled in as the
ceremony leaves it: manifest, digest, openings, strata map, witnesses, public and auditor record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, documents, visits
from spotcheck.draws.models import Draw, DrawEvent, DrawnTarget, DrawStatus, DrawWitness
from spotcheck.draws.openings import text_of
from spotcheck.inspectors.models import Inspector
from spotcheck.plans.models import Task
from spotcheck.sampling import (
    build_manifest,
    canonical_json,
    compute_record,
    dice_plan,
    manifest_digest,
)
from spotcheck.targets.models import Target
from tests.conftest import Org
from tests.eligibility.conftest import World

COMMITTED = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)
DICE = "31415926535897932384"
FOCUS_NAME = "重点关注对象"  # the real name of 第1层: must never be public


@dataclass
class Made:
    """A computed draw and what went into it."""

    draw: Draw
    task: Task
    targets: list[Target]
    inspectors: list[Inspector]
    record: dict  # type: ignore[type-arg]
    openings: dict  # type: ignore[type-arg]
    auditor: dict  # type: ignore[type-arg]  # the engine's own auditor record

    def key_of(self, commitment: str) -> str:
        """The target key behind a commitment."""
        return str(self.openings[commitment]["key"])

    @property
    def selected_keys(self) -> set[str]:
        """Keys of the targets drawn."""
        return {self.key_of(c) for cs in self.record["selected"].values() for c in cs}

    @property
    def unselected(self) -> list[Target]:
        """Candidates that were not drawn."""
        return [t for t in self.targets if t.key not in self.selected_keys]


def make_draw(
    db: Session,
    world: World,
    org: Org,
    *,
    code: str = "CITY-A-2026-001",
    events_for: Callable[[dict], list[dict]] | None = None,  # type: ignore[type-arg]
    profile: str = "zibo-gxj",
) -> Made:
    """A task of 甲市局 under `profile`, drawn from 12 targets in two strata by 6 inspectors."""
    world.adopt(profile)
    item = world.item("GXJ-001", kind="重点")
    task = world.task([item], name="工业企业安全生产抽查")
    targets = world.targets(12)
    inspectors = []
    for n in range(6):
        row = Inspector(
            department_id=org.own.id,
            key=f"鲁C-08{n:04d}",
            name=f"执法员{n}",
            category="行政执法类公务员",
            cert_no=f"鲁C-08{n:04d}",
            phone=f"1390000{n:04d}",
        )
        db.add(row)
        inspectors.append(row)
    db.flush()
    manifest, openings = build_manifest(
        task=code,
        policy=profile,
        committed_at=COMMITTED,
        strata=[
            {"name": "第1层", "quota": 2, "keys": [t.key for t in targets[:4]]},
            {"name": "第2层", "quota": 2, "keys": [t.key for t in targets[4:]]},
        ],
        slots=[{"name": "执法人员", "count": 2, "pool": [i.key for i in inspectors]}],
        entropy=[dice_plan(20)],
        secret=b"s" * 32,
    )
    digest = manifest_digest(manifest)
    entropy = [{"kind": "dice", "value": DICE}]
    # Events name commitments, so they are written against the record without events.
    plain_events = events_for(compute_record(manifest, entropy)) if events_for else []
    record = compute_record(manifest, entropy, plain_events, openings=openings)
    auditor = compute_record(manifest, entropy, plain_events, openings=openings, audience="auditor")
    draw = Draw(
        task_id=task.id,
        department_id=org.own.id,
        code=code,
        profile_code=profile,
        status=DrawStatus.COMPUTED,
        entropy_choice={"drand": False, "dice_digits": 20},
        digest=digest,
        entropy_plan=manifest["entropy"],
        committed_at=COMMITTED,
        committed_by="OFFICER",
        secret_hex=(b"s" * 32).hex(),
        strata_map={
            "第1层": {"key": "focus", "name": FOCUS_NAME, "article": "002 第十二条第三款"},
            "第2层": {"key": "general", "name": "其他检查对象", "article": "002 第八条第二款"},
        },
        pools_info={
            "slots": {
                "执法人员": {
                    "count": 2,
                    "draw": None,
                    "members": {i.key: i.name for i in inspectors},
                }
            }
        },
        dice_value=DICE,
        revealed=entropy,
        seed=record["seed"],
        selected_count=len(record["assignments"]),
        computed_at=COMMITTED + dt.timedelta(minutes=20),
        computed_by="OFFICER",
    )
    draw.witnesses.append(
        DrawWitness(name="王监督", kind="综合法规科", organisation="甲市局", dice_digits=DICE[:10])
    )
    draw.witnesses.append(
        DrawWitness(name="李群众", kind="群众代表", organisation="", dice_digits=DICE[10:])
    )
    for seq, event in enumerate(record["events"], start=1):
        draw.events.append(
            DrawEvent(
                seq=seq,
                kind=event["type"],
                payload=event,
                reason=event.get("reason", ""),
                approved_by=event.get("approved_by", ""),
                rule="002 第十一条",
            )
        )
    db.add(draw)
    db.flush()
    documents.put(db, draw, documents.MANIFEST, canonical_json(manifest))
    documents.put(db, draw, documents.OPENINGS, text_of(openings))
    documents.put(db, draw, documents.RECORD, ceremony.record_core(record))
    sizes = {s["name"]: (len(s["candidates"]), s["quota"]) for s in manifest["strata"]}
    draw.strata_map = {
        name: {**info, "size": sizes[name][0], "quota": sizes[name][1]}
        for name, info in draw.strata_map.items()
    }
    by_key = {t.key: t for t in targets}
    for c in [c for cs in record["selected"].values() for c in cs]:
        target = by_key[openings[c]["key"]]
        db.add(DrawnTarget(task_id=task.id, target_key=target.key, target_name=target.name))
    db.flush()
    visits.backfill(db, draw)  # as `spotcheck db upgrade` does for a draw made before the rows
    db.commit()
    return Made(draw, task, targets, inspectors, record, openings, auditor)


@pytest.fixture
def made(db: Session, org: Org) -> Made:
    """One computed draw of 甲市局 under zibo-gxj."""
    return make_draw(db, World(db, org), org)
