"""Issue 13 (4): 调换检查对象（回避）, 002 第十一条第二款 — two inspectors of one slot exchange
their targets: one user action, two assign-manual events in one transaction, one approval."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, events, outcome, record_pdf
from spotcheck.draws.events import Current
from spotcheck.draws.models import Draw
from spotcheck.draws.service import DrawRefused
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.models import Inspector
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.sampling import verify_record
from spotcheck.workflow.models import Approval
from tests.draws_ceremony.conftest import audit_actions, verify_everywhere, who
from tests.draws_events.conftest import SLOT, computed, exchangeable, xinzhou_task, zibo_task


def _exchange(db: Session, draw: Draw, a: Current, i: str, b: Current, j: str, **kw: str):  # type: ignore[no-untyped-def]
    return events.exchange(
        db,
        who(db, "officer"),
        draw,
        first_key=a.key,
        first_inspector=i,
        second_key=b.key,
        second_inspector=j,
        **kw,
    )


def test_it_offers_the_exchange_only_where_the_profile_allows_it(db: Session) -> None:
    zibo = rulebooks_service.get(db, "zibo-gxj")
    assert events.exchange_rule(zibo) == ("检查事项主管业务科室", "002 第十一条第二款")
    for code in ("xinzhou-joint", "shanxi-daj", "zaozhuang-gxq", "luan-daj"):
        assert events.exchange_rule(rulebooks_service.get(db, code)) is None, code


def test_two_inspectors_exchange_targets_in_one_approved_action(
    demo: Session, tmp_path: Path
) -> None:
    db = demo
    draw = computed(db, who(db, "officer"), zibo_task(db))
    a, i, b, j = exchangeable(db, draw)
    with pytest.raises(
        DrawRefused,
        match="依据 002 第十一条第二款：调换检查对象（回避）须经检查事项主管业务科室批准",
    ):
        _exchange(db, draw, a, i, b, j)
    assert draw.events == [] and audit_actions(db, draw)[-1] == "draw.refused"
    one, two = _exchange(
        db, draw, a, i, b, j, approved_by="王科长", statement="与A企业负责人系亲属"
    )
    assert (one.seq, two.seq) == (1, 2) and one.kind == two.kind == "assign-manual"
    assert one.payload["inspector"] == i and one.payload["replacement"] == j
    assert two.payload["inspector"] == j and two.payload["replacement"] == i
    assert (
        one.payload["reason"]
        == two.payload["reason"]
        == ("利害关系回避：对象调换（依据 002 第十一条第二款）")
    )
    assert one.approval_id is not None and one.approval_id == two.approval_id
    approval = db.get(Approval, one.approval_id)
    assert approval is not None and approval.kind == "exchange_targets"
    after = {v.commitment: v for v in events.current(db, draw)}
    assert after[a.commitment].members == [(s, j if k == i else k) for s, k in a.members]
    assert after[b.commitment].members == [(s, i if k == j else k) for s, k in b.members]
    assert audit_actions(db, draw)[-1] == "draw.exchange"
    # Both verifiers accept the record; they count two manual assignments.
    result = verify_record(ceremony.record(db, draw))
    assert result.fully_verified and result.facts["manual"] == 2
    verify_everywhere(db, draw, tmp_path)
    # The page and the PDF show one exchange.
    (view,) = outcome.build(db, draw).events
    assert view.kind == "exchange" and view.label == "调换检查对象（回避）"
    assert view.number == "1、2" and " ⇄ " in view.detail
    assert view.target == f"{a.name}、{b.name}"
    html = record_pdf.render_html(db, draw)
    assert "<td>1、2</td><td>调换检查对象（回避）</td>" in html
    assert "回避时交换检查对象（调换检查对象）由检查事项主管业务科室批准" in html


def test_an_exchange_back_is_refused_as_a_whole(demo: Session) -> None:
    db = demo
    draw = computed(db, who(db, "officer"), zibo_task(db))
    a, i, b, j = exchangeable(db, draw)
    _exchange(db, draw, a, i, b, j, approved_by="王科长")
    now = {v.commitment: v for v in events.current(db, draw)}
    # i was removed from A for good (spec assign-manual): the engine refuses the first event,
    # and the second is not written either.
    with pytest.raises(DrawRefused, match="此前已从该对象的检查组中移出"):
        _exchange(db, draw, now[a.commitment], j, now[b.commitment], i, approved_by="王科长")
    assert [e.seq for e in draw.events] == [1, 2]
    assert len(ceremony.record(db, draw)["events"]) == 2


def test_it_refuses_a_conflict_declared_after_the_draw(demo: Session) -> None:
    db = demo
    draw = computed(db, who(db, "officer"), zibo_task(db))
    a, i, b, j = exchangeable(db, draw)
    person = db.scalar(select(Inspector).where(Inspector.key == j))
    assert person is not None
    inspectors_service.declare_conflict(db, who(db, "officer"), person, a.key, "其配偶在该企业任职")
    with pytest.raises(DrawRefused, match=r"登记有利害关系（其配偶在该企业任职），应当回避"):
        _exchange(db, draw, a, i, b, j, approved_by="王科长")
    assert draw.events == [] and audit_actions(db, draw)[-1] == "draw.refused"


def test_it_refuses_putting_someone_twice_in_a_group(demo: Session) -> None:
    db = demo
    draw = computed(db, who(db, "officer"), zibo_task(db))
    now = events.current(db, draw)
    # j sits in the slot of both A and B (inspectors carry several targets): giving j to A
    # in exchange for i would put j twice in A's group.
    a, i, b, j = next(
        (a, i, b, j)
        for a in now
        for b in now
        if a.commitment != b.commitment
        for s, j in b.members
        if s == SLOT and (SLOT, j) in a.members
        for t, i in a.members
        if t == SLOT and i != j and (SLOT, i) not in b.members
    )
    with pytest.raises(DrawRefused, match=f"{j} 已在对象“{a.name}”的检查组中，调换会使其"):
        _exchange(db, draw, a, i, b, j, approved_by="王科长")
    assert draw.events == [] and audit_actions(db, draw)[-1] == "draw.refused"


def test_it_refuses_the_exchange_where_the_profile_does_not_provide_it(demo: Session) -> None:
    db, actor = demo, who(demo, "xinzhou")
    draw = computed(db, actor, xinzhou_task(db))
    a, b = events.current(db, draw)[:2]
    with pytest.raises(
        DrawRefused, match=r"未规定以交换检查对象的方式回避.*平台规则（细则未规定）"
    ):
        events.exchange(
            db,
            actor,
            draw,
            first_key=a.key,
            first_inspector=a.members[0][1],
            second_key=b.key,
            second_inspector=b.members[0][1],
            approved_by="罗勇",
        )
    assert draw.events == []
