"""Events after the draw: replacements by the engine, approvals per profile, refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, events, outcome
from spotcheck.draws import service as draws
from spotcheck.draws.models import DrawnTarget
from spotcheck.draws.service import DrawRefused
from spotcheck.errors import DomainError
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.sampling import verify_record
from tests import drawtexts
from tests.draws_ceremony.conftest import audit_actions, verify_everywhere, who
from tests.draws_events.conftest import computed, xinzhou_task, zibo_task


def _verifies(db, draw) -> None:  # type: ignore[no-untyped-def]
    for auditor in (False, True):
        result = verify_record(ceremony.record(db, draw, auditor=auditor))
        assert result.fully_verified, result.summary()


def test_it_names_the_approver_and_article_per_profile(db: Session) -> None:
    zibo = rulebooks_service.get(db, "zibo-gxj")
    xinzhou = rulebooks_service.get(db, "xinzhou-joint")
    assert events.approval_rule(zibo, "replace-inspector") == (
        "检查事项主管业务科室",
        "002 第十一条",
    )
    assert events.approval_rule(zibo, "assign-manual") == ("局主要领导", "002 第十条第一款")
    assert events.approval_rule(xinzhou, "replace-inspector") == ("部门领导", "001 第十七条第二款")
    assert events.approval_rule(zibo, "replace-target") is None
    assert events.statement_required(zibo, "replace-inspector", "岗位调整")
    assert not events.statement_required(xinzhou, "replace-inspector", "岗位调整")


def test_it_replaces_a_target_by_the_next_unused_alternate_of_its_stratum(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    record = ceremony.record(db, draw)
    first = record["assignments"][0]["target"]
    stratum = next(name for name, row in record["selected"].items() if first in row)
    key = drawtexts.openings(db, draw)[first]["key"]
    row = events.replace_target(db, officer, draw, target_key=key, reason="无法联系")
    assert row.seq == 1 and row.kind == "replace-target"
    assert row.payload["replacement"] == record["alternates"][stratum][0]
    after = ceremony.record(db, draw)
    assert after["seed"] == record["seed"] and after["selected"] == record["selected"]
    assert len(after["events"]) == 1
    new_key = drawtexts.openings(db, draw)[row.payload["replacement"]]["key"]
    drawn = set(
        db.scalars(select(DrawnTarget.target_key).where(DrawnTarget.task_id == draw.task_id))
    )
    assert new_key in drawn and key not in drawn
    second = record["assignments"][1]["target"]
    if second in record["selected"][stratum]:
        again = events.replace_target(
            db,
            officer,
            draw,
            target_key=drawtexts.openings(db, draw)[second]["key"],
            reason="无法联系",
        )
        assert again.payload["replacement"] == record["alternates"][stratum][1]
    _verifies(db, draw)
    assert "draw.replace_target" in audit_actions(db, draw)


def test_it_replaces_an_inspector_with_statement_and_approver_under_002(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    visit = events.current(db, draw)[0]
    slot, inspector = visit.members[0]
    kwargs = {"target_key": visit.key, "inspector_key": inspector, "reason": "利害关系回避"}
    with pytest.raises(DrawRefused, match=r"002 第十一条.*书面说明"):
        events.replace_inspector(db, officer, draw, approved_by="业务科室王科长", **kwargs)
    with pytest.raises(
        DrawRefused, match="依据 002 第十一条：替换检查人员须经检查事项主管业务科室批准"
    ):
        events.replace_inspector(db, officer, draw, statement="与该企业负责人系亲属", **kwargs)
    assert audit_actions(db, draw).count("draw.refused") == 2
    row = events.replace_inspector(
        db, officer, draw, statement="与该企业负责人系亲属", approved_by="王科长", **kwargs
    )
    assert row.payload["replacement"] != inspector and row.rule.startswith("依据 002 第十一条")
    assert row.statement == "与该企业负责人系亲属" and row.approved_by == "王科长"
    now = events.current(db, draw)[0]
    assert now.members[0] == (slot, row.payload["replacement"])
    _verifies(db, draw)


def test_it_needs_only_the_approver_under_001(demo: Session) -> None:
    db, actor = demo, who(demo, "xinzhou")
    draw = computed(db, actor, xinzhou_task(db))
    visit = events.current(db, draw)[0]
    kwargs = {"target_key": visit.key, "inspector_key": visit.members[1][1], "reason": "工作冲突"}
    with pytest.raises(DrawRefused, match=r"001 第十七条第二款.*部门领导"):
        events.replace_inspector(db, actor, draw, **kwargs)
    row = events.replace_inspector(db, actor, draw, approved_by="罗勇", **kwargs)
    assert row.statement == "" and row.payload["approved_by"] == "罗勇"
    _verifies(db, draw)


def test_it_records_a_manual_assignment_as_an_exception(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    visit = events.current(db, draw)[0]
    slot = visit.members[0][0]
    group = {key for _, key in visit.members}
    replaced = [key for name, key in visit.members if name == slot][-1]
    # Someone of the slot's pool outside the group, with no declared conflict with this target.
    conflicts = {tuple(pair) for pair in drawtexts.manifest(db, draw)["conflicts"]}
    spare = next(
        k
        for k in sorted(draw.pools_info["slots"][slot]["members"])
        if k not in group and (k, visit.commitment) not in conflicts
    )
    manual = {"target_key": visit.key, "slot": slot, "inspector_key": spare, "reason": "工作冲突"}
    with pytest.raises(DrawRefused, match=r"002 第十条第一款.*局主要领导"):
        events.assign_manual(
            db, officer, draw, statement="跨科室直接委派", approved_by="", **manual
        )
    with pytest.raises(DrawRefused, match="书面说明"):
        events.assign_manual(db, officer, draw, statement="", approved_by="局长", **manual)
    row = events.assign_manual(
        db,
        officer,
        draw,
        statement="局主要领导审定直接委派",
        approved_by="张局长",
        replaces=replaced,
        **manual,
    )
    assert row.kind == "assign-manual" and row.payload["inspector"] == replaced
    views = outcome.build(db, draw).events
    assert views[-1].label == "人工指派（例外）"
    result = verify_record(ceremony.record(db, draw))
    assert result.fully_verified and result.facts["manual"] == 1
    assert any(n.code == "manual-exceptions" for n in result.notes)
    _verifies(db, draw)
    # Pages and the PDF show the event's time in Beijing time; the record keeps UTC.
    utc = dt.datetime.strptime(row.payload["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert views[-1].at == (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert f'"at":"{row.payload["at"]}"' in ceremony.record_text(db, draw)


def test_it_refuses_events_before_compute_with_an_audit_event(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = draws.prepare(db, officer, zibo_task(db))
    with pytest.raises(DrawRefused, match=r"只有“(已抽取、已公开|已公开、已抽取)”"):
        events.replace_target(db, officer, draw, target_key="x", reason="列入免检免扰名单")
    assert audit_actions(db, draw)[-1] == "draw.refused"
    assert draw.events == []


def test_it_refuses_a_reason_outside_the_list_and_other_without_statement(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    key = events.current(db, draw)[0].key
    with pytest.raises(DomainError, match="原因应为"):
        events.replace_target(db, officer, draw, target_key=key, reason="不想查")
    with pytest.raises(DrawRefused, match="书面说明"):
        events.replace_target(db, officer, draw, target_key=key, reason="其他")
    with pytest.raises(DomainError, match="不在抽取"):
        events.replace_target(db, officer, draw, target_key="nope", reason="不在可抽取状态")
    row = events.replace_target(
        db, officer, draw, target_key=key, reason="其他", statement="企业已搬迁"
    )
    assert row.payload["reason"] == "其他：企业已搬迁"


def test_it_keeps_records_with_all_three_events_passing_both_verifiers(
    demo: Session, tmp_path: Path
) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    first, second = events.current(db, draw)[:2]
    events.replace_target(db, officer, draw, target_key=first.key, reason="无法联系")
    slot, inspector = second.members[0]
    events.replace_inspector(
        db,
        officer,
        draw,
        target_key=second.key,
        inspector_key=inspector,
        reason="身体健康",
        statement="住院治疗",
        approved_by="王科长",
    )
    group = {key for _, key in events.current(db, draw)[1].members}
    # Someone of the slot's pool outside the group, not the inspector just removed from it
    # (a removed inspector may not come back), with no declared conflict with this target.
    conflicts = {tuple(pair) for pair in drawtexts.manifest(db, draw)["conflicts"]}
    spare = next(
        k
        for k in sorted(draw.pools_info["slots"][slot]["members"])
        if k not in group and k != inspector and (k, second.commitment) not in conflicts
    )
    events.assign_manual(
        db,
        officer,
        draw,
        target_key=second.key,
        slot=slot,
        inspector_key=spare,
        reason="其他",
        statement="两名执法人员互换检查对象（002 第十一条）",
        approved_by="张局长",
    )
    assert [e.seq for e in events.events_of(draw)] == [1, 2, 3]
    verify_everywhere(db, draw, tmp_path)
