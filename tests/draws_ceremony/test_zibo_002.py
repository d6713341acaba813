"""002 (淄博工信局): witnessed dice with one witness required, drand verified offline, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, entropy_input
from spotcheck.draws import service as draws
from spotcheck.draws.models import DrawnTarget, DrawStatus
from spotcheck.errors import DomainError, IllegalTransition
from spotcheck.plans import service as plans_service
from spotcheck.sampling import verify_record
from tests import drawtexts
from tests.draws_ceremony.conftest import (
    BEFORE_DRAND,
    DRAND_ROUND,
    DRAND_SIGNATURE,
    NOW,
    audit_actions,
    department,
    reveal_and_compute,
    who,
)


def _task(db: Session):  # type: ignore[no-untyped-def]
    plan = plans_service.current(db, department(db, "370300-GXJ"), 2026)
    assert plan is not None
    return plan.tasks[0]


def test_it_draws_with_witnessed_dice_and_drand_and_stores_verifiable_records(
    demo: Session,
) -> None:
    db, officer = demo, who(demo, "officer")
    task = _task(db)
    draw = draws.prepare(db, officer, task)
    assert draw.code == "370300-GXJ-2026-01"
    assert draw.entropy_choice == {"drand": False, "dice_digits": 10}  # dice by default
    draws.set_entropy(db, officer, draw, drand=True, dice_digits=10)
    with pytest.raises(DomainError, match="002 第九条第四款"):
        draws.set_entropy(db, officer, draw, drand=True, dice_digits=0)
    draws.commit(db, officer, draw, now=BEFORE_DRAND)
    manifest = drawtexts.manifest(db, draw)
    assert draw.drand_round == DRAND_ROUND
    assert manifest["entropy"] == [
        {"kind": "drand-quicknet", "round": DRAND_ROUND},
        {"kind": "dice", "digits": 10},
    ]
    assert manifest["slots"][0]["name"] == "执法人员"
    assert all(s["name"].startswith("第") for s in manifest["strata"])
    assert draw.strata_map["第1层"]["article"].startswith("002")
    with pytest.raises(DomainError, match="监督人"):
        ceremony.compute(db, officer, draw)  # no witness yet, entropy missing
    with pytest.raises(IllegalTransition, match="不是承诺时计划的"):
        entropy_input.enter_drand(db, officer, draw, DRAND_ROUND + 1, DRAND_SIGNATURE)
    reveal_and_compute(db, officer, draw, [("王监督", "综合法规科")])
    assert draw.status == DrawStatus.COMPUTED
    public, auditor = ceremony.record(db, draw), ceremony.record(db, draw, auditor=True)
    assert verify_record(public).fully_verified
    assert verify_record(auditor).fully_verified
    assert len(auditor["openings"]) > len(public["openings"])
    drawn = db.scalars(select(DrawnTarget).where(DrawnTarget.task_id == task.id)).all()
    assert len(drawn) == sum(len(v) for v in public["selected"].values()) > 0
    assert all(d.target_name for d in drawn)
    rows = list(ceremony.schedule(db, draw))
    assert rows[0]["order"] == 1 and rows[0]["inspectors"][0]["leader"]
    assert all(m["cert_no"] for r in rows for m in r["inspectors"] if m["slot"] == "执法人员")
    actions = audit_actions(db, draw)
    assert actions[0] == "draw.prepare" and "draw.commit" in actions
    # Refused twice: compute without its witness, drand of an unplanned round.
    assert actions.count("draw.refused") == 2 and actions[-1] == "draw.compute"


def test_it_refuses_changes_after_commit_and_a_second_compute_with_audit_events(
    demo: Session,
) -> None:
    db, officer = demo, who(demo, "officer")
    draw = draws.prepare(db, officer, _task(db))
    draws.set_entropy(db, officer, draw, drand=False, dice_digits=6)
    draws.commit(db, officer, draw, now=NOW)
    digest = draw.digest
    with pytest.raises(IllegalTransition, match="承诺后"):
        draws.set_entropy(db, officer, draw, drand=True, dice_digits=6)
    with pytest.raises(IllegalTransition, match="承诺后"):
        draws.commit(db, officer, draw, now=NOW)
    with pytest.raises(IllegalTransition, match="承诺后"):
        draws.borrow(db, officer, draw, "执法人员", department(db, "370303-GXJ"), "局长", "批")
    assert draw.digest == digest and draw.entropy_choice["dice_digits"] == 6
    reveal_and_compute(db, officer, draw, [("王监督", "综合法规科"), ("李群众", "群众代表")])
    assert [len(w.dice_digits) for w in draw.witnesses] == [3, 3]  # each witness's part
    with pytest.raises(IllegalTransition, match="已抽取"):
        ceremony.compute(db, officer, draw)
    assert audit_actions(db, draw).count("draw.refused") == 4


def test_it_refuses_bad_dice_and_a_dice_value_reused_from_another_draw(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    plan = plans_service.current(db, department(db, "370300-GXJ"), 2026)
    assert plan is not None
    first, second = (draws.prepare(db, officer, t) for t in plan.tasks[:2])
    for draw in (first, second):
        draws.set_entropy(db, officer, draw, drand=False, dice_digits=4)
        draws.commit(db, officer, draw, now=NOW)
    witness = entropy_input.add_witness(db, officer, first, "王监督", "综合法规科", "局纪检组")
    with pytest.raises(DomainError, match="只能是 0–9"):
        entropy_input.enter_dice(db, officer, first, witness, "12a")
    with pytest.raises(DomainError, match="太多"):
        entropy_input.enter_dice(db, officer, first, witness, "12345")
    entropy_input.enter_dice(db, officer, first, witness, "2718")
    other = entropy_input.add_witness(db, officer, second, "李监督", "法律顾问")
    with pytest.raises(IllegalTransition, match="与抽取 370300-GXJ-2026-01 的骰子值相同"):
        entropy_input.enter_dice(db, officer, second, other, "2718")
    assert second.dice_value is None
    assert audit_actions(db, second)[-1] == "draw.refused"
