"""Deployment defaults: uploads outside the code outside development, Secure cookies whenever the
server listens beyond this machine (and in production), both configurable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from spotcheck.accounts.models import User
from spotcheck.app import create_app
from spotcheck.config import REPO_ROOT, Settings
from tests.conftest import TEST_SECRET, Org, login

CLI = str(Path(sys.executable).with_name("spotcheck"))


def test_it_refuses_uploads_inside_the_code_outside_development(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="UPLOAD_DIR（上传文件存放目录）不能位于代码目录"):
        Settings(SPOTCHECK_ENV="production", SECRET_KEY=TEST_SECRET)
    inside = REPO_ROOT / "src" / ".." / "uploads"
    with pytest.raises(ValidationError, match="UPLOAD_DIR must be outside the code directory"):
        Settings(SPOTCHECK_ENV="production", SECRET_KEY=TEST_SECRET, UPLOAD_DIR=str(inside))
    outside = Settings(SPOTCHECK_ENV="production", SECRET_KEY=TEST_SECRET, UPLOAD_DIR=str(tmp_path))
    assert outside.upload_dir == tmp_path
    # Development and the tests keep the default under var/ of the checkout.
    for env in ("development", "test"):
        settings = Settings(SPOTCHECK_ENV=env, SECRET_KEY=TEST_SECRET)
        assert settings.upload_dir == REPO_ROOT / "var" / "uploads"


def test_the_command_line_refuses_to_start_with_uploads_in_the_code(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'y.db'}",
        "SPOTCHECK_ENV": "production",
        "SECRET_KEY": TEST_SECRET,
    }
    env.pop("UPLOAD_DIR", None)
    result = subprocess.run(
        [CLI, "serve", "--port", "9"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "UPLOAD_DIR" in result.stderr
    assert "代码目录" in result.stderr


def test_it_makes_cookies_secure_in_production_unless_told_otherwise(tmp_path: Path) -> None:
    assert Settings(SPOTCHECK_ENV="development").secure_cookies is False
    production = {"SPOTCHECK_ENV": "production", "SECRET_KEY": TEST_SECRET, "UPLOAD_DIR": tmp_path}
    assert Settings(**production).secure_cookies is True  # type: ignore[arg-type]
    assert Settings(**production, COOKIE_SECURE="false").secure_cookies is False  # type: ignore[arg-type]
    assert Settings(SPOTCHECK_ENV="development", COOKIE_SECURE="1").secure_cookies is True


def test_the_session_cookie_is_secure_in_production(
    settings: Settings, org: Org, make_user: Callable[..., User], tmp_path: Path
) -> None:
    make_user("alice", org.own)
    production = Settings(
        SPOTCHECK_ENV="production",
        SECRET_KEY=TEST_SECRET,
        UPLOAD_DIR=str(tmp_path),
        DATABASE_URL=settings.database_url,
    )
    app = create_app(production)
    with TestClient(app, base_url="https://testserver") as client:
        first = client.get("/login")
        assert "secure" in first.headers["set-cookie"].lower()
        login(client, "alice")
        response = client.get("/")
        assert response.status_code == 200
    app.state.engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _browser_cookie(host: str, settings: Settings, **extra: str) -> str:
    """Start `spotcheck serve --host HOST` and return the Set-Cookie of its login page."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SPOTCHECK_ENV": "development"}
    env.pop("COOKIE_SECURE", None)
    env.update(extra)
    port = _free_port()
    server = subprocess.Popen(
        [CLI, "serve", "--host", host, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/login").headers["set-cookie"]
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read() if server.stderr else "") from None
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_sets_the_secure_flag_when_listening_beyond_this_machine(
    settings: Settings, engine: object
) -> None:
    assert "secure" not in _browser_cookie("127.0.0.1", settings).lower()
    assert "secure" in _browser_cookie("0.0.0.0", settings).lower()
    off = _browser_cookie("0.0.0.0", settings, COOKIE_SECURE="false")
    assert "secure" not in off.lower()
