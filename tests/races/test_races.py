"""N parallel requests on one state-changing verb (issue 11): exactly one moves the subject,
every other client gets 409 with the Chinese refusal and its "…refused" audit event, nobody gets
a 500, and the audit chain still verifies. Over HTTP against a live server, on both databases."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.catalog.models import CatalogRelease, CheckItem
from spotcheck.draws.models import Draw, DrawEvent, DrawnTarget
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.plans.tasks import TaskInput
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.targets import exemptions as exemptions_service
from spotcheck.workflow.models import Approval
from tests.draws_ceremony.conftest import demo, department, who
from tests.draws_events.conftest import exchangeable, zibo_task
from tests.races.conftest import (
    N,
    actions,
    assert_chain_intact,
    assert_one_winner,
    bearer,
    browser,
    live,
    race,
)

__all__ = ["demo", "live"]


def _draft_plan(db: Session, code: str, coordinator: str) -> AnnualPlan:
    """A 2027 plan of the department with one task, still a draft."""
    dep = department(db, code)
    profile = rulebooks_service.profile_for(db, dep)
    items = db.scalars(select(CheckItem).where(CheckItem.department_id == dep.id)).all()
    item = next(
        i
        for i in sorted(items, key=lambda i: i.code)
        if i.published is not None and i.published.list_type in profile.scope.item_list_types
    )
    actor = who(db, coordinator)
    plan = plans_service.create(db, actor, dep, year=2027, title="2027年度抽查计划（并发测试）")
    task = TaskInput(
        name="并发测试任务",
        main_item_id=item.id,
        window_start=dt.date(2027, 5, 1),
        window_end=dt.date(2027, 5, 31),
        methods=["实地核查"],
    )
    tasks_service.create(db, actor, plan, task)
    db.commit()
    return plan


# (verb, who, the moves before it, the body, the losers' refusal)
PLAN_MOVES = [
    ("submit", "luan", [], {"opinion": "报批"}, "当前为“待审批”，不能执行“提交审批”"),
    ("approve", "luan_leader", ["submit"], {"opinion": "同意"}, "当前为“已批准”，不能执行“批准”"),
    ("return", "luan_leader", ["submit"], {"opinion": "请补充"}, "当前为“已退回”，不能执行“退回”"),
    ("file", "luan", ["submit", "approve"], {"document_no": "备-1"}, "不能执行“备案”"),
    ("publish", "luan", ["submit", "approve", "file"], {}, "当前为“已公开”，不能执行“公开”"),
]


@pytest.mark.parametrize(("verb", "username", "before", "body", "refusal"), PLAN_MOVES)
def test_one_of_n_takes_a_plan_move(
    live: str,
    demo: Session,
    verb: str,
    username: str,
    before: list[str],
    body: dict[str, str],
    refusal: str,
) -> None:
    db = demo
    plan = _draft_plan(db, "341500-DAJ", "luan")
    coordinator, leader = who(db, "luan"), accounts_service.get_by_username(db, "luan_leader")
    assert leader is not None
    for done in before:
        if done == "submit":
            plans_service.submit(db, coordinator, plan)
        elif done == "approve":
            plans_service.approve(
                db, who(db, "luan_leader"), leader, plan, "同意", "六安〔2027〕1号"
            )
        else:
            plans_service.file(db, coordinator, plan, "备-1")
    db.commit()
    answers = race(f"{live}/api/v1/plans/{plan.id}/{verb}", bearer(db, username), body)
    assert_one_winner(answers, refusal)
    assert actions(db, f"plan.{verb}", plan.id) == 1
    assert actions(db, "plan.refused", plan.id) == N - 1
    db.expire_all()
    moved = plans_service.steps(db.get(AnnualPlan, plan.id))  # type: ignore[arg-type]
    assert [s.action for s in moved].count(verb) == 1
    if verb == "approve":
        given = select(func.count()).where(
            Approval.subject_type == "annual_plan", Approval.subject_id == plan.id
        )
        assert db.scalar(given) == 1  # the losers' approvals were not kept
    assert_chain_intact(db)


def _ceremony_until(live: str, db: Session, stop: str) -> tuple[int, dict[str, str]]:
    """Take the demo 淄博 task's draw through the API up to (not including) `stop`."""
    officer = bearer(db, "officer")
    tid = zibo_task(db).id
    db.commit()
    with httpx.Client(base_url=live, headers=officer, timeout=120) as api:
        made = api.post(f"/api/v1/tasks/{tid}/draw")
        assert made.status_code == 201, made.text
        did = int(made.json()["id"])
        steps = [
            ("entropy", {"drand": False, "dice_digits": 4}),
            ("commit", None),
            ("witnesses", {"name": "王监督", "kind": "综合法规科"}),
            ("dice", None),
            ("compute", None),
            ("publish", None),
        ]
        for name, body in steps:
            if name == stop:
                break
            if name == "dice":
                wid = api.get(f"/api/v1/draws/{did}").json()["witnesses"][0]["id"]
                body = {"witness_id": wid, "digits": "3141"}
            done = api.post(f"/api/v1/draws/{did}/{name}", json=body)
            assert done.status_code < 300, (name, done.text)
    return did, officer


DRAW_STEPS = [
    ("commit", "当前为“已承诺（待随机数）”，只有“准备中”时才能承诺"),
    ("compute", "当前为“已抽取”，只有“已承诺（待随机数）”时才能计算抽取结果"),
    ("publish", "当前为“已公开”"),
]


@pytest.mark.parametrize(("step", "refusal"), DRAW_STEPS)
def test_one_of_n_takes_a_draw_step(live: str, demo: Session, step: str, refusal: str) -> None:
    did, officer = _ceremony_until(live, demo, step)
    answers = race(f"{live}/api/v1/draws/{did}/{step}", officer)
    assert_one_winner(answers, refusal)
    assert actions(demo, f"draw.{step}", did) == 1
    assert actions(demo, "draw.refused", did) == N - 1
    draw = demo.get(Draw, did)
    assert draw is not None
    drawn = demo.scalars(select(DrawnTarget).where(DrawnTarget.task_id == draw.task_id)).all()
    assert len(drawn) == len({d.target_key for d in drawn})  # the losers drew nothing
    assert_chain_intact(demo)


def test_one_of_n_replaces_the_same_target(live: str, demo: Session) -> None:
    did, officer = _ceremony_until(live, demo, "publish")
    first = httpx.get(f"{live}/api/v1/draws/{did}", headers=officer).json()["outcome"][0]
    event = {
        "type": "replace-target",
        "target_key": first["target_key"],
        "reason": "无法联系",
    }
    answers = race(f"{live}/api/v1/draws/{did}/events", officer, event)
    assert_one_winner(answers, "当前的检查名单中（未被抽中或已被替换）")
    assert actions(demo, "draw.replace_target", did) == 1
    assert actions(demo, "draw.refused", did) == N - 1
    assert_chain_intact(demo)


def test_one_of_n_exchanges_the_same_inspectors(live: str, demo: Session) -> None:
    did, officer = _ceremony_until(live, demo, "publish")
    draw = demo.get(Draw, did)
    assert draw is not None
    a, i, b, j = exchangeable(demo, draw)
    demo.commit()
    event = {
        "type": "exchange",
        "target_key": a.key,
        "inspector_key": i,
        "second_target_key": b.key,
        "second_inspector_key": j,
        "approved_by": "王科长",
    }
    answers = race(f"{live}/api/v1/draws/{did}/events", officer, event)
    # The losers find i no longer in A's group (the winner moved it), or refused by the engine.
    assert_one_winner(answers, "当前的检查组中（可能已被调换或替换）")
    assert actions(demo, "draw.exchange", did) == 1
    assert actions(demo, "draw.refused", did) == N - 1
    demo.expire_all()
    rows = demo.scalars(select(DrawEvent).where(DrawEvent.draw_id == did)).all()
    assert sorted(e.seq for e in rows) == [1, 2]
    assert_chain_intact(demo)


def test_one_of_n_adjusts_a_filed_plan(live: str, demo: Session) -> None:
    plan = zibo_task(demo).plan
    assert plan is not None and plan.status.value in ("filed", "published"), plan.status
    answers = race(
        f"{live}/api/v1/plans/{plan.id}/adjust", bearer(demo, "coordinator"), {"reason": "增补任务"}
    )
    assert_one_winner(answers, "该计划已有调整中的版本")
    assert actions(demo, "plan.refused", plan.id) == N - 1
    versions = demo.scalars(select(AnnualPlan).where(AnnualPlan.based_on_id == plan.id)).all()
    assert len(versions) == 1
    assert_chain_intact(demo)


def test_one_of_n_publishes_a_draw_from_its_page(live: str, demo: Session) -> None:
    did, _officer = _ceremony_until(live, demo, "publish")
    cookies, form = browser(live, "officer")
    answers = race(f"{live}/draws/{did}/publish", data=form, cookies=cookies)
    assert_one_winner(answers, "当前为“已公开”")
    assert actions(demo, "draw.publish", did) == 1
    assert actions(demo, "draw.refused", did) == N - 1
    assert_chain_intact(demo)


def test_one_of_n_submits_then_approves_the_item_list_from_its_pages(
    live: str, demo: Session
) -> None:
    demo.commit()
    editor, form = browser(live, "coordinator")
    item = {
        "code": "ZB-RACE-1",
        "name": "并发测试事项",
        "list_type": "本部门",
        "kind": "一般",
        "ratio_bp": "5%",
        "methods": "实地核查",
        "domains": "环保",
    }
    with httpx.Client(base_url=live, cookies=editor, timeout=60) as client:
        made = client.post("/items/new", data={**item, **form})
        assert made.status_code == 303, made.text[-2000:]
    answers = race(f"{live}/items/releases", data={"note": "并发提交", **form}, cookies=editor)
    assert_one_winner(answers, "没有待提交的事项修改")
    releases = demo.scalars(select(CatalogRelease).where(CatalogRelease.note == "并发提交")).all()
    assert len(releases) == 1
    release = releases[0]
    leader, leader_form = browser(live, "leader")
    decision = {"decision": "approve", "opinion": "同意", **leader_form}
    answers = race(f"{live}/items/releases/{release.id}/decide", data=decision, cookies=leader)
    assert_one_winner(answers, "不能执行")
    assert actions(demo, "catalog.approve", release.id) == 1
    assert actions(demo, "catalog.refused", release.id) == N - 1
    assert_chain_intact(demo)


def test_one_of_n_prepares_the_draw_of_a_task(live: str, demo: Session) -> None:
    officer = bearer(demo, "officer")
    tid = zibo_task(demo).id
    demo.commit()
    answers = race(f"{live}/api/v1/tasks/{tid}/draw", officer)
    assert_one_winner(answers, "已有抽取")
    demo.expire_all()
    assert len(demo.scalars(select(Draw).where(Draw.task_id == tid)).all()) == 1
    assert_chain_intact(demo)


def test_one_of_n_enters_a_witness_dice(live: str, demo: Session) -> None:
    did, officer = _ceremony_until(live, demo, "dice")
    wid = httpx.get(f"{live}/api/v1/draws/{did}", headers=officer).json()["witnesses"][0]["id"]
    answers = race(
        f"{live}/api/v1/draws/{did}/dice", officer, {"witness_id": wid, "digits": "3141"}
    )
    assert_one_winner(answers, "已录入")
    assert actions(demo, "draw.dice", did) == 1
    assert actions(demo, "draw.refused", did) == N - 1
    assert_chain_intact(demo)


def test_one_of_n_deletes_a_task_and_n_adds_are_numbered_in_turn(live: str, demo: Session) -> None:
    plan = _draft_plan(demo, "341500-DAJ", "luan")
    token = bearer(demo, "luan")
    task = plan.tasks[0]
    body = {
        "name": "并发新增任务",
        "main_item": next(i.item_id for i in task.items if i.is_main),
        "window_start": "2027-06-01",
        "window_end": "2027-06-30",
        "methods": ["实地核查"],
    }
    added = race(f"{live}/api/v1/plans/{plan.id}/tasks", token, body)
    assert sorted(a.status for a in added) == [201] * N, [(a.status, a.message) for a in added]
    demo.expire_all()
    numbers = demo.scalars(select(Task.number).where(Task.plan_id == plan.id)).all()
    assert sorted(numbers) == list(range(1, N + 2))
    answers = race(f"{live}/api/v1/tasks/{task.id}", token, method="DELETE")
    assert_one_winner(answers, "已被删除", deleted=True)
    demo.expire_all()
    numbers = demo.scalars(select(Task.number).where(Task.plan_id == plan.id)).all()
    assert sorted(numbers) == list(range(1, N + 1))
    assert_chain_intact(demo)


def test_one_of_n_revokes_an_exemption(live: str, demo: Session) -> None:
    officer = bearer(demo, "officer")
    dep = department(demo, "370300-GXJ-JNZY")
    row = exemptions_service.add(
        demo,
        who(demo, "officer"),
        dep,
        target_key="913703000000000001",
        target_name="并发测试企业",
        valid_from=dt.date(2026, 1, 1),
        valid_until=None,
        basis="信用良好",
    )
    demo.commit()
    answers = race(f"{live}/api/v1/exemptions/{row.id}/revoke", officer)
    assert_one_winner(answers, "该免检记录已于")
    assert actions(demo, "exemption.revoke", row.id) == 1
    assert actions(demo, "exemption.refused", row.id) == N - 1
    assert_chain_intact(demo)
