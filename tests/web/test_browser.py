"""A real browser (Debian's chromium driven by Playwright) logs in to a served demo instance."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from spotcheck.demo.data import DEMO_PASSWORD
from tests.web.conftest import shot

pytestmark = pytest.mark.browser


def test_it_logs_the_printed_admin_in_through_a_real_browser(
    served: str, page: Page, tmp_path: Path
) -> None:
    page.goto(served + "/")
    assert page.url.startswith(served + "/login")
    assert page.locator("h1").inner_text() == "双随机、一公开监管平台"
    shot(page, "login.png", tmp_path)

    page.fill("#username", "admin")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator(".flash.error").inner_text()

    page.fill("#username", "admin")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(served + "/")
    assert page.locator("h1").inner_text() == "山东省工业和信息化厅"
    assert "王建国" in page.locator("header.top").inner_text()
    assert page.locator(".card .num").first.inner_text() == "9"  # departments in the demo tree
    shot(page, "home.png", tmp_path)

    page.click("text=部门管理")
    assert page.locator("table.grid").get_by_text("淄博市工业和信息化局").is_visible()
    shot(page, "departments.png", tmp_path)

    page.click("text=用户管理")
    assert page.locator("table.grid").get_by_text("inspector1").is_visible()
    assert "审批：主要领导" in page.locator("table.grid tr", has_text="刘洋").inner_text()
    shot(page, "users.png", tmp_path)

    # A leader's approval level (审批层级) is set on the user form and shown in the list.
    page.locator("table.grid tr", has_text="刘洋").get_by_role("link").click()
    assert page.locator("#approval_level option:checked").inner_text() == "主要领导"
    page.select_option("#approval_level", "deputy")
    page.click("form.stack button[type=submit]")
    assert "已保存" in page.locator(".flash.ok").inner_text()
    assert page.locator("#approval_level option:checked").inner_text() == "分管领导"
    shot(page, "user-form.png", tmp_path)
    page.click("text=返回")
    assert "审批：分管领导" in page.locator("table.grid tr", has_text="刘洋").inner_text()

    page.goto(served + "/admin/calendar?year=2026")
    page.fill("#start", "2026-09-30")
    page.fill("#n", "1")
    page.click("#workday-calc button")
    page.wait_for_selector("#workday-answer p.ok")
    assert "2026-10-08" in page.locator("#workday-answer").inner_text()  # htmx answered in place
    shot(page, "calendar.png", tmp_path)

    page.goto(served + "/admin/audit?verify=1")
    assert "哈希链完整" in page.locator(".flash.ok").inner_text()
    shot(page, "audit.png", tmp_path)

    page.click("header.top >> text=退出")
    page.wait_for_url(served + "/login")
