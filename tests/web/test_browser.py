"""A real browser (Debian's chromium driven by Playwright) logs in to a served demo instance."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from spotcheck.config import Settings
from spotcheck.demo.data import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spotcheck(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).with_name("spotcheck")
    return subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, check=True)


@pytest.fixture
def served(settings: Settings, engine: object) -> Iterator[str]:
    """`spotcheck demo load` and `spotcheck serve` as `make run` does, on the test database."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SPOTCHECK_ENV": "development"}
    loaded = _spotcheck("demo", "load", env=env)
    assert "admin" in loaded.stdout and DEMO_PASSWORD in loaded.stdout
    port = _free_port()
    cli = Path(sys.executable).with_name("spotcheck")
    server = subprocess.Popen(
        [str(cli), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(
                    f"server exited: {server.stderr.read() if server.stderr else ''}"
                ) from None
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError("server did not start within 30 s")
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh headless Chromium page at a desktop size."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is required: `make test` installs it"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page: Page, name: str, tmp_path: Path) -> Path:
    target_dir = Path(os.environ.get("SPOTCHECK_SCREENSHOTS") or tmp_path)
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_it_logs_the_printed_admin_in_through_a_real_browser(
    served: str, page: Page, tmp_path: Path
) -> None:
    page.goto(served + "/")
    assert page.url.startswith(served + "/login")
    assert page.locator("h1").inner_text() == "双随机、一公开监管平台"
    _shot(page, "login.png", tmp_path)

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
    _shot(page, "home.png", tmp_path)

    page.click("text=部门管理")
    assert page.locator("table.grid").get_by_text("淄博市工业和信息化局").is_visible()
    _shot(page, "departments.png", tmp_path)

    page.click("text=用户管理")
    assert page.locator("table.grid").get_by_text("inspector1").is_visible()
    _shot(page, "users.png", tmp_path)

    page.goto(served + "/admin/calendar?year=2026")
    page.fill("#start", "2026-09-30")
    page.fill("#n", "1")
    page.click("#workday-calc button")
    page.wait_for_selector("#workday-answer p.ok")
    assert "2026-10-08" in page.locator("#workday-answer").inner_text()  # htmx answered in place
    _shot(page, "calendar.png", tmp_path)

    page.goto(served + "/admin/audit?verify=1")
    assert "哈希链完整" in page.locator(".flash.ok").inner_text()
    _shot(page, "audit.png", tmp_path)

    page.click("header.top >> text=退出")
    page.wait_for_url(served + "/login")
