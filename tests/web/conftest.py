"""Browser fixtures: a served demo instance and Debian's chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role
from spotcheck.audit.service import SYSTEM
from spotcheck.config import Settings
from spotcheck.demo.data import DEMO_PASSWORD
from spotcheck.departments import service as departments_service

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spotcheck(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).with_name("spotcheck")
    return subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, check=True)


@contextlib.contextmanager
def _serving(settings: Settings) -> Iterator[tuple[str, subprocess.Popen[str]]]:
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
    try:
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def served(settings: Settings, engine: object) -> Iterator[str]:
    """`spotcheck demo load` and `spotcheck serve` as `make run` does, on the test database."""
    with _serving(settings) as (url, _server):
        yield url


@pytest.fixture
def served_process(
    settings: Settings, engine: object
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Like ``served``, with the server's process (to read its memory from /proc)."""
    with _serving(settings) as pair:
        yield pair


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


def shot(page: Page, name: str, tmp_path: Path) -> Path:
    """Screenshot into SPOTCHECK_SCREENSHOTS (docs/screenshots via `make screenshots`) or tmp."""
    target_dir = Path(os.environ.get("SPOTCHECK_SCREENSHOTS") or tmp_path)
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / name
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, served: str, username: str) -> None:
    """Log a demo account in through the login form."""
    page.goto(served + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(served + "/")


def second_witness(db: Session) -> None:
    """A second 监督人 account of 淄博工信局 (the demo has one), for two witnesses rolling."""
    department = departments_service.get_by_code(db, "370300-GXJ")
    assert department is not None
    accounts_service.create(
        db,
        SYSTEM,
        username="witness2",
        full_name="周律师",
        department=department,
        roles=[Role.WITNESS],
        password=DEMO_PASSWORD,
    )
    db.commit()
