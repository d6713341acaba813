"""What the plan page lists is what the submission enforces (plans.findings): the annual minimum
of 003 第十六条 refuses, 004's “20%左右” warns, a general item above its ratio is listed before the
submission refuses it, and a 000 joint task without 配合部门 is warned about (000 第五、九条)."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.errors import DomainError
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan, PlanStatus
from tests.conftest import login, post_form
from tests.plans.conftest import Agency, actor


def _page(client: TestClient, plan: AnnualPlan) -> str:
    return html.unescape(client.get(f"/plans/{plan.id}").text)


def _submit(client: TestClient, plan: AnnualPlan) -> tuple[int, str]:
    path = f"/plans/{plan.id}"
    response = post_form(client, f"{path}/submit", {}, page=path)
    return response.status_code, html.unescape(response.text)  # type: ignore[attr-defined]


def test_it_refuses_a_003_plan_below_the_annual_minimum_with_the_figure_and_the_article(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zaozhuang-gxq")
    agency.targets(100)
    plan = agency.plan()
    task = agency.task(plan, agency.item("ZZ-1"), strata_settings={"all": {"count": 4}})
    db.commit()
    login(client, "coord")

    blocker = (
        "年度抽查比例不足：2026年计划抽查 4 户次，名录库可抽取对象 100 户，占 4%，"
        "低于规定的最低比例5%（依据 003 第十六条；同一检查对象被两个任务抽取时计两次）"
    )
    status, refused = _submit(client, plan)
    assert status == 400 and blocker in refused
    assert f"✘ 不能提交：{blocker}" in _page(client, plan)
    db.expire_all()
    assert db.get(AnnualPlan, plan.id).status == PlanStatus.DRAFT  # type: ignore[union-attr]

    task.strata_settings = {"all": {"count": 5}}
    db.commit()
    assert "✔ 没有阻止提交的问题" in _page(client, plan)
    assert _submit(client, plan)[0] == 303


def test_it_only_warns_when_a_004_plan_is_away_from_its_annual_target(
    agency: Agency, db: Session
) -> None:
    agency.adopt("luan-daj")
    agency.targets(100, target_type="其他组织")
    plan = agency.plan()
    agency.task(plan, agency.item("LA-1"), strata_settings={"all": {"count": 30}})
    db.flush()
    from spotcheck.plans import findings

    found = findings.for_submission(db, plan)
    assert found.ok and len(found.warnings) == 1
    assert "偏离20%左右（15%–25%）（依据 004 二（三）" in found.warnings[0]
    plans_service.submit(db, actor(agency.coordinator), plan)
    assert plan.status == PlanStatus.SUBMITTED


def test_it_lists_a_general_item_above_its_ratio_on_the_page_before_refusing_it(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zibo-gxj")
    agency.targets(20)
    plan = agency.plan()
    general = agency.item("ZB-G", kind="一般")  # the list caps it at 5%
    task = agency.task(plan, general, strata_settings={"general": {"ratio": 0.5}})
    db.commit()
    login(client, "coord")

    page = _page(client, plan)
    problem = (
        "依据 002 第五条第二款：一般检查事项“事项ZB-G”（ZB-G）的抽查比例不得超过5%；"
        "本任务 20 个候选对象最多抽取 1 个，现为 10 个"
    )
    table = page[page.index('id="plan-tasks"') : page.index('id="annual-ratio"')]
    assert problem in table and 'class="tag green">无<' not in table
    status, refused = _submit(client, plan)
    assert status == 400 and f"任务 1“{task.name}”：{problem}" in refused

    task.strata_settings = {"general": {"ratio": 0.05}}
    db.commit()
    table = _page(client, plan)
    assert "依据 002 第五条第二款" not in table and "✔ 没有阻止提交的问题" in table
    assert _submit(client, plan)[0] == 303


def test_it_says_a_plan_without_tasks_cannot_be_submitted_before_it_is_tried(
    agency: Agency, db: Session
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    from spotcheck.plans import findings

    found = findings.for_submission(db, plan)
    assert found.blockers == [findings.NO_TASKS]
    with pytest.raises(DomainError, match=findings.NO_TASKS):
        plans_service.submit(db, actor(agency.coordinator), plan)


def test_it_warns_about_a_000_joint_task_without_participants(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("shanxi-daj")
    agency.targets(20)
    plan = agency.plan()
    item = agency.item("SX-1", list_type="部门联合")
    alone = agency.task(plan, item, name="无配合部门的任务")
    joint = agency.task(plan, item, name="联合任务", participant_ids=[agency.org.other.id])
    db.commit()
    login(client, "coord")

    warning = (
        "本任务没有配合部门：依据 000 第五条、000 第九条，本细则的抽查事项均为部门联合抽查事项"
    )
    page = _page(client, plan)
    assert page.count(f"提示：{warning}") == 1
    task_page = html.unescape(client.get(f"/tasks/{alone.id}").text)
    readiness = task_page[task_page.index('id="draw-readiness"') : task_page.index("工作方案")]
    assert warning in readiness
    assert "本任务没有配合部门" not in client.get(f"/tasks/{joint.id}").text
    # A warning, not a blocker: the plan goes to approval.
    assert _submit(client, plan)[0] == 303


def test_it_marks_the_004_target_as_a_warning_and_the_003_minimum_as_a_blocker_on_the_page(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("luan-daj")
    agency.targets(100, target_type="其他组织")
    plan = agency.plan()
    agency.task(plan, agency.item("LA-1"), strata_settings={"all": {"count": 30}})
    db.commit()
    login(client, "coord")
    page = _page(client, plan)
    ratio = page[page.index('id="annual-ratio"') :]
    assert "！ 2026年计划抽查 30 户次" in ratio and "（提示，不影响提交）" in ratio
    assert "✘" not in ratio and "✘ 不能提交" not in page
