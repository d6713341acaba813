"""A participant department reads a joint draw: the header names the initiating department, and
the initiator's next steps are not shown as if they were the reader's (issue 13 point 15)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.draws import service as draws
from tests.draws_ceremony.conftest import approved_task, department, who
from tests.draws_pages.conftest import log_in


def test_a_participant_reads_the_joint_draw_without_the_initiators_next_steps(
    client: TestClient, demo: Session
) -> None:
    db = demo
    task = approved_task(db, "140900-SCJ", "xinzhou", "xinzhou_leader", ["140900-GXJ"])
    draw = draws.prepare(db, who(db, "xinzhou"), task)
    db.commit()
    initiator = department(db, "140900-SCJ").name

    log_in(client, "xinzhou")
    page = client.get(f"/draws/{draw.id}").text
    assert f"发起部门：{initiator}" in page
    assert "<strong>下一步：</strong>" in page and "承诺（冻结）" in page

    client.cookies.clear()
    log_in(client, "xinzhou_gx")  # the participant 工信局
    page = client.get(f"/draws/{draw.id}").text
    assert f"发起部门：{initiator}" in page
    assert "<strong>下一步：</strong>" not in page and 'id="commit-draw"' not in page
    assert f"抽取由发起部门（{initiator}）的任务发起人员操作" in page
