"""The plans JSON API with bearer tokens: the whole workflow, roles, scoping, task bodies with
codes or ids, and the eligibility preview that never names a candidate."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.plans.models import AnnualPlan, PlanStatus, Task
from spotcheck.rulebooks.schema import cite
from tests.plans_cli.world import YEAR, World, item_rule_article


def _api(app: FastAPI) -> TestClient:
    return TestClient(app)  # another system: no cookies, only the token


def _plan(api: TestClient, world: World, **body: Any) -> dict[str, Any]:
    made = api.post(
        "/api/v1/plans",
        json={"department": "CITY-A", "year": YEAR, **body},
        headers=world.token(world.coordinator),
    )
    assert made.status_code == 201, made.text
    plan: dict[str, Any] = made.json()
    return plan


def test_it_runs_the_whole_workflow_through_the_api(
    app: FastAPI, world: World, db: Session
) -> None:
    api = _api(app)
    coord, officer, leader = (
        world.token(world.coordinator),
        world.token(world.officer),
        world.token(world.leader),
    )
    plan = _plan(api, world)
    assert plan["status"] == "draft" and plan["profile_code"] == "xinzhou-joint"
    assert plan["title"] == f"甲市局{YEAR}年度“双随机、一公开”抽查工作计划"
    assert "尚未导入" in plan["due"]["text"]  # 2027 is not in the calendar yet
    pid = plan["id"]
    created = api.post(f"/api/v1/plans/{pid}/tasks", json=world.task_doc(), headers=officer)
    assert created.status_code == 201, created.text
    task = created.json()
    assert [i["code"] for i in task["items"]] == ["JG-001", "JG-002", "YB-001"]
    assert task["items"][0]["main"] and task["participants"][0]["code"] == "CITY-B"
    assert not task["may_draw"] and any("草稿" in b for b in task["blockers"])

    patched = api.patch(f"/api/v1/plans/{pid}", json={"description": "全年联合抽查"}, headers=coord)
    assert patched.status_code == 200 and patched.json()["description"] == "全年联合抽查"
    assert api.post(f"/api/v1/plans/{pid}/submit", json={}, headers=coord).status_code == 200
    no_number = api.post(f"/api/v1/plans/{pid}/approve", json={}, headers=leader)
    assert no_number.status_code == 400 and "审定文号" in no_number.json()["detail"]
    approved = api.post(
        f"/api/v1/plans/{pid}/approve",
        json={"opinion": "同意", "document_no": "忻政字〔2027〕3号"},
        headers=leader,
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    step = approved.json()["steps"][-1]
    assert (step["actor"], step["opinion"], step["document_no"]) == (
        "LEADER",
        "同意",
        "忻政字〔2027〕3号",
    )
    assert step["on_behalf_of"] == "市人民政府" and step["rule"].startswith("依据 001")
    assert api.post(f"/api/v1/plans/{pid}/file", json={}, headers=coord).status_code == 200
    published = api.post(f"/api/v1/plans/{pid}/publish", json={}, headers=coord)
    assert published.status_code == 200
    body = published.json()
    assert body["status_label"] == "已公开"
    assert [s["action"] for s in body["steps"]] == [
        "create",
        "submit",
        "approve",
        "file",
        "publish",
    ]
    assert body["tasks"][0]["expected"] == body["annual"]["planned_total"]
    assert "名录库可抽取对象 5 户" in body["annual"]["message"]

    ready = api.get(f"/api/v1/tasks/{task['id']}", headers=officer).json()
    assert ready["may_draw"] and ready["blockers"] == []
    preview = api.get(f"/api/v1/tasks/{task['id']}/eligibility", headers=officer)
    assert preview.status_code == 200
    result = preview.json()
    assert (result["in_scope"], result["candidates"], result["excluded_total"]) == (7, 5, 2)
    d = next(s for s in result["strata"] if s["key"] == "d")
    assert (d["candidates"], d["ratio"], d["quota"]) == (1, 1.0, 1)
    assert d["article"].startswith("001 ") and "D" in d["rule"] and d["quota_text"]
    counts = {c["code"]: c for c in result["exclusion_counts"]}
    assert (
        counts["status"]["count"] == 2 and counts["status"]["article"] == "平台规则（细则未规定）"
    )
    assert {e["key"] for e in result["excluded"]} == {t.key for t in world.closed}
    assert all(e["reason"] and e["article"] for e in result["excluded"])
    candidates = world.candidate_keys(task["id"])
    assert len(candidates) == 5
    assert not [key for key in candidates if key in preview.text]
    assert "candidate" not in preview.text.replace('"candidates"', "")

    listed = api.get("/api/v1/plans", params={"year": YEAR}, headers=officer).json()
    assert [p["id"] for p in listed] == [pid]
    adjusted = api.post(f"/api/v1/plans/{pid}/adjust", json={"reason": "增加任务"}, headers=coord)
    assert adjusted.status_code == 201
    assert adjusted.json()["version"] == 2 and len(adjusted.json()["tasks"]) == 1
    db.expire_all()
    assert db.get(AnnualPlan, pid).status == PlanStatus.PUBLISHED  # type: ignore[union-attr]


def test_it_refuses_by_role_and_hides_plans_from_outsiders(app: FastAPI, world: World) -> None:
    api = _api(app)
    pid = _plan(api, world)["id"]
    officer, coord = world.token(world.officer), world.token(world.coordinator)
    outsider, partner = world.token(world.outsider), world.token(world.partner)
    task = api.post(f"/api/v1/plans/{pid}/tasks", json=world.task_doc(), headers=officer).json()
    assert api.post(f"/api/v1/plans/{pid}/submit", json={}, headers=officer).status_code == 403
    assert api.post(f"/api/v1/plans/{pid}/submit", json={}, headers=coord).status_code == 200
    refused = api.post(f"/api/v1/plans/{pid}/approve", json={"document_no": "x"}, headers=officer)
    assert refused.status_code == 403 and "领导审批" in refused.json()["detail"]
    for path in (f"/api/v1/plans/{pid}", f"/api/v1/tasks/{task['id']}",
                 f"/api/v1/tasks/{task['id']}/eligibility"):  # fmt: skip
        hidden = api.get(path, headers=outsider)
        assert hidden.status_code == 404 and "未找到" in hidden.json()["detail"], path
    # An outsider leader cannot approve what they cannot see.
    assert (
        api.post(f"/api/v1/plans/{pid}/approve", json={"document_no": "x"}, headers=outsider)
    ).status_code == 404
    assert api.get("/api/v1/plans", headers=outsider).json() == []
    assert api.get("/api/v1/tasks", headers=outsider).json() == []
    # The participating department sees the joint task, but not the plan, and cannot edit it.
    assert api.get(f"/api/v1/tasks/{task['id']}", headers=partner).status_code == 200
    assert [t["id"] for t in api.get("/api/v1/tasks", headers=partner).json()] == [task["id"]]
    assert api.get(f"/api/v1/plans/{pid}", headers=partner).status_code == 404
    edit = api.put(f"/api/v1/tasks/{task['id']}", json=world.task_doc(), headers=partner)
    assert edit.status_code == 403
    late = api.put(f"/api/v1/tasks/{task['id']}", json=world.task_doc(), headers=officer)
    assert late.status_code == 409 and "待审批" in late.json()["detail"]
    returned = api.post(f"/api/v1/plans/{pid}/return", json={}, headers=world.token(world.leader))
    assert returned.status_code == 400 and "审批意见" in returned.json()["detail"]
    assert api.get("/api/v1/plans").status_code == 401


def test_it_takes_codes_or_ids_and_names_every_problem_of_a_task(
    app: FastAPI, world: World, db: Session
) -> None:
    api = _api(app)
    pid = _plan(api, world)["id"]
    officer = world.token(world.officer)
    bad = world.task_doc(main_item="JG-009", participants=["CITY-B", "NOWHERE"], methods=[])
    refused = api.post(f"/api/v1/plans/{pid}/tasks", json=bad, headers=officer)
    assert refused.status_code == 400
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}  # the API error shape
    assert "清单之外无抽查" in errors["main_item"]
    assert cite(item_rule_article(db)) in errors["main_item"]
    assert "NOWHERE" in errors["participants"] and "检查方式" in errors["methods"]
    assert db.scalar(select(Task.id)) is None
    wrong_type = api.post(
        f"/api/v1/plans/{pid}/tasks",
        json={**world.task_doc(), "window_end": "明年"},
        headers=officer,
    )
    assert wrong_type.status_code == 422 and "window_end" in wrong_type.json()["detail"]

    by_ids = world.task_doc(
        main_item=world.main.id,
        other_items=[world.partner_item.id],
        participants=[world.org.other.id],
    )
    made = api.post(f"/api/v1/plans/{pid}/tasks", json=by_ids, headers=officer)
    assert made.status_code == 201, made.text
    tid = made.json()["id"]
    assert [i["code"] for i in made.json()["items"]] == ["JG-001", "YB-001"]
    replaced = api.put(
        f"/api/v1/tasks/{tid}",
        json=world.task_doc(name="只查本部门", other_items=[], participants=[]),
        headers=officer,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "只查本部门" and replaced.json()["participants"] == []
    assert (
        api.delete(f"/api/v1/tasks/{tid}", headers=world.token(world.outsider)).status_code == 404
    )
    assert api.delete(f"/api/v1/tasks/{tid}", headers=officer).status_code == 204
    assert api.get(f"/api/v1/tasks/{tid}", headers=officer).status_code == 404


def test_it_documents_the_plan_api_in_openapi(app: FastAPI, client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/plans",
        "/api/v1/plans/{plan_id}",
        "/api/v1/plans/{plan_id}/approve",
        "/api/v1/plans/{plan_id}/tasks",
        "/api/v1/tasks/{task_id}",
        "/api/v1/tasks/{task_id}/eligibility",
    ):
        assert path in paths, path
    models = schema["components"]["schemas"]
    assert {"PlanDetail", "TaskDoc", "TaskDetail", "EligibilityOut"} <= set(models)
    assert "candidates" in models["StratumOut"]["properties"]
    assert models["StratumOut"]["properties"]["candidates"]["type"] == "integer"  # a count only


def test_it_creates_a_special_campaign_marked_as_such(
    app: FastAPI, world: World, db: Session
) -> None:
    api = _api(app)
    officer = world.token(world.officer)
    body = {
        **world.task_doc(participants=[], other_items=[]),
        "department": "CITY-A",
        "special_basis": "上级部署的专项检查（忻市监〔2027〕2号）",
    }
    made = api.post("/api/v1/tasks/special", json=body, headers=officer)
    assert made.status_code == 201, made.text
    task = db.get(Task, made.json()["id"])
    assert task is not None and task.special and task.plan_id is None
    missing = api.post("/api/v1/tasks/special", json={**body, "special_basis": ""}, headers=officer)
    assert missing.status_code == 400 and "部署文件" in missing.text
    outside = api.post(
        "/api/v1/tasks/special", json={**body, "department": "CITY-C"}, headers=officer
    )
    assert outside.status_code == 404


def test_it_lists_in_the_plan_the_problems_its_submission_refuses(
    app: FastAPI, world: World, db: Session
) -> None:
    api = _api(app)
    coord, officer = world.token(world.coordinator), world.token(world.officer)
    world.item("JG-G", kind="一般")  # its list ratio: 5%
    db.commit()
    pid = _plan(api, world)["id"]
    doc = world.task_doc(main_item="JG-G", other_items=[], participants=[])
    assert api.post(f"/api/v1/plans/{pid}/tasks", json=doc, headers=officer).status_code == 201

    shown = api.get(f"/api/v1/plans/{pid}", headers=coord).json()
    problems = shown["tasks"][0]["problems"]
    assert (
        len(problems) == 1 and "一般检查事项“事项JG-G”（JG-G）的抽查比例不得超过5%" in problems[0]
    )
    assert shown["blockers"] == []
    refused = api.post(f"/api/v1/plans/{pid}/submit", json={}, headers=coord)
    assert refused.status_code == 400 and problems[0] in refused.json()["detail"]
