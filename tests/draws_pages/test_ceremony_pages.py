"""The whole ceremony through the pages (dice only), refusals on the page, scoping and roles."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.draws.models import Draw, DrawStatus, DrawWitness
from spotcheck.plans.models import Task
from spotcheck.sampling import verify_record
from tests.draws_ceremony.conftest import audit_actions, department
from tests.draws_pages.conftest import log_in, post


def _draw(db: Session, task: Task) -> Draw:
    db.expire_all()
    draw = db.scalar(select(Draw).where(Draw.task_id == task.id))
    assert draw is not None
    return draw


def _prepare_and_commit(client: TestClient, db: Session, task: Task) -> Draw:
    log_in(client, "officer")
    assert f'href="/tasks/{task.id}/draw"' in client.get(f"/tasks/{task.id}").text
    start = client.get(f"/tasks/{task.id}/draw")
    assert start.status_code == 200 and "开始准备抽取" in start.text
    made = post(client, f"/tasks/{task.id}/draw", {})
    assert made.status_code == 303
    draw = _draw(db, task)
    assert made.headers["location"] == f"/draws/{draw.id}?done=prepared"
    page = client.get(f"/draws/{draw.id}")
    assert "承诺（冻结）" in page.text and "承诺后，分层、候选对象" in page.text
    assert "002 第九条第四款" in page.text  # the witness rule with its article
    # Internally the real stratum names are shown (the public sees only 第1层…).
    assert "第1层：" in page.text
    refused = post(client, f"/draws/{draw.id}/entropy", {"dice_digits": "0"})
    assert refused.status_code == 400 and "骰子位数不能为 0" in refused.text
    chosen = post(client, f"/draws/{draw.id}/entropy", {"dice_digits": "10"})
    assert chosen.status_code == 303
    committed = post(client, f"/draws/{draw.id}/commit", {})
    assert committed.status_code == 303
    draw = _draw(db, task)
    assert draw.status == DrawStatus.COMMITTED and draw.drand_round is None
    page = client.get(f"/draws/{draw.id}")
    assert draw.digest[:8] in page.text and "骰子 <strong>10</strong> 位" in page.text
    return draw


def test_it_runs_the_whole_ceremony_through_the_pages_with_two_witnesses(
    app: FastAPI, client: TestClient, db: Session, task: Task
) -> None:
    draw = _prepare_and_commit(client, db, task)
    witness_user = accounts_service.get_by_username(db, "witness")
    assert witness_user is not None
    added = post(
        client,
        f"/draws/{draw.id}/witnesses",
        {"kind": "综合法规科", "organisation": "淄博市工信局", "user_id": witness_user.id},
    )
    assert added.status_code == 303
    added = post(
        client,
        f"/draws/{draw.id}/witnesses",
        {"name": "王群众", "kind": "群众代表", "organisation": "张店区居民"},
    )
    assert added.status_code == 303
    db.expire_all()
    own, other = db.scalars(
        select(DrawWitness).where(DrawWitness.draw_id == draw.id).order_by(DrawWitness.id)
    ).all()
    assert own.name == "陈静" and own.user_id == witness_user.id

    with TestClient(app) as witness:
        log_in(witness, "witness")
        page = witness.get(f"/draws/{draw.id}")
        assert "您是本次抽取的监督人" in page.text and f'id="digits-{own.id}"' in page.text
        assert f'id="digits-{other.id}"' not in page.text
        foreign = post(witness, f"/draws/{draw.id}/dice", {"witness_id": other.id, "digits": "1"})
        assert foreign.status_code == 403
        bad = post(witness, f"/draws/{draw.id}/dice", {"witness_id": own.id, "digits": "12a"})
        assert bad.status_code == 400 and "骰子数字只能是 0–9 的数字" in bad.text
        entered = post(witness, f"/draws/{draw.id}/dice", {"witness_id": own.id, "digits": "35142"})
        assert entered.status_code == 303

    early = post(client, f"/draws/{draw.id}/compute", {})
    assert early.status_code == 400 and "随机数尚未齐全" in early.text
    entered = post(client, f"/draws/{draw.id}/dice", {"witness_id": other.id, "digits": "62351"})
    assert entered.status_code == 303
    page = client.get(f"/draws/{draw.id}")
    assert "随机数已齐全" in page.text
    computed = post(client, f"/draws/{draw.id}/compute", {})
    assert computed.status_code == 303
    draw = _draw(db, task)
    assert draw.status == DrawStatus.COMPUTED and draw.dice_value == "3514262351"

    page = client.get(f"/draws/{draw.id}")
    assert "组长" in page.text and "检查日程和人员安排表" in page.text
    assert "执法证号" in page.text and "局综合法规科" in page.text  # a channel of 002
    csv = client.get(f"/draws/{draw.id}/schedule.csv")
    assert csv.status_code == 200 and "检查顺序" in csv.content.decode("utf-8-sig")
    assert client.get(f"/draws/{draw.id}/schedule.xlsx").content[:2] == b"PK"
    record = client.get(f"/draws/{draw.id}/record.json")
    assert verify_record(json.loads(record.content)).fully_verified
    pdf = client.get(f"/draws/{draw.id}/record.pdf")
    assert pdf.content.startswith(b"%PDF")
    upload = client.post(
        f"/draws/{draw.id}/attachments",
        data={"kind": "photo", "csrf_token": _token(client, draw)},
        files={"file": ("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    submitted = post(client, f"/draws/{draw.id}/channels", {"channel": "局综合法规科"})
    assert submitted.status_code == 200 and submitted.content[:2] == b"PK"
    page = client.get(f"/draws/{draw.id}")
    assert "现场.png" in page.text and "局综合法规科</td>" in page.text

    published = post(client, f"/draws/{draw.id}/publish", {})
    assert published.status_code == 303
    page = client.get(f"/draws/{draw.id}")
    assert f'href="/public/draws/{draw.code}"' in page.text
    assert client.get(f"/public/draws/{draw.code}").status_code == 200
    listed = client.get("/draws")
    assert draw.code in listed.text and "已公开" in listed.text
    actions = audit_actions(db, draw)
    assert actions[:3] == ["draw.prepare", "draw.entropy", "draw.commit"]
    assert actions.count("draw.dice") == 2 and "draw.publish" in actions


def _token(client: TestClient, draw: Draw) -> str:
    from tests.conftest import csrf_of

    return csrf_of(client, f"/draws/{draw.id}")


def test_it_refuses_a_change_after_commit_on_the_page_with_an_audit_event(
    client: TestClient, db: Session, task: Task
) -> None:
    draw = _prepare_and_commit(client, db, task)
    refused = post(client, f"/draws/{draw.id}/entropy", {"drand": "1", "dice_digits": "4"})
    assert refused.status_code == 409
    assert "承诺后，影响抽取结果的内容一律不得更改" in refused.text
    assert 'id="draw-error"' in refused.text
    assert audit_actions(db, draw)[-1] == "draw.refused"
    assert _draw(db, task).entropy_choice["dice_digits"] == 10


def test_it_hides_a_draw_from_outsiders_and_lets_no_inspector_commit(
    app: FastAPI, client: TestClient, db: Session, task: Task
) -> None:
    log_in(client, "officer")
    assert post(client, f"/tasks/{task.id}/draw", {}).status_code == 303
    draw = _draw(db, task)
    with TestClient(app) as outsider:
        log_in(outsider, "xinzhou")
        assert outsider.get(f"/draws/{draw.id}").status_code == 404
        assert draw.code not in outsider.get("/draws").text
        assert post(outsider, f"/draws/{draw.id}/commit", {}).status_code == 404
    with TestClient(app) as inspector:
        log_in(inspector, "inspector1")
        assert inspector.get(f"/draws/{draw.id}").status_code == 200
        assert "承诺（冻结）</button>" not in inspector.get(f"/draws/{draw.id}").text
        assert post(inspector, f"/draws/{draw.id}/commit", {}).status_code == 403
    assert _draw(db, task).status == DrawStatus.PREPARED


def test_it_borrows_and_withdraws_a_borrowing_on_the_page_before_commit(
    client: TestClient, db: Session, task: Task
) -> None:
    log_in(client, "officer")
    assert post(client, f"/tasks/{task.id}/draw", {}).status_code == 303
    draw = _draw(db, task)
    lender = department(db, "370303-GXJ")
    form = {"slot": "执法人员", "department_id": str(lender.id)}
    no_approval = post(client, f"/draws/{draw.id}/borrow", form)
    assert no_approval.status_code == 400 and "002 第十条第一款" in no_approval.text
    approved = {**form, "approved_by": "局长", "document": "跨科室抽取说明（2026）"}
    assert post(client, f"/draws/{draw.id}/borrow", approved).status_code == 303
    page = client.get(f"/draws/{draw.id}").text
    assert "借调张店区工业和信息化局人员" in page and "撤销借调" in page
    assert post(client, f"/draws/{draw.id}/unborrow", form).status_code == 303
    assert "撤销借调" not in client.get(f"/draws/{draw.id}").text
    assert audit_actions(db, _draw(db, task))[-2:] == ["draw.borrow", "draw.unborrow"]
