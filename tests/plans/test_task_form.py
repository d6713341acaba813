"""The task form tells the officer, next to the field and with the rule, what a date outside the
plan year breaks, and starts a general main item's strata from quotas within its ratio cap."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.plans import findings
from spotcheck.plans.models import AnnualPlan
from tests.conftest import login, post_form
from tests.plans.conftest import Agency


def _form(item_id: int, start: str, end: str) -> dict[str, object]:
    return {
        "name": "跨年的任务",
        "main_item_id": str(item_id),
        "window_start": start,
        "window_end": end,
        "methods": "实地核查",
    }


def test_it_refuses_dates_outside_the_plan_year_on_the_field_with_the_rule(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("zibo-gxj")
    plan = agency.plan()
    item = agency.item("ZB-1")
    db.commit()
    login(client, "officer")
    page = f"/plans/{plan.id}/tasks/new"

    form = html.unescape(client.get(page).text)
    assert 'id="window_start" name="window_start" type="date"' in form
    assert 'min="2026-01-01" max="2026-12-31"' in form
    platform = "平台规则（细则未规定）：年度计划中的任务在计划年度内实施"
    assert f"开始和结束日期须在计划年度 2026 年内（2026-01-01 至 2026-12-31；{platform}" in form

    response = post_form(client, page, _form(item.id, "2026-11-01", "2027-01-31"), page=page)
    text = html.unescape(response.text)  # type: ignore[attr-defined]
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert (
        '<p class="error" data-field="window_end">结束日期 2027-01-31 不在计划年度 2026 年内，'
        f"应在 2026-01-01 至 2026-12-31 之间（{platform}" in text
    )
    assert 'data-field="window_start"' not in text  # the start is within the year
    assert "002 第二条第二款：年度计划以自然年为单位" not in text  # 002 does not say so
    db.expire_all()
    assert plan.tasks == []


def test_it_cites_001_where_the_plan_is_made_by_natural_year(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("xinzhou-joint")
    plan = agency.plan()
    item = agency.item("XZ-1")
    db.commit()
    login(client, "officer")
    page = f"/plans/{plan.id}/tasks/new"
    response = post_form(client, page, _form(item.id, "2025-12-01", "2026-03-31"), page=page)
    text = html.unescape(response.text)  # type: ignore[attr-defined]
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert (
        'data-field="window_start">开始日期 2025-12-01 不在计划年度 2026 年内，'
        "应在 2026-01-01 至 2026-12-31 之间（依据 001 第十三条：以自然年为单位制定年度部门联合抽查计划）"
    ) in text
    assert 'data-field="window_end"' not in text


def test_it_starts_a_general_items_strata_within_its_cap_and_shows_the_cap(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("shanxi-daj")  # default strata 50% / 30% / 10% / 5% / 10%
    agency.targets(20)  # B class: the 10% stratum, 2 by default where the item allows 1
    plan = agency.plan()
    general = agency.item("SX-G", kind="一般", list_type="部门联合")  # its list ratio: 5%
    db.commit()
    login(client, "officer")
    page = f"/plans/{plan.id}/tasks/new"

    form = html.unescape(client.get(f"{page}?main_item_id={general.id}").text)
    ratios = dict(re.findall(r'name="(s_\w+_ratio)" [^>]*value="([^"]*)"', form))
    assert ratios == {
        "s_focus_ratio": "5",
        "s_high_ratio": "5",
        "s_b_ratio": "5",
        "s_low_ratio": "",  # its default 5% is within the cap
        "s_other_ratio": "5",
    }
    assert form.count("上限 5%</span>") == 5
    assert "所选主事项的比例上限：5%。" in form and "依据 000 第九条" in form
    assert f'value="{general.id}" selected data-cap="5"' in form

    values = {**_form(general.id, "2026-03-01", "2026-11-30"), **ratios}
    assert post_form(client, page, values, page=page).status_code == 303  # type: ignore[attr-defined]
    db.expire_all()
    task = db.get(AnnualPlan, plan.id).tasks[0]  # type: ignore[union-attr]
    assert task.strata_settings["b"] == {"ratio": 0.05}
    assert findings.for_submission(db, plan).tasks[task.id].blockers == []


def test_it_leaves_a_key_items_strata_at_the_profile_defaults(
    agency: Agency, db: Session, client: TestClient
) -> None:
    agency.adopt("shanxi-daj")
    plan = agency.plan()
    key = agency.item("SX-K", kind="重点", list_type="部门联合")
    db.commit()
    login(client, "officer")
    form = client.get(f"/plans/{plan.id}/tasks/new?main_item_id={key.id}").text
    assert re.findall(r'name="s_\w+_ratio" [^>]*value="([^"]*)"', form) == [""] * 5
    assert "上限 " not in form and "所选主事项的比例上限" not in form
