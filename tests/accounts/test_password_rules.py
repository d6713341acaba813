"""Common and leaked passwords, and the user's own details, are refused wherever a password is set."""

from __future__ import annotations

from importlib import resources

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.accounts import password_rules
from spotcheck.accounts.models import Role, User
from spotcheck.accounts.passwords import password_problems, verify_password
from spotcheck.config import get_settings
from spotcheck.demo import data as demo_data
from tests.conftest import PASSWORD, Org, login, post_form

COMMON = [
    "Password123!",
    "Qwerty#2026Zx",
    "P@ssw0rd2026",
    "Zhangwei1990!",
    "Woaini1314!!",
    "1qaz2wsx#EDC",
    "Qazwsx#2026Ab",
    "Admin@2026xy",
    "Aa!19900101",
    "5201314Aa!",
    "Abc@123456",
    "Ｐａｓｓｗｏｒｄ１２３！",  # full-width, as a Chinese input method types it
]


@pytest.mark.parametrize("password", COMMON)
def test_it_refuses_common_passwords_and_their_simple_variations(password: str) -> None:
    problems = password_problems(password)
    assert any("常见" in p for p in problems), (password, problems)


def test_it_names_the_common_base_it_found() -> None:
    assert password_problems("Qwerty#2026Zx") == [
        "密码不能使用常见或已泄露的密码（含“qwerty”，在前后加数字、符号、年份或个别字母仍然容易被猜中）"
    ]
    assert "“password”" in password_problems("P@ssw0rd2026")[0]
    assert "日期、年份或常见数字" in password_problems("Aa!19900101")[0]


@pytest.mark.parametrize(
    "password",
    [PASSWORD, demo_data.DEMO_PASSWORD, "Kx9#mQ2$vLp", "Spring-Orchid-Lake7", "Password#Orchid9x"],
)
def test_it_accepts_passwords_of_ones_own(password: str) -> None:
    assert password_problems(password, "alice", "ALICE") == []


def test_the_list_ships_with_the_package_and_holds_the_chinese_patterns() -> None:
    text = resources.files("spotcheck.accounts").joinpath("common_passwords.txt").read_text()
    entries = {line for line in text.splitlines() if line and not line.startswith("#")}
    assert len(entries) >= 2000
    for base in ("woaini", "zhangwei", "wangfang", "5201314", "123456", "1qaz2wsx", "qazwsx"):
        assert base in entries, base
    common = password_rules.common_list()
    assert "qwerty" in common.words and "5201314" in common.digits


def test_it_refuses_the_users_own_username_name_and_phone() -> None:
    assert password_problems("Qianxuesen#Ok29x", "qxs", "钱学森") == [
        "密码不能包含姓名（含拼音“qianxuesen”）"
    ]
    assert password_problems("XueSenQian#29x", "qxs", "钱学森") == [
        "密码不能包含姓名（含拼音“xuesenqian”）"
    ]
    assert password_problems("Ok29#Xuesen!z", "qxs", "钱学森") == [
        "密码不能包含姓名（含拼音“xuesen”）"
    ]
    assert (
        password_problems("Zhangwei#Ok29x", "zw", "张伟")[0]
        == "密码不能包含姓名（含拼音“zhangwei”）"
    )
    assert password_problems("Ab#张伟Ok29x", "zw", "张伟") == ["密码不能包含姓名"]
    assert password_problems("Xy#13805330001", "zw", "张伟", "138-0533-0001") == [
        "密码不能包含本人的电话号码"
    ]
    assert password_problems("Tr0ub#4dor9x", "tr0ub", "T") == ["密码不能包含用户名"]


def test_every_demo_account_keeps_a_valid_password() -> None:
    for account in demo_data.ACCOUNTS:
        assert (
            password_problems(demo_data.DEMO_PASSWORD, account.username, account.full_name) == []
        ), account.username


def test_it_refuses_them_on_every_page_that_sets_a_password(
    client: TestClient, db: Session, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", org.own, Role.ADMIN)
    login(client, "boss")
    created = post_form(
        client,
        "/admin/users/new",
        {
            "username": "zhangwei",
            "full_name": "张伟",
            "department_id": org.own.id,
            "roles": "officer",
            "password": "Password123!",
            "phone": "13805330001",
        },
        "/admin/users/new",
    )
    assert created.status_code == 400  # type: ignore[attr-defined]
    assert "常见或已泄露的密码（含“password”" in created.text  # type: ignore[attr-defined]
    assert db.scalar(select(User).where(User.username == "zhangwei")) is None
    made = post_form(
        client,
        "/admin/users/new",
        {
            "username": "zhangwei",
            "full_name": "张伟",
            "department_id": org.own.id,
            "roles": "officer",
            "password": "Kestrel#Lake2027",
            "phone": "13805330001",
        },
        "/admin/users/new",
    )
    assert made.status_code == 303  # type: ignore[attr-defined]
    user = db.scalar(select(User).where(User.username == "zhangwei"))
    assert user is not None and user.phone == "13805330001"
    reset = post_form(
        client, f"/admin/users/{user.id}/password", {"password": "Ab#13805330001"}, "/admin/users"
    )
    assert reset.status_code == 400 and "电话号码" in reset.text  # type: ignore[attr-defined]
    bad_phone = post_form(
        client,
        f"/admin/users/{user.id}",
        {
            "full_name": "张伟",
            "department_id": org.own.id,
            "roles": "officer",
            "active": "on",
            "phone": "12345",
        },
        "/admin/users",
    )
    assert bad_phone.status_code == 400 and "联系电话“12345”有误" in bad_phone.text  # type: ignore[attr-defined]

    login(client, "boss")
    changed = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "Qwerty#2026Zx", "confirm": "Qwerty#2026Zx"},
        "/account/password",
    )
    assert changed.status_code == 400 and "“qwerty”" in changed.text  # type: ignore[attr-defined]
    db.expire_all()
    boss = db.scalar(select(User).where(User.username == "boss"))
    assert boss is not None and verify_password(boss.password_hash, PASSWORD)


def test_it_refuses_them_from_the_command_line(
    org: Org, db: Session, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from spotcheck.cli import app

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    args = ["user", "create", "liuyang", "--name", "刘洋", "--department", "CITY-A"]
    common = runner.invoke(app, [*args, "--role", "leader", "--password", "Woaini1314!!"])
    assert common.exit_code == 1 and "常见或已泄露的密码" in common.output
    named = runner.invoke(app, [*args, "--role", "leader", "--password", "Liuyang#2026ok"])
    assert named.exit_code == 1 and "拼音“liuyang”" in named.output
    phone = runner.invoke(
        app,
        [*args, "--role", "leader", "--phone", "13905330002", "--password", "Mx#13905330002"],
    )
    assert phone.exit_code == 1 and "电话号码" in phone.output
    good = runner.invoke(
        app,
        [*args, "--role", "leader", "--phone", "13905330002", "--password", "Kestrel#Lake2027"],
    )
    assert good.exit_code == 0, good.output
    get_settings.cache_clear()
