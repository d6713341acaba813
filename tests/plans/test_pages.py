"""Plan and task pages: scoping (outsiders 404, participants see the joint task), the workflow
buttons, errors per field in Chinese, 409 for an illegal move, and a preview without candidates."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import DepartmentLevel
from spotcheck.plans.models import AnnualPlan, PlanStatus
from tests.conftest import login, post_form
from tests.plans.conftest import Agency


def _stranger(db: Session, make_user: Callable[..., User], agency: Agency) -> User:
    third = departments_service.create(
        db, SYSTEM, code="CITY-C", name="丙市局", level=DepartmentLevel.CITY, parent=agency.org.root
    )
    db.commit()
    return make_user("stranger", third, Role.COORDINATOR, Role.OFFICER, Role.LEADER)


def test_it_hides_plans_and_tasks_from_outsiders(
    agency: Agency, db: Session, client: TestClient, make_user: Callable[..., User]
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    task = agency.task(plan, agency.item("ZB-1"))
    db.commit()
    _stranger(db, make_user, agency)
    login(client, "stranger")
    for path in (
        f"/plans/{plan.id}",
        f"/plans/{plan.id}/tasks/new",
        f"/tasks/{task.id}",
        f"/tasks/{task.id}/edit",
        f"/tasks/{task.id}/eligibility",
        f"/tasks/{task.id}/eligibility/excluded.csv",
    ):
        assert client.get(path).status_code == 404, path
    assert plan.title not in client.get("/plans").text
    assert task.name not in client.get("/tasks").text
    response = post_form(client, f"/plans/{plan.id}/submit", {}, page="/plans")
    assert response.status_code == 404  # type: ignore[attr-defined]


def test_it_shows_the_agency_plan_to_its_sections(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    db.commit()
    login(client, "officer")  # sits in 甲市局一科, a section of 甲市局
    page = client.get(f"/plans/{plan.id}")
    assert page.status_code == 200 and plan.title in page.text
    assert 'id="new-task"' in page.text and 'id="submit-plan"' not in page.text


def test_it_shows_a_joint_task_to_the_participating_department(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("xinzhou-joint")
    plan = agency.plan()
    task = agency.task(
        plan, agency.item("XZ-1"), name="联合抽查任务", participant_ids=[agency.org.other.id]
    )
    db.commit()
    login(client, "outsider")  # 乙市局 takes part in the task
    listing = client.get("/tasks").text
    assert "联合抽查任务" in listing and "本部门参与" in listing
    detail = client.get(f"/tasks/{task.id}")
    assert detail.status_code == 200 and "乙市局" in detail.text
    assert f'href="/tasks/{task.id}/edit"' not in detail.text
    assert client.get(f"/tasks/{task.id}/eligibility").status_code == 200
    assert client.get(f"/tasks/{task.id}/edit").status_code == 403
    assert client.get(f"/plans/{plan.id}").status_code == 404


def test_it_creates_a_plan_through_the_form_with_next_year_and_the_usual_title(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zibo-gxj")
    db.commit()
    login(client, "coord")
    form = client.get("/plans/new").text
    assert 'value="2027"' in form and "甲市局2027年度“双随机、一公开”抽查工作计划" in form
    bad = post_form(
        client,
        "/plans/new",
        {"department_id": str(agency.org.own.id), "year": "明年", "title": ""},
        page="/plans/new",
    )
    assert bad.status_code == 400 and "计划年度应为四位数字年份" in bad.text  # type: ignore[attr-defined]
    made = post_form(
        client,
        "/plans/new",
        {"department_id": str(agency.org.own.id), "year": "2027", "title": "甲市局2027年度计划"},
        page="/plans/new",
    )
    assert made.status_code == 303  # type: ignore[attr-defined]
    plan = db.query(AnnualPlan).one()
    assert (plan.year, plan.department_id, plan.profile_code) == (
        2027,
        agency.org.own.id,
        "zibo-gxj",
    )
    assert "甲市局2027年度计划" in client.get("/plans").text
    # A second plan for the year is refused with a link to the one that exists.
    again = post_form(
        client,
        "/plans/new",
        {"department_id": str(agency.org.own.id), "year": "2027", "title": "又一份计划"},
        page="/plans/new",
    )
    assert again.status_code == 400 and "2027 年已有年度计划" in again.text  # type: ignore[attr-defined]
    assert f'href="/plans/{plan.id}">查看该计划</a>' in again.text  # type: ignore[attr-defined]


def test_it_shows_task_form_errors_per_field_in_chinese(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    draft = agency.item("ZB-9", published=False)
    db.commit()
    login(client, "officer")
    page = f"/plans/{plan.id}/tasks/new"
    response = post_form(
        client,
        page,
        {
            "name": "",
            "main_item_id": str(draft.id),
            "window_start": "2026-13-01",
            "window_end": "2026-12-31",
            "s_focus_ratio": "30",
            "s_focus_count": "3",
        },
        page=page,
    )
    text = response.text  # type: ignore[attr-defined]
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert '<p class="error" data-field="name">请填写任务名称</p>' in text
    assert 'data-field="window_start">开始日期应为日期' in text
    assert 'data-field="strata_settings.focus">“重点关注对象”请只填比例或数量之一' in text
    assert plan.tasks == []


def test_it_walks_the_workflow_through_the_pages_and_answers_409_to_an_illegal_move(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("xinzhou-joint")
    plan = agency.plan()
    agency.task(plan, agency.item("XZ-1"))
    db.commit()
    path = f"/plans/{plan.id}"
    login(client, "coord")
    assert post_form(client, f"{path}/submit", {}, page=path).status_code == 303  # type: ignore[attr-defined]
    # A coordinator has no approve button and the route refuses the role.
    assert 'id="approve-plan"' not in client.get(path).text
    assert post_form(client, f"{path}/approve", {}, page=path).status_code == 403  # type: ignore[attr-defined]
    login(client, "leader")
    page = client.get(path).text
    assert (
        'id="approve-plan"' in page
        and "审定文号（市人民政府，依据 001 第十三条第一款，必填）" in page
    )
    missing = post_form(client, f"{path}/approve", {"opinion": "同意"}, page=path)
    assert missing.status_code == 400 and "请填写审定文号" in missing.text  # type: ignore[attr-defined]
    done = post_form(
        client,
        f"{path}/approve",
        {"opinion": "同意", "document_no": "忻政函〔2026〕3号"},
        page=path,
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    again = post_form(client, f"{path}/return", {"opinion": "再看看"}, page=path)
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "年度计划当前为“已批准”，不能执行“退回”（当前可以：备案）" in again.text  # type: ignore[attr-defined]
    db.expire_all()
    assert db.get(AnnualPlan, plan.id).status == PlanStatus.APPROVED  # type: ignore[union-attr]
    timeline = client.get(path).text
    assert "忻政函〔2026〕3号" in timeline and "代录：市人民政府审定" in timeline


def test_it_previews_counts_and_exclusions_but_never_the_candidates(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zibo-gxj")
    candidates = agency.targets(6, name="候选企业甲")
    gone = agency.targets(1, name="已注销企业乙", status="注销")
    plan = agency.plan()
    task = agency.task(plan, agency.item("ZB-1"))
    db.commit()
    login(client, "officer")
    page = client.get(f"/tasks/{task.id}/eligibility").text
    assert candidates[0].name not in page and candidates[0].key not in page
    assert gone[0].name in page and "平台规则（细则未规定）" in page
    assert 'id="in-scope">7<' in page
    csv = client.get(f"/tasks/{task.id}/eligibility/excluded.csv")
    assert csv.status_code == 200 and "已注销企业乙" in csv.content.decode("utf-8-sig")
    assert candidates[0].name not in csv.content.decode("utf-8-sig")


def test_it_refuses_the_special_campaign_form_where_the_profile_does_not_allow_it(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zibo-gxj")
    db.commit()
    login(client, "officer")
    refused = client.get("/tasks/special/new")
    assert refused.status_code == 403 and "依据 002 第二条第二款" in refused.text
    assert "新建专项检查" not in client.get("/tasks").text
