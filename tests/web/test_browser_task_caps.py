"""In a real browser, choosing a general main item starts the blank strata at the item's ratio cap
and shows the cap next to each ratio; choosing a key item instead gives the defaults back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.web.conftest import log_in

pytestmark = pytest.mark.browser

RATIOS = "#strata-settings input[name$=_ratio]"


def test_it_starts_the_strata_within_a_general_items_cap_when_the_item_is_chosen(
    served: str, page: Page
) -> None:
    log_in(page, served, "xinzhou")  # 忻州: default strata 100% / 20% / 50% / … / 3%
    page.goto(served + "/plans/new")
    page.fill("#year", "2029")
    page.click("#create-plan")
    page.click("#new-task")
    page.fill("input[name=s_c_ratio]", "15")  # typed by the officer: kept as it is

    general = page.locator("#main_item_id option", has_text="XZ-LH-001").inner_text()
    page.select_option("#main_item_id", label=general)  # 一般, its list ratio 3%
    values = page.locator(RATIOS).evaluate_all("els => els.map(e => e.value)")
    # d, c (typed), listed, complaints, unchecked ×3, B 5%: all to 3%; A 2%, other 3% stay blank.
    assert values == ["3", "15", "3", "3", "3", "3", "3", "3", "", ""]
    assert page.locator("[data-cap-hint]").first.inner_text() == "上限 3%"
    assert "所选主事项的比例上限：3%" in page.inner_text("#general-cap")

    key = page.locator("#main_item_id option", has_text="XZ-LH-002").inner_text()
    page.select_option("#main_item_id", label=key)  # 重点: no cap
    values = page.locator(RATIOS).evaluate_all("els => els.map(e => e.value)")
    assert values == ["", "15", "", "", "", "", "", "", "", ""]
    assert page.locator("[data-cap-hint]").first.inner_text() == ""
