"""What distinguishes each other profile's draw: 004 ranks and experts drawn first with a 纪检员,
001 joint slots, the 组长 from the initiator and borrowing with approval, 000 and 003 groups."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, events
from spotcheck.draws import service as draws
from spotcheck.draws import visits as visits_mod
from spotcheck.draws.pools import JOINT_PREFIX
from spotcheck.draws.service import DrawRefused
from spotcheck.errors import DomainError, IllegalTransition
from spotcheck.inspectors.models import Inspector
from spotcheck.sampling import verify_record
from tests import drawtexts
from tests.draws_ceremony.conftest import NOW, approved_task, department, reveal_and_compute, who


def _slots(db, draw) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    return {s["name"]: s for s in drawtexts.manifest(db, draw)["slots"]}


def test_it_draws_004_with_rank_slots_experts_drawn_first_and_a_discipline_witness(
    demo: Session,
) -> None:
    db = demo
    task = approved_task(db, "341500-DAJ", "luan", "luan_leader")
    actor = who(db, "luan")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=8)
    draws.commit(db, actor, draw, now=NOW)
    slots = _slots(db, draw)
    assert list(slots) == ["副处级", "正科级", "副科级及以下", "专家"]
    ranks = {i.key: i for i in db.query(Inspector).all()}
    assert {ranks[k].rank for k in slots["副处级"]["pool"]} == {"副处级"}
    assert {ranks[k].rank for k in slots["副科级及以下"]["pool"]} <= {"副科级", "科员", "办事员"}
    assert all(ranks[k].category == "专家" for k in slots["专家"]["pool"])
    assert slots["专家"]["count"] <= slots["专家"]["draw"] <= len(slots["专家"]["pool"])
    with pytest.raises(DomainError, match="局纪检员"):
        ceremony.compute(db, actor, draw)
    reveal_and_compute(db, actor, draw, [("胡纪检", "局纪检员")])
    record = ceremony.record(db, draw)
    assert verify_record(record).ok
    assert [s for s, _ in record["assignments"][0]["inspectors"]] == list(slots)


def test_it_draws_001_joint_slots_with_the_leader_from_the_initiator(demo: Session) -> None:
    db = demo
    task = approved_task(db, "140900-SCJ", "xinzhou", "xinzhou_leader", participants=["140900-GXJ"])
    actor = who(db, "xinzhou")
    draw = draws.prepare(db, actor, task)
    assert draw.entropy_choice == {"drand": False, "dice_digits": 10}  # dice by default
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=6)
    draws.commit(db, actor, draw, now=NOW)
    slots = _slots(db, draw)
    joint = f"{JOINT_PREFIX}{department(db, '140900-GXJ').name}"
    assert list(slots) == ["发起部门", joint]
    people = {i.key: i for i in db.query(Inspector).all()}
    scj, gxj = department(db, "140900-SCJ").id, department(db, "140900-GXJ").id
    assert {people[k].department_id for k in slots["发起部门"]["pool"]} == {scj}
    assert {people[k].department_id for k in slots[joint]["pool"]} == {gxj}
    reveal_and_compute(db, actor, draw, [("罗监督", "法律顾问")])
    record = ceremony.record(db, draw)
    assert verify_record(record).ok
    leader = record["assignments"][0]["inspectors"][0]
    assert leader[0] == "发起部门" and people[leader[1]].department_id == scj


def test_it_borrows_for_a_short_slot_only_with_approval_and_records_who_approved(
    demo: Session,
) -> None:
    db = demo
    scj = department(db, "140900-SCJ")
    # Only two people of the initiator remain on duty: the 发起部门 slot needs 2 per target, and
    # the rest are moved away so that the pool is too small.
    on_duty = [i for i in db.query(Inspector).filter_by(department_id=scj.id) if not i.auxiliary]
    for person in on_duty[1:]:
        person.status = "离岗"
    db.flush()
    task = approved_task(db, "140900-SCJ", "xinzhou", "xinzhou_leader")
    actor = who(db, "xinzhou")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=6)
    with pytest.raises(DomainError, match=r"发起部门.*平台规则（细则未规定）"):
        draws.commit(db, actor, draw, now=NOW)
    with pytest.raises(DomainError, match="同行业"):
        draws.borrow(
            db, actor, draw, "发起部门", department(db, "370300-GXJ"), "罗勇", "忻市监〔2026〕8号"
        )
    with pytest.raises(DomainError, match="批准"):
        draws.borrow(db, actor, draw, "发起部门", department(db, "140900-GXJ"), "", "")
    lender = department(db, "140900-GXJ")
    lender.industry = scj.industry  # a same-industry department of another agency
    draws.borrow(db, actor, draw, "发起部门", lender, "罗勇", "忻市监〔2026〕8号")
    with pytest.raises(DrawRefused, match="已借调忻州市工业和信息化局的人员"):
        draws.borrow(db, actor, draw, "发起部门", lender, "罗勇", "忻市监〔2026〕8号")
    assert len(draws.borrowings(db, draw)) == 1
    # Withdrawn before commit, the slot is short again; borrowed anew, the draw commits.
    draws.unborrow(db, actor, draw, "发起部门", lender)
    with pytest.raises(DomainError, match="平台规则（细则未规定）"):
        draws.commit(db, actor, draw, now=NOW)
    with pytest.raises(DomainError, match="没有借调"):
        draws.unborrow(db, actor, draw, "发起部门", lender)
    draws.borrow(db, actor, draw, "发起部门", lender, "罗勇", "忻市监〔2026〕8号")
    draws.commit(db, actor, draw, now=NOW)
    with pytest.raises(IllegalTransition):
        draws.unborrow(db, actor, draw, "发起部门", lender)
    info = draw.pools_info["slots"]["发起部门"]
    assert info["borrowed"][0]["approved_by"] == "罗勇"
    assert any("借调自" in name for name in info["members"].values())
    reveal_and_compute(db, actor, draw)
    assert verify_record(ceremony.record(db, draw)).ok
    # What people read of it (pages, PDF, portal) copes with borrowed people and pool notes.
    from spotcheck.draws import outcome

    outcome.build(db, draw)
    visits = events.current(db, draw)
    names = visits_mod.inspectors(db, draw, {k for v in visits for _, k in v.members})
    assert visits and all(names[k][0] for v in visits for _, k in v.members)


@pytest.mark.parametrize(
    ("code", "coordinator", "leader", "slots"),
    [
        ("140000-DAJ", "shanxi", "shanxi_leader", ["执法检查人员"]),
        ("370400-GXQ-SW", "zaozhuang", "zaozhuang_leader", ["执法检查人员"]),
    ],
)
def test_it_draws_000_and_003_with_their_own_composition(
    demo: Session, code: str, coordinator: str, leader: str, slots: list[str]
) -> None:
    db = demo
    task = approved_task(db, code, coordinator, leader)
    actor = who(db, coordinator)
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=5)
    draws.commit(db, actor, draw, now=NOW)
    assert list(_slots(db, draw)) == slots
    assert _slots(db, draw)[slots[0]]["count"] == 2
    if code == "140000-DAJ":  # 000: the 配合部门 slot is omitted for a task without partners
        assert any("配合部门" in n for n in draw.pools_info["notes"])
    reveal_and_compute(db, actor, draw)
    assert verify_record(ceremony.record(db, draw, auditor=True)).ok
