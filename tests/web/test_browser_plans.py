"""A coordinator who has never seen the system plans a joint task in a real browser: a plan, a
task with a participating department, approval with the 市政府's document number, filing,
publication, then the eligibility preview (counts only, never the candidates)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.web.conftest import log_in, shot

pytestmark = pytest.mark.browser

# The demo may already hold 忻州's 2027 draft: this journey plans the year after.
YEAR = "2028"


def _switch(page: Page, served: str, username: str) -> None:
    page.click("header.top >> text=退出")
    log_in(page, served, username)


def test_it_takes_a_joint_plan_from_draft_to_published_and_previews_a_task(
    served: str, page: Page, tmp_path: Path
) -> None:
    log_in(page, served, "xinzhou")  # 忻州市市场监督管理局: coordinator and task officer
    page.click("nav.main >> text=年度计划")
    page.wait_for_url(served + "/plans")
    page.click("#new-plan")
    assert page.input_value("#year") == "2027"
    assert "忻州市市场监督管理局2027年度" in page.input_value("#title")
    page.fill("#year", YEAR)
    page.fill("#title", f"忻州市市场监督管理局{YEAR}年度部门联合抽查计划")
    page.click("#create-plan")
    assert page.inner_text("#plan-status") == "草稿"
    assert "工作日历尚未导入" in page.inner_text("#plan-due")
    plan_url = page.url

    page.click("#new-task")
    page.fill("#name", "2028年获证企业联合抽查")
    page.select_option(
        "#main_item_id",
        label=page.locator("#main_item_id option", has_text="XZ-LH-002").inner_text(),
    )
    page.check("#other-items >> label:has-text('XZ-GX-001') >> input")
    page.check("#participants >> label:has-text('忻州市工业和信息化局') >> input")
    page.fill("#window_start", f"{YEAR}-04-01")
    page.fill("#window_end", f"{YEAR}-10-31")
    page.fill("input[name=s_c_ratio]", "30")
    page.fill("#requirements", "发起部门执法人员任组长；参与部门各自匹配执法检查人员。")
    shot(page, "task-form.png", tmp_path)
    page.click("#save-task")
    assert "已保存" in page.inner_text("main")
    assert "忻州市工业和信息化局" in page.inner_text("#task-plan")

    page.goto(plan_url)
    assert "2028年获证企业联合抽查" in page.inner_text("#plan-tasks")
    page.click("#submit-plan")
    assert page.inner_text("#plan-status") == "待审批"

    _switch(page, served, "xinzhou_leader")
    page.goto(plan_url)
    page.click("#approve-plan")  # without the 审定文号 the approval is refused
    assert "请填写审定文号" in page.inner_text("#plan-error")
    page.fill("#document_no", f"忻政函〔{YEAR}〕8号")
    page.click("#approve-plan")
    assert page.inner_text("#plan-status") == "已批准"

    _switch(page, served, "xinzhou")
    page.goto(plan_url)
    page.fill("#file-document_no", f"晋双随机办备〔{YEAR}〕3号")
    page.click("#file-plan")
    assert page.inner_text("#plan-status") == "已备案"
    page.click("#publish-plan")
    assert page.inner_text("#plan-status") == "已公开"
    steps = page.inner_text("#plan-steps")
    for expected in (
        "提交审批",
        "批准",
        f"忻政函〔{YEAR}〕8号",
        "代录：市人民政府审定",
        "备案",
        "公开",
        "罗勇",
    ):
        assert expected in steps
    shot(page, "plan-detail.png", tmp_path)

    page.click("nav.main >> text=年度计划")
    assert f"忻州市市场监督管理局{YEAR}年度部门联合抽查计划" in page.inner_text("#plans")
    shot(page, "plan-list.png", tmp_path)

    page.click("nav.main >> text=抽查任务")
    row = page.locator("#tasks tr", has_text="2028年获证企业联合抽查")
    assert "可进入抽取" in row.inner_text()
    row.locator("a").first.click()
    page.click("#eligibility-link")
    assert int(page.inner_text("#in-scope")) > 0
    assert int(page.inner_text("#total-quota")) > 0
    assert "不在可抽取状态" in page.inner_text("#exclusion-counts")
    shot(page, "eligibility.png", tmp_path)
