"""Rulebooks and the 免检免扰 list in a real browser: an expired profile, a copy edited, an entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import log_in, shot

pytestmark = pytest.mark.browser


def test_it_walks_an_admin_through_a_profile_copy_and_its_diff(
    served: str, page: Page, tmp_path: Path
) -> None:
    log_in(page, served, "admin")
    page.click("nav.main >> text=细则配置")
    page.wait_for_url(served + "/rulebooks")
    zibo_row = page.locator("#rulebook-list tr", has_text="zibo-gxj")
    assert "已失效" in zibo_row.inner_text()
    adoptions = page.locator("#adoptions").inner_text()
    assert "淄博市工业和信息化局" in adoptions and "沿用 淄博市工业和信息化局" in adoptions

    zibo_row.locator("a").first.click()
    page.wait_for_url(served + "/rulebooks/zibo-gxj")
    assert "2025-06-05" in page.locator("#rulebook-warning").inner_text()
    assert page.get_by_text("002 第十二条第一款").first.is_visible()
    shot(page, "rulebook.png", tmp_path)

    page.fill("#new_code", "zibo-gxj-2026")
    page.click("#copy-form button")
    page.wait_for_url(served + "/rulebooks/zibo-gxj-2026/edit")
    text = page.input_value("#text")
    page.fill("#text", text.replace("ratio = 0.3\n", "ratio = 1.5\n"))
    page.click("#rulebook-form button[type=submit]")
    problems = page.locator("#rulebook-problems").inner_text()
    line = next(n for n, s in enumerate(text.splitlines(), 1) if s == "ratio = 0.3")
    assert f"第 {line} 行（strata[1].ratio）：不能大于 1" in problems
    assert "ratio = 1.5" in page.input_value("#text")  # the text is kept for correction

    page.fill("#text", text.replace("ratio = 0.3\n", "ratio = 0.4\n"))
    page.click("#rulebook-form button[type=submit]")
    page.wait_for_url(served + "/rulebooks/zibo-gxj-2026?done=saved")
    page.click("text=与原细则的差异")
    diff = page.locator("#rulebook-diff").inner_text()
    assert "抽查分层第 1 层 › 比例" in diff and "0.3" in diff and "0.4" in diff
    shot(page, "rulebook-diff.png", tmp_path)


def test_it_lets_an_officer_put_a_target_on_the_exemption_list(
    served: str, page: Page, tmp_path: Path
) -> None:
    log_in(page, served, "zhangdian")  # 张店区: admin and task officer with a registry
    page.click("nav.main >> text=检查对象")
    first = page.locator("table.grid tr").nth(1)
    key = first.locator("td.mono").first.inner_text()
    name = first.locator("td a").first.inner_text()
    page.click("text=免检免扰名单")
    page.wait_for_url(served + "/targets/exemptions")

    page.fill("#target_key", key)
    page.locator("#target_key").dispatch_event("change")
    expect(page.locator("#target_name")).to_have_value(name)  # htmx fills it from the registry
    page.fill("#valid_until", "2027-12-31")
    page.fill("#basis", "张工信发〔2026〕12号 免检免扰企业名单")
    page.click("#exemption-form button[type=submit]")
    page.wait_for_url(served + "/targets/exemptions?done=added")
    listed = page.locator("#exemption-list").inner_text()
    assert key in listed and name in listed and "有效" in listed
    shot(page, "exemptions.png", tmp_path)
