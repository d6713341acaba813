"""Issue 13 (2, 5, 7): borrowing checked against the slot owner's industry, auxiliary experts only
when the task asks for them, and a 组长's slot of certified people under every profile."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from spotcheck.draws import pools
from spotcheck.draws import service as draws
from spotcheck.inspectors.models import Inspector
from spotcheck.rulebooks import pinned
from tests.draws_ceremony.conftest import NOW, approved_task, department, who

ON = dt.date(2026, 11, 24)


def test_it_keeps_an_uncertified_person_out_of_the_leader_slot_under_001(demo: Session) -> None:
    db = demo
    scj = department(db, "140900-SCJ")
    people = [i for i in db.query(Inspector).filter_by(department_id=scj.id) if not i.auxiliary]
    # 001 第十条 admits daily-supervision staff; 001 does not require certificates of members.
    daily, expired = people[0], people[1]
    daily.category, daily.cert_no = "日常监管人员", ""
    expired.cert_valid_until = dt.date(2026, 1, 1)
    db.flush()
    task = approved_task(db, "140900-SCJ", "xinzhou", "xinzhou_leader")
    plan = pools.build_slots(db, task, pinned.task_profile(db, task), ON)
    leader = plan.slots[0]
    assert leader.name == "发起部门"
    assert daily.key not in leader.pool and expired.key not in leader.pool
    assert "001 第二十条（二）" in leader.left_out[daily.key]
    assert "组长" in leader.left_out[daily.key]
    assert "2026-01-01 过期" in leader.left_out[expired.key]
    assert "001 第二十条（二）" in leader.rule
    # The frozen manifest agrees: the draw commits without them in the first slot.
    actor = who(db, "xinzhou")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=6)
    draws.commit(db, actor, draw, now=NOW)
    left_out = draw.pools_info["slots"]["发起部门"]["left_out"]
    assert "001 第二十条（二）" in left_out[daily.key]
