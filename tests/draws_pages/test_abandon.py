"""A committed draw that cannot get its entropy is abandoned with approval, stays public, and
the task draws again (issue 13 point 11 and its acceptance)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.plans.models import Task
from spotcheck.sampling import verify_record
from tests.draws_ceremony.conftest import audit_actions
from tests.draws_pages.conftest import log_in, post


def _draws(db: Session, task: Task) -> list[Draw]:
    db.expire_all()
    return list(db.scalars(select(Draw).where(Draw.task_id == task.id).order_by(Draw.attempt)))


def test_a_stuck_drand_draw_is_abandoned_with_approval_and_the_task_draws_again_with_dice(
    client: TestClient, db: Session, task: Task
) -> None:
    log_in(client, "officer")
    assert post(client, f"/tasks/{task.id}/draw", {}).status_code == 303
    (first,) = _draws(db, task)
    assert first.entropy_choice == {"drand": False, "dice_digits": 10}  # dice by default
    page = client.get(f"/draws/{first.id}").text
    assert "默认使用<strong>骰子</strong>" in page and 'id="drand" >' in page  # not ticked
    chosen = post(client, f"/draws/{first.id}/entropy", {"drand": "1", "dice_digits": "10"})
    assert chosen.status_code == 303
    assert post(client, f"/draws/{first.id}/commit", {}).status_code == 303
    (first,) = _draws(db, task)
    assert first.status == DrawStatus.COMMITTED and first.drand_round is not None
    assert 'id="abandon-form"' in client.get(f"/draws/{first.id}").text

    # Without an approver, or with someone who may not approve: refused, nothing changes.
    for who in ("", "张伟"):
        refused = post(
            client,
            f"/draws/{first.id}/abandon",
            {"reason": "内网无法访问 drand", "approved_by": who},
        )
        assert refused.status_code == 409, refused.text
        assert "平台规则（细则未规定）" in refused.text
    assert _draws(db, task)[0].status == DrawStatus.COMMITTED
    done = post(
        client,
        f"/draws/{first.id}/abandon",
        {"reason": "政务内网无法取得 drand 签名", "approved_by": "刘洋"},
    )
    assert done.status_code == 303, done.text
    (first,) = _draws(db, task)
    assert first.status == DrawStatus.ABANDONED
    assert first.abandon_approver == "刘洋" and "drand" in first.abandon_reason
    assert "draw.abandon" in audit_actions(db, first)
    # Nothing more can happen to it.
    again = post(client, f"/draws/{first.id}/compute", {})
    assert again.status_code == 409

    # The public still sees the commitment, as abandoned, with the reason and the approver.
    client.cookies.clear()
    public = client.get("/public/commitments").text
    assert first.code in public and first.digest in public
    assert "已放弃" in public and "政务内网无法取得 drand 签名" in public and "刘洋" in public

    # The task prepares a new draw: a new manifest, the task's second commitment, dice only.
    log_in(client, "officer")
    start = client.get(f"/tasks/{task.id}/draw")
    assert start.status_code == 200 and first.code in start.text and "第 2 次承诺" in start.text
    assert post(client, f"/tasks/{task.id}/draw", {}).status_code == 303
    _, second = _draws(db, task)
    assert second.attempt == 2 and second.code == f"{first.code}-R2"
    assert post(client, f"/draws/{second.id}/commit", {}).status_code == 303
    added = post(
        client,
        f"/draws/{second.id}/witnesses",
        {"name": "王监督", "kind": "综合法规科", "organisation": "淄博市工业和信息化局"},
    )
    assert added.status_code == 303, added.text
    _, second = _draws(db, task)
    witness = second.witnesses[0]
    entered = post(
        client, f"/draws/{second.id}/dice", {"witness_id": witness.id, "digits": "2718281828"}
    )
    assert entered.status_code == 303
    # Once the planned entropy is complete the draw can no longer be abandoned, only computed.
    late = post(
        client, f"/draws/{second.id}/abandon", {"reason": "想重新抽一次", "approved_by": "刘洋"}
    )
    assert late.status_code == 409 and "应当计算而不能放弃" in late.text
    assert post(client, f"/draws/{second.id}/compute", {}).status_code == 303
    _, second = _draws(db, task)
    assert second.status == DrawStatus.COMPUTED
    assert second.digest != first.digest
    assert verify_record(ceremony.record(db, second)).fully_verified
    client.cookies.clear()
    public = client.get("/public/commitments").text
    assert "该任务第 2 次承诺" in public and second.digest in public and first.digest in public
