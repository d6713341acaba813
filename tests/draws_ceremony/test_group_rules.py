"""Issue 13 (2, 5, 7): borrowing checked against the slot owner's industry, auxiliary experts only
when the task asks for them, and a 组长's slot of certified people under every profile."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.draws import lending, pools
from spotcheck.draws import service as draws
from spotcheck.errors import DomainError
from spotcheck.inspectors.models import Inspector
from spotcheck.plans import task_form, task_rules
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks import service as rulebooks_service
from tests import drawtexts
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


def _yuanping_gxj(db: Session) -> Department:
    """Another 工信 department of 忻州 (its own agency), with three certified inspectors."""
    lender = departments_service.create(
        db,
        SYSTEM,
        code="140981-GXJ",
        name="原平市工业和信息化局",
        level=DepartmentLevel.COUNTY,
        parent=None,
        industry="工业和信息化",
        region_code="140981",
    )
    for n in range(3):
        db.add(
            Inspector(
                department_id=lender.id,
                key=f"YP-GXJ-{n}",
                name=f"原平检查员{n}",
                category="行政执法类公务员",
                cert_no=f"YP-GXJ-{n}",
            )
        )
    db.flush()
    return lender


def test_it_borrows_for_the_participant_slot_against_the_participants_own_industry(
    demo: Session,
) -> None:
    db = demo
    lender = _yuanping_gxj(db)
    task = approved_task(db, "140900-SCJ", "xinzhou", "xinzhou_leader", participants=["140900-GXJ"])
    actor = who(db, "xinzhou")
    draw = draws.prepare(db, actor, task)
    gxj = department(db, "140900-GXJ")
    joint = f"{pools.JOINT_PREFIX}{gxj.name}"
    # The page offers, per slot, only the departments the borrowing accepts: for the 工信局's
    # slot 工信 departments of 忻州, for the 市场监管局's slot none of them.
    offered = lending.lenders(db, task, pinned.task_profile(db, task))
    assert [d.name for d in offered[joint]] == ["原平市工业和信息化局"]
    assert lender not in offered["发起部门"]
    assert all(d.industry == "市场监管" for d in offered["发起部门"])
    # 市场监管 lends nothing to the 工信局's slot (001 第十七条: 同行业部门).
    with pytest.raises(DomainError, match=r"001 第十七条第一款.*同行业.*忻州市工业和信息化局"):
        draws.borrow(
            db, actor, draw, joint, department(db, "140900-SCJ"), "罗勇", "忻市监〔2026〕9号"
        )
    # A 工信 department of another city is outside 001 (第三条: 全市).
    with pytest.raises(DomainError, match=r"001 第三条.*本市"):
        draws.borrow(
            db, actor, draw, joint, department(db, "370300-GXJ"), "罗勇", "忻市监〔2026〕9号"
        )
    draws.borrow(db, actor, draw, joint, lender, "罗勇", "忻市监〔2026〕9号")
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=6)
    draws.commit(db, actor, draw, now=NOW)
    pool = draw.pools_info["slots"][joint]["members"]
    assert {"YP-GXJ-0", "YP-GXJ-1", "YP-GXJ-2"} <= set(pool)
    assert "借调自原平市工业和信息化局" in pool["YP-GXJ-0"]


def test_it_adds_the_auxiliary_experts_only_to_a_task_that_asks_for_them(demo: Session) -> None:
    db = demo
    task = approved_task(db, "370400-GXQ-SW", "zaozhuang", "zaozhuang_leader")
    profile = pinned.task_profile(db, task)
    # Off by default (003 第七条: specialists assist when the inspectors cannot do it alone).
    assert task.auxiliary_experts is False
    plan = pools.build_slots(db, task, profile, ON)
    assert [s.name for s in plan.slots] == ["执法检查人员"]
    assert any("未选择配备“专业人员”" in n and "003 第七条" in n for n in plan.notes)
    # Chosen on the task: the slot is in the pools and in the frozen manifest.
    task.auxiliary_experts = True
    db.flush()
    actor = who(db, "zaozhuang")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=10)
    draws.commit(db, actor, draw, now=NOW)
    assert [s["name"] for s in drawtexts.manifest(db, draw)["slots"]] == [
        "执法检查人员",
        "专业人员",
    ]
    assert any("选择配备“专业人员”" in n for n in draw.pools_info["notes"])


def test_it_offers_the_auxiliary_choice_only_where_the_profile_has_such_a_slot(
    demo: Session,
) -> None:
    db = demo
    zibo = rulebooks_service.profile_for(db, department(db, "370300-GXJ"))
    xinzhou = rulebooks_service.profile_for(db, department(db, "140900-SCJ"))
    luan = rulebooks_service.profile_for(db, department(db, "341500-DAJ"))
    assert [s.name for s in zibo.group.on_request] == ["辅助检查人员"]
    assert (
        xinzhou.group.on_request == [] and luan.group.on_request == []
    )  # 004's expert is a member
    data, errors = task_form.parse({"name": "x", "auxiliary_experts": "1"}, zibo)
    assert data.auxiliary_experts is True and not errors
    assert task_form.values_of(data)["auxiliary_experts"] == "1"
    refused = task_rules.check(db, department(db, "140900-SCJ"), xinzhou, 2026, data)
    assert "auxiliary_experts" in refused and "xinzhou-joint" in refused["auxiliary_experts"]
