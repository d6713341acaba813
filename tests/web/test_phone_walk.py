"""Every main page fits a 390 px phone: a real browser at 390×844 walks the pages of every role
(two agencies with different rulebook profiles, a draw through its ceremony, the public portal)
and fails if the document is wider than the viewport, naming the page and the widest element
that sticks out. The witness's dice input must be fully visible; audit-log cells must not be one
character wide."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session

from spotcheck.departments import service as departments_service
from spotcheck.plans import service as plans_service
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, log_in, second_witness

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844
# A phone as Chromium emulates one (an iPhone 12/13/14's CSS size): the meta viewport applies,
# and a page wider than the screen makes the browser zoom out, which the test must catch.
PHONE: dict[str, object] = {
    "viewport": {"width": WIDTH, "height": HEIGHT},
    "screen": {"width": WIDTH, "height": HEIGHT},
    "device_scale_factor": 1 if os.environ.get("SPOTCHECK_PHONE_SHOTS") else 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}

# Set SPOTCHECK_PHONE_SHOTS to a folder to keep a full-page screenshot of every page walked.
SHOTS = (
    Path(os.environ["SPOTCHECK_PHONE_SHOTS"]) if os.environ.get("SPOTCHECK_PHONE_SHOTS") else None
)

# Measures the page: document and body widths, and the elements whose right edge is past the
# viewport that are not clipped by a scrolling (or hiding) box that itself fits. Of those, the
# outermost ones (their parent does not stick out) are the causes; the widest is reported first.
MEASURE = """(vw) => {
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== 'visible' && a.getBoundingClientRect().right <= vw + 0.5) return true;
    }
    return false;
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return s + (text ? ' «' + text + '»' : '');
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const b = el.getBoundingClientRect();
    // Text that overflows its own box (a nowrap digest) counts as the element's width.
    const over = getComputedStyle(el).overflowX === 'visible' ? el.scrollWidth : 0;
    const r = {right: Math.max(b.right, b.left + over), width: Math.max(b.width, over)};
    if (b.width === 0 || r.right <= vw + 0.5 || clipped(el)) continue;
    const p = el.parentElement;
    if (p && p !== document.body && p.getBoundingClientRect().right > vw + 0.5 && !clipped(p)) continue;
    out.push({right: Math.round(r.right), width: Math.round(r.width), el: name(el)});
  }
  out.sort((a, b) => b.right - a.right);
  let box = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const o = getComputedStyle(el).overflowX;
    if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth) {
      box = Math.max(box, el.scrollWidth);
    }
  }
  return {
    vw: vw,
    inner: window.innerWidth,
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    worst: out.slice(0, 3),
    box: box,
  };
}"""

# Text squeezed into a column narrower than 3em that wraps onto several lines (one or two
# characters a line): any visible element holding four or more characters of its own text
# (table cells, header links, labels). The width is the content box (padding excluded).
SQUEEZED = """() => {
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'OPTION', 'TEXTAREA', 'PRE'].includes(el.tagName)) continue;
    let own = '';
    for (const n of el.childNodes) if (n.nodeType === 3) own += n.textContent;
    own = own.replace(/\\s+/g, '');
    if (own.length < 4) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const s = getComputedStyle(el);
    const em = parseFloat(s.fontSize);
    const line = parseFloat(s.lineHeight) || 1.2 * em;
    const width = r.width - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    const height = r.height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
    if (width < 3 * em && height > 1.5 * line) {
      const tag = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
      bad.push(tag + ' ' + Math.round(width) + 'px «' + own.slice(0, 16) + '»');
    }
  }
  return bad;
}"""

# Is the element wholly inside the viewport horizontally and not hidden by a clipping ancestor?
FULLY_VISIBLE = """(el) => {
  el.scrollIntoView({block: 'center', inline: 'nearest'});
  const r = el.getBoundingClientRect();
  if (r.left < 0 || r.right > Math.min(window.innerWidth, WIDTH) || r.width < 40) return false;
  for (let a = el.parentElement; a; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX === 'visible') continue;
    const ar = a.getBoundingClientRect();
    if (r.left < ar.left - 0.5 || r.right > ar.right + 0.5) return false;
  }
  return true;
}""".replace("WIDTH", str(WIDTH))


class Walk:
    """Visits pages and collects every page that does not fit."""

    def __init__(self, served: str) -> None:
        self.served = served
        self.problems: list[str] = []
        self.widths: list[str] = []

    def check(self, page: Page, label: str) -> None:
        page.wait_for_load_state("load")
        m = page.evaluate(MEASURE, WIDTH)
        squeezed = page.evaluate(SQUEEZED)
        if SHOTS:
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^0-9A-Za-z]+", "-", label).strip("-") or "page"
            page.screenshot(path=str(SHOTS / f"{len(self.widths):02d}-{name}.png"), full_page=True)
        path = page.url.removeprefix(self.served)
        self.widths.append(
            f"{label} {path}: page {max(m['doc'], m['body'], m['inner'])} px,"
            f" widest own-scrolling box content {m['box']} px, squeezed texts {len(squeezed)}"
        )
        if squeezed:
            self.problems.append(
                f"{label} {path}: {len(squeezed)} texts squeezed below 3em, e.g. "
                + "; ".join(squeezed[:3])
            )
        if m["doc"] > m["vw"] or m["body"] > m["vw"] or m["inner"] > m["vw"] or m["worst"]:
            worst = "; ".join(f"{w['el']} (right {w['right']} px)" for w in m["worst"])
            self.problems.append(
                f"{label} {path}: document {m['doc']} px, body {m['body']} px,"
                f" window {m['inner']} px > {m['vw']} px;"
                f" widest: {worst or '-'}"
            )

    def visit(self, page: Page, path: str, label: str = "") -> None:
        response = page.goto(self.served + path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        self.check(page, label or path)

    def link(self, page: Page, pattern: str) -> str:
        """The first link on the page whose path matches the pattern (e.g. /targets/\\d+$)."""
        hrefs = page.eval_on_selector_all(
            "main a[href]", "as => as.map(a => a.getAttribute('href'))"
        )
        for href in hrefs:
            if re.fullmatch(pattern, href.split("?")[0].split("#")[0]):
                return str(href)
        raise AssertionError(f"no link matching {pattern} on {page.url}")


def _switch(page: Page, served: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, served, username)


def _witness_enters(
    walk: Walk, browser: Browser, served: str, username: str, url: str, digits: str
) -> Page:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, served, username)
    page.goto(url)
    dice = page.locator("#witness-list input[name=digits]")
    if not dice.evaluate(FULLY_VISIBLE):
        walk.problems.append(f"draw seen by {username}: the dice input is cut off at 390 px")
    if not page.locator("#witness-list button[type=submit]").evaluate(FULLY_VISIBLE):
        walk.problems.append(f"draw seen by {username}: the dice button is cut off at 390 px")
    dice.fill(digits)
    page.locator("#witness-list button[type=submit]").click()
    page.wait_for_selector("text=骰子数字已录入")
    return page


def _agency_pages(walk: Walk, page: Page, who: str, pages_of_plan: bool = True) -> None:
    """The pages an agency's coordinator/officer uses, found by following its own links."""
    s = walk.served
    walk.visit(page, "/", f"{who} home")
    walk.visit(page, "/plans", f"{who} plans")
    plan = walk.link(page, r"/plans/\d+")
    walk.visit(page, plan, f"{who} plan")
    walk.visit(page, "/plans/new", f"{who} new plan")
    walk.visit(page, "/tasks", f"{who} tasks")
    task = walk.link(page, r"/tasks/\d+")
    walk.visit(page, task, f"{who} task")
    walk.visit(page, task + "/eligibility", f"{who} eligibility")
    walk.visit(page, "/targets", f"{who} targets")
    walk.visit(page, walk.link(page, r"/targets/\d+"), f"{who} target")
    walk.visit(page, "/targets/exemptions", f"{who} exemptions")
    walk.visit(page, "/targets/registries", f"{who} registries")
    walk.visit(page, "/inspectors", f"{who} inspectors")
    walk.visit(page, walk.link(page, r"/inspectors/\d+"), f"{who} inspector")
    walk.visit(page, "/items", f"{who} catalog")
    walk.visit(page, walk.link(page, r"/items/\d+"), f"{who} item")
    walk.visit(page, "/rulebooks", f"{who} rulebooks")
    walk.visit(page, "/draws", f"{who} draws")
    assert page.url.startswith(s)


def test_every_main_page_fits_a_390_px_phone(served: str, db: Session, tmp_path: Path) -> None:
    second_witness(db)
    agency = departments_service.get_by_code(db, "370300-GXJ")
    plan = plans_service.current(db, agency, 2026) if agency else None
    assert plan is not None
    task_id = plan.tasks[0].id
    walk = Walk(served)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(**PHONE)
        page = context.new_page()

        walk.visit(page, "/login", "login")

        # 淄博市工信局 (zibo-gxj): the coordinator's pages, the imports wizard.
        log_in(page, served, "coordinator")
        _agency_pages(walk, page, "淄博 coordinator")
        for kind in ("targets", "inspectors", "items", "history"):
            walk.visit(page, f"/imports/{kind}", f"import {kind}")
        walk.visit(page, "/account/password", "account password")
        walk.visit(page, "/account/tokens", "account tokens")

        # The officer runs a draw: each state of the draw page at 390 px.
        _switch(page, served, "officer")
        walk.visit(page, f"/tasks/{task_id}", "officer task")
        walk.visit(page, f"/tasks/{task_id}/draw", "draw start")
        page.click("#prepare-draw")
        page.uncheck("#drand")
        page.fill("#dice_digits", "10")
        page.click("#entropy-form button[type=submit]")
        page.wait_for_selector("text=随机数来源已保存")
        walk.check(page, "draw prepared")
        page.click("#commit-draw")
        page.wait_for_selector("#digest-value")
        url = page.url.split("?")[0]
        walk.check(page, "draw committed")
        for kind, org, account in (
            ("综合法规科", "淄博市工业和信息化局", "陈静"),
            ("法律顾问", "山东某律师事务所", "周律师"),
        ):
            page.select_option("#witness-kind", kind)
            page.fill("#witness-org", org)
            page.select_option(
                "#witness-user",
                label=page.locator("#witness-user option", has_text=account).inner_text(),
            )
            page.click("#add-witness")
            page.wait_for_selector("text=监督人已登记")
        walk.check(page, "draw committed with witnesses")
        for username, digits in (("witness", "35142"), ("witness2", "62351")):
            witness = _witness_enters(walk, browser, served, username, url, digits)
            walk.check(witness, f"draw seen by {username}")
            witness.context.close()
        page.goto(url)
        walk.check(page, "draw dice complete")
        page.click("#compute-draw")
        page.wait_for_selector("#outcome")
        walk.check(page, "draw computed")
        page.click("#publish-draw")
        page.wait_for_selector("#portal-link")
        walk.check(page, "draw published (visits, events)")
        assert page.locator("#outcome").is_visible() and page.locator("#events").count() == 1
        code = page.locator("#portal-link").get_attribute("href")
        assert code is not None
        walk.visit(page, "/draws", "officer draws")

        # The admin: users, departments, calendar, audit log, rulebooks with a copy and its diff.
        _switch(page, served, "admin")
        walk.visit(page, "/", "admin home")
        walk.visit(page, "/admin/users", "users")
        walk.visit(page, walk.link(page, r"/admin/users/\d+"), "user form")
        walk.visit(page, "/admin/users/new", "new user")
        walk.visit(page, "/admin/departments", "departments")
        walk.visit(page, walk.link(page, r"/admin/departments/\d+"), "department form")
        walk.visit(page, "/admin/calendar?year=2026", "calendar")
        walk.visit(page, "/admin/audit", "audit log")
        walk.visit(page, "/admin/audit?verify=1", "audit log verified")
        walk.visit(page, "/rulebooks", "rulebooks")
        walk.visit(page, "/rulebooks/zibo-gxj", "rulebook zibo-gxj")
        walk.visit(page, walk.link(page, r"/rulebooks/zibo-gxj/versions/\d+"), "rulebook version")
        page.goto(served + "/rulebooks/zibo-gxj")
        page.fill("#new_code", "zibo-gxj-phone")
        page.click("#copy-form button")
        page.wait_for_url(served + "/rulebooks/zibo-gxj-phone/edit")
        walk.check(page, "rulebook editor")
        text = page.input_value("#text")
        page.fill("#text", text.replace("ratio = 0.3\n", "ratio = 0.4\n", 1))
        page.click("#rulebook-form button[type=submit]")
        page.wait_for_url(served + "/rulebooks/zibo-gxj-phone?done=saved")
        walk.visit(page, "/rulebooks/zibo-gxj-phone/diff", "rulebook diff")
        walk.visit(page, "/rulebooks/xinzhou-joint", "rulebook xinzhou-joint")

        # 忻州市市场监管局 (xinzhou-joint, a joint plan): another profile's pages.
        _switch(page, served, "xinzhou")
        _agency_pages(walk, page, "忻州 xinzhou")
        # 六安 (luan-daj): its home, tasks and targets.
        _switch(page, served, "luan")
        walk.visit(page, "/", "六安 home")
        walk.visit(page, "/targets", "六安 targets")
        walk.visit(page, "/inspectors", "六安 inspectors")

        # Inspector and leader home pages.
        for username in ("inspector1", "leader", "witness"):
            _switch(page, served, username)
            walk.visit(page, "/", f"{username} home")
        # The drawn inspector's 我的任务 (zibo_insp is linked to a registry entry the draw drew).
        _switch(page, served, "zibo_insp")
        walk.visit(page, "/my/tasks", "zibo_insp my tasks")

        # The public portal, without logging in.
        context.clear_cookies()
        walk.visit(page, "/public/draws", "portal draws")
        walk.visit(page, code, "portal draw")
        walk.visit(page, "/public/commitments", "portal commitments")

        context.close()
        browser.close()

    (tmp_path / "widths.txt").write_text("\n".join(walk.widths), encoding="utf-8")
    print("\n".join(walk.widths))
    assert not walk.problems, "pages wider than 390 px:\n" + "\n".join(walk.problems)
