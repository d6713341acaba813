"""A task officer and two witnesses run a draw ceremony with dice in a real browser: the officer
prepares and commits (dice only, 2 witnesses × 5 digits), each witness logs in on their own and
enters their digits, the officer computes and publishes, then the public portal shows the draw."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from spotcheck.departments import service as departments_service
from spotcheck.plans import service as plans_service
from tests.web.conftest import log_in, second_witness, shot

pytestmark = pytest.mark.browser


def _witness_enters(browser: Browser, served: str, username: str, url: str, digits: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    log_in(page, served, username)
    page.goto(url)
    assert "您是本次抽取的监督人" in page.inner_text("#witnesses")
    page.locator("#witness-list input[name=digits]").fill(digits)
    page.locator("#witness-list button[type=submit]").click()
    page.wait_for_selector("text=骰子数字已录入")
    return page


def test_it_walks_an_officer_and_two_witnesses_through_a_ceremony_with_dice(
    served: str, page: Page, db: Session, tmp_path: Path
) -> None:
    second_witness(db)
    agency = departments_service.get_by_code(db, "370300-GXJ")
    plan = plans_service.current(db, agency, 2026) if agency else None
    assert plan is not None
    task_id = plan.tasks[0].id

    log_in(page, served, "officer")
    page.goto(f"{served}/tasks/{task_id}")
    page.click("#draw-link")
    page.click("#prepare-draw")
    assert "准备中" in page.inner_text("#draw-now")
    page.uncheck("#drand")
    page.fill("#dice_digits", "10")
    page.click("#entropy-form button[type=submit]")
    page.wait_for_selector("text=随机数来源已保存")
    shot(page, "draw-prepare.png", tmp_path)
    page.click("#commit-draw")
    page.wait_for_selector("#digest-value")
    url = page.url.split("?")[0]
    for name, kind, account in (("", "综合法规科", "陈静"), ("", "法律顾问", "周律师")):
        page.select_option("#witness-kind", kind)
        page.fill(
            "#witness-org", "淄博市工业和信息化局" if account == "陈静" else "山东某律师事务所"
        )
        page.select_option(
            "#witness-user",
            label=page.locator("#witness-user option", has_text=account).inner_text(),
        )
        page.fill("#witness-name", name)
        page.click("#add-witness")
        page.wait_for_selector("text=监督人已登记")
    assert "0/10" in page.inner_text("#dice-progress")
    shot(page, "draw-committed.png", tmp_path)

    browser = page.context.browser
    assert browser is not None
    first = _witness_enters(browser, served, "witness", url, "35142")
    shot(first, "draw-witness.png", tmp_path)
    first.context.close()
    second = _witness_enters(browser, served, "witness2", url, "62351")
    second.context.close()

    page.goto(url)
    assert "随机数已齐全" in page.inner_text("#draw-now")
    page.click("#compute-draw")
    page.wait_for_selector("#outcome")
    assert "组长" in page.inner_text("#outcome")
    page.click("#publish-draw")
    page.wait_for_selector("#portal-link")
    shot(page, "draw-result.png", tmp_path)
    page.click("#portal-link")
    page.wait_for_url(f"{served}/public/draws/**")
    body = page.inner_text("body")
    assert "3514262351" in body or "35142" in body
    shot(page, "portal-draw.png", tmp_path)
