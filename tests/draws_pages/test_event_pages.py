"""The events after the draw through the page: approvals refused with an audit event, the three
events recorded, the manual assignment marked as the exception it is."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony
from spotcheck.draws.models import DrawEvent
from spotcheck.plans.models import Task
from spotcheck.sampling import verify_record
from tests import drawtexts
from tests.draws_ceremony.conftest import audit_actions
from tests.draws_events.conftest import SLOT, exchangeable
from tests.draws_pages.conftest import post
from tests.draws_pages.test_ceremony_pages import _draw, _prepare_and_commit


def test_it_records_events_after_the_draw_with_the_approvals_the_profile_requires(
    client: TestClient, db: Session, task: Task
) -> None:
    draw = _prepare_and_commit(client, db, task)
    post(client, f"/draws/{draw.id}/witnesses", {"name": "王群众", "kind": "群众代表"})
    witness = _draw(db, task).witnesses[0]
    post(client, f"/draws/{draw.id}/dice", {"witness_id": witness.id, "digits": "4815162342"})
    assert post(client, f"/draws/{draw.id}/compute", {}).status_code == 303
    draw = _draw(db, task)
    record = ceremony.record(db, draw)
    first = record["assignments"][0]
    target_key = drawtexts.openings(db, draw)[first["target"]]["key"]
    slot, inspector = first["inspectors"][1]
    member = f"{target_key}::{slot}::{inspector}"
    page = client.get(f"/draws/{draw.id}")
    assert "须经检查事项主管业务科室批准（依据 002 第十一条）" in page.text

    refused = post(
        client,
        f"/draws/{draw.id}/events/replace-inspector",
        {"member": member, "reason": "利害关系回避", "statement": "系其亲属所在企业"},
    )
    assert refused.status_code == 409 and "须经检查事项主管业务科室批准" in refused.text
    assert audit_actions(db, draw)[-1] == "draw.refused"

    replaced = post(
        client,
        f"/draws/{draw.id}/events/replace-inspector",
        {
            "member": member,
            "reason": "利害关系回避",
            "statement": "系其亲属所在企业",
            "approved_by": "节能与综合利用科 张科长",
        },
    )
    assert replaced.status_code == 303
    pool = _draw(db, task).pools_info["slots"][slot]["members"]
    # The group now: the drawn one plus the engine's replacement (never assign them again).
    replacement = ceremony.record(db, _draw(db, task))["events"][-1]["replacement"]
    group = {key for _, key in first["inspectors"]} | {replacement}
    # Outside the group, and with no declared conflict with this target (the draw is random).
    conflicts = {tuple(pair) for pair in drawtexts.manifest(db, _draw(db, task))["conflicts"]}
    spare = next(
        key
        for key in pool
        if key not in group and key != inspector and (key, first["target"]) not in conflicts
    )
    assigned = post(
        client,
        f"/draws/{draw.id}/events/assign-manual",
        {
            "target_key": target_key,
            "person": f"{slot}::{spare}",
            "reason": "工作冲突",
            "statement": "经局主要领导同意直接委派",
            "approved_by": "局长 刘洋",
        },
    )
    assert assigned.status_code == 303, assigned.text
    page = client.get(f"/draws/{draw.id}")
    assert "替换检查人员" in page.text and "人工指派（例外）" in page.text
    assert '<span class="tag red">例外</span></td>' in page.text
    db.expire_all()
    kinds = [e.kind for e in db.query(DrawEvent).filter_by(draw_id=draw.id).order_by("seq")]
    assert kinds == ["replace-inspector", "assign-manual"]
    assert verify_record(ceremony.record(db, _draw(db, task))).fully_verified


def test_it_exchanges_two_inspectors_targets_from_the_page_as_one_line(
    client: TestClient, db: Session, task: Task
) -> None:
    draw = _prepare_and_commit(client, db, task)
    post(client, f"/draws/{draw.id}/witnesses", {"name": "王群众", "kind": "群众代表"})
    witness = _draw(db, task).witnesses[0]
    post(client, f"/draws/{draw.id}/dice", {"witness_id": witness.id, "digits": "4815162342"})
    assert post(client, f"/draws/{draw.id}/compute", {}).status_code == 303
    draw = _draw(db, task)
    a, i, b, j = exchangeable(db, draw)
    page = client.get(f"/draws/{draw.id}")
    assert 'id="event-exchange"' in page.text and "依据 002 第十一条第二款" in page.text
    form = {"first": f"{a.key}::{SLOT}::{i}", "second": f"{b.key}::{SLOT}::{j}"}
    refused = post(client, f"/draws/{draw.id}/events/exchange", form)
    assert refused.status_code == 409 and "须经检查事项主管业务科室批准" in refused.text
    done = post(client, f"/draws/{draw.id}/events/exchange", {**form, "approved_by": "王科长"})
    assert done.status_code == 303, done.text
    page = client.get(f"/draws/{draw.id}")
    assert "调换检查对象（回避）" in page.text and "<td>1、2</td>" in page.text
    assert verify_record(ceremony.record(db, _draw(db, task))).fully_verified
    # The public portal shows the same single line once published.
    assert post(client, f"/draws/{draw.id}/publish", {}).status_code == 303
    public = client.get(f"/public/draws/{draw.code}")
    assert "调换检查对象（回避）" in public.text and "<td>1、2</td>" in public.text
