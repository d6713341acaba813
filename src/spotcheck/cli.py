"""The `spotcheck` command line: serve, db, user, calendar, audit, demo, draw, deadline, verify."""

from __future__ import annotations

import datetime as dt
import getpass
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from spotcheck.config import Settings, get_settings
from spotcheck.db import make_engine, make_session_factory, unit_of_work
from spotcheck.errors import DomainError

_app = typer.Typer(
    help="spotcheck：双随机、一公开监管平台命令行。", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="数据库：建库与迁移。", no_args_is_help=True)
user_app = typer.Typer(help="用户账号。", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历：查询、计算、导入年度日历。", no_args_is_help=True)
audit_app = typer.Typer(help="操作日志。", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据。", no_args_is_help=True)
draw_app = typer.Typer(help="抽取：按 SSJ-DRAW-1 重算抽取记录。", no_args_is_help=True)
_app.add_typer(db_app, name="db")
_app.add_typer(user_app, name="user")
_app.add_typer(calendar_app, name="calendar")
_app.add_typer(audit_app, name="audit")
_app.add_typer(demo_app, name="demo")
_app.add_typer(draw_app, name="draw")

console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        err.print(f"[red]配置错误：{exc}[/red]")
        raise typer.Exit(2) from exc


# Engines still in use when main() ends are disposed there (weakly held: an engine a command
# has dropped closes its connections as before, e.g. under the tests' CliRunner).
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _factory() -> sessionmaker[Session]:
    engine = make_engine(_settings())
    _engines.add(engine)
    return make_session_factory(engine)


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@_app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    reload: Annotated[bool, typer.Option(help="代码改动后自动重启（开发用）")] = False,
) -> None:
    """启动网页服务。未设置 COOKIE_SECURE 时，监听 127.0.0.1/localhost 以外的地址则 Cookie 带 Secure 标志。"""
    import os

    import uvicorn

    if "COOKIE_SECURE" not in os.environ:
        # The app reads the settings from the environment (also in a --reload child process).
        os.environ["COOKIE_SECURE"] = "false" if host in LOCAL_HOSTS else "true"
        get_settings.cache_clear()
    settings = _settings()
    if settings.secure_cookies:
        console.print(
            "会话 Cookie 带 Secure 标志，只经 HTTPS 发送（可用 COOKIE_SECURE=false 关闭）。"
        )
    uvicorn.run("spotcheck.asgi:app", host=host, port=port, reload=reload, proxy_headers=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """创建或迁移 DATABASE_URL 指向的数据库到最新版本，并补齐工作日历。"""
    from spotcheck import migrate

    added = migrate.upgrade(_settings())
    console.print(f"数据库已是最新版本（{migrate.current_revision(_settings())}）。")
    if added:
        console.print(f"已从 chinesecalendar 载入 {added} 天工作日历。")


@db_app.command("current")
def db_current() -> None:
    """显示数据库当前的迁移版本。"""
    from spotcheck import migrate

    console.print(migrate.current_revision(_settings()) or "（未初始化）")


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="登录用户名")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    department: Annotated[str, typer.Option("--department", help="部门编码")],
    role: Annotated[
        list[str],
        typer.Option(
            "--role", help="角色，可重复：admin coordinator officer inspector leader witness"
        ),
    ],
    password: Annotated[str | None, typer.Option(help="初始密码（不给则交互输入）")] = None,
    approval_level: Annotated[
        str,
        typer.Option(
            "--approval-level",
            help="审批层级：principal（主要领导）、deputy（分管领导）、head（部门（科室）负责人）、"
            "none（无）；不给则领导按部门默认（单位领导为主要领导，科室领导为科室负责人）",
        ),
    ] = "default",
    phone: Annotated[str, typer.Option("--phone", help="联系电话（选填；密码不能包含它）")] = "",
) -> None:
    """新建用户账号（密码不能是常见密码，不能包含用户名、姓名及其拼音、电话）。"""
    from spotcheck.accounts import service as accounts_service
    from spotcheck.accounts.models import Role
    from spotcheck.audit.service import SYSTEM
    from spotcheck.departments import service as departments_service

    try:
        roles = [Role(r) for r in role]
    except ValueError as exc:
        err.print(f"[red]未知角色：{exc}；可选 {', '.join(r.value for r in Role)}[/red]")
        raise typer.Exit(1) from exc
    secret = password or getpass.getpass("初始密码：")
    try:
        with unit_of_work(_factory()) as session:
            dept = departments_service.get_by_code(session, department)
            if dept is None:
                raise DomainError(f"部门编码“{department}”不存在")
            user = accounts_service.create(
                session,
                SYSTEM,
                username=username,
                full_name=name,
                department=dept,
                roles=roles,
                password=secret,
                approval_level="" if approval_level == "none" else approval_level,
                phone=phone,
            )
            level = f"，审批层级：{user.approval_level_label}" if user.approval_level else ""
            console.print(f"已创建用户 {user.username}（{user.full_name}，{dept.name}{level}）。")
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        err.print(f"[red]日期格式应为 YYYY-MM-DD：{value}[/red]")
        raise typer.Exit(2) from exc


@calendar_app.command("is-workday")
def calendar_is_workday(date: Annotated[str, typer.Argument(help="日期 YYYY-MM-DD")]) -> None:
    """判断某天是否工作日（是：退出码 0；否：退出码 1；日历未覆盖：退出码 2）。"""
    from spotcheck.calendar import service as calendar_service

    day = _parse_date(date)
    try:
        with unit_of_work(_factory()) as session:
            flag = calendar_service.is_workday(session, day)
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    console.print(
        f"{day.isoformat()} {calendar_service.weekday_zh(day)}：{'工作日' if flag else '休息日'}"
    )
    raise typer.Exit(0 if flag else 1)


@calendar_app.command("add-workdays")
def calendar_add_workdays(
    date: Annotated[str, typer.Argument(help="起算日期 YYYY-MM-DD（当日不计）")],
    n: Annotated[int, typer.Argument(help="工作日数")],
) -> None:
    """打印 DATE 之后第 N 个工作日（DATE 当日不计）。"""
    from spotcheck.calendar import service as calendar_service

    day = _parse_date(date)
    try:
        with unit_of_work(_factory()) as session:
            result = calendar_service.add_workdays(session, day, n)
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    print(result.isoformat())


@calendar_app.command("import")
def calendar_import(
    file: Annotated[
        Path, typer.Argument(help="CSV：日期,是否工作日,备注", exists=True, dir_okay=False)
    ],
) -> None:
    """导入或修改年度工作日历；新增年份须包含全年每一天；有错误则什么也不写入。"""
    from spotcheck.audit.service import SYSTEM
    from spotcheck.calendar import service as calendar_service
    from spotcheck.deadlines import service as deadlines_service

    try:
        with unit_of_work(_factory()) as session:
            rows = calendar_service.parse_calendar_csv(file.read_bytes())
            added, updated, resolved = deadlines_service.import_calendar(session, SYSTEM, rows)
    except calendar_service.CalendarImportError as exc:
        err.print(f"[red]{exc.message}[/red]")
        for problem in exc.errors:
            err.print(f"  {problem}")
        raise typer.Exit(1) from exc
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"导入成功：新增 {added} 天，修改 {updated} 天。")
    if resolved:
        console.print(f"{resolved} 个待定的截止日期已确定。")


@calendar_app.command("years")
def calendar_years() -> None:
    """列出日历已覆盖的年份及其工作日数。"""
    from spotcheck.calendar import service as calendar_service

    with unit_of_work(_factory()) as session:
        for year, days, work in calendar_service.year_counts(session):
            console.print(f"{year}：{days} 天，其中工作日 {work} 天")


@audit_app.command("verify")
def audit_verify() -> None:
    """逐条校验操作日志哈希链；发现篡改时退出码 1 并指出第一条不符的事件。"""
    from spotcheck.audit import service as audit_service

    with unit_of_work(_factory()) as session:
        report = audit_service.verify_chain(session)
    if report.ok:
        console.print(f"操作日志哈希链完整：已校验 {report.checked} 条事件。")
        return
    where = f"第 {report.bad_seq} 号事件" + (f"（id={report.bad_id}）" if report.bad_id else "")
    err.print(f"[red]哈希链校验失败：{where}：{report.reason}[/red]")
    err.print(f"此前 {report.checked} 条事件完好。")
    raise typer.Exit(1)


@demo_app.command("load")
def demo_load(
    force: Annotated[bool, typer.Option(help="数据库非空时也载入（已存在的会跳过）")] = False,
) -> None:
    """载入演示机构（部门、各角色账号）并打印演示账号与密码。"""
    from spotcheck.demo import data as demo_data

    with unit_of_work(_factory()) as session:
        if not force and not demo_data.is_empty(session):
            console.print("数据库中已有数据，跳过演示数据（如需载入请加 --force）。")
            demo_data.print_accounts(console)
            return
        counts = demo_data.load(session)
    console.print(
        f"演示数据已载入：检查对象 {counts['targets']} 个，执法检查人员 {counts['inspectors']} 名，"
        f"抽查事项 {counts['items']} 项（已审定发布）。"
    )
    demo_data.print_accounts(console)


def _register_registry_commands() -> None:
    from spotcheck.imports import cli as imports_cli

    imports_cli.register(_app, _factory)


def _register_planning_commands() -> None:
    from spotcheck.deadlines import cli as deadlines_cli
    from spotcheck.plans import cli as plans_cli
    from spotcheck.rulebooks import cli as rulebooks_cli

    rulebooks_cli.register(_app, _factory)
    plans_cli.register(_app, _factory)
    deadlines_cli.register(_app, _factory)


def _register_ceremony_commands() -> None:
    from spotcheck.draws import cli as ceremony_cli

    ceremony_cli.register(_app, _factory)


def _register_engine_commands() -> None:
    """The draw engine's commands live with the engine (verify, verifier-script, draw replay)."""
    from spotcheck.draws import engine_cli

    engine_cli.register(_app, draw_app)


# The commands of each group that lives in its own module; a command line naming one of them
# loads only that module (a ceremony step starts in half the time), anything else loads all.
_GROUPS = {
    "ceremony": _register_ceremony_commands,
    "plan": _register_planning_commands,
    "rulebook": _register_planning_commands,
    "deadline": _register_planning_commands,
    "import": _register_registry_commands,
    "export": _register_registry_commands,
    "template": _register_registry_commands,
    "verify": _register_engine_commands,
    "verifier-script": _register_engine_commands,
    "draw": _register_engine_commands,
}
_OWN = {"serve", "db", "user", "calendar", "audit", "demo"}


_registered: set[Callable[[], None]] = set()


def register_commands(argv: list[str] | None = None) -> typer.Typer:
    """The app with the commands the command line needs (all unless it names a group)."""
    first = next((a for a in argv or [] if not a.startswith("-")), None)
    if first in _OWN:
        return _app
    wanted = _GROUPS.get(first or "")
    for register in dict.fromkeys(_GROUPS.values()):
        if (wanted is None or register is wanted) and register not in _registered:
            _registered.add(register)
            register()
    return _app


def __getattr__(name: str) -> typer.Typer:
    # `from spotcheck.cli import app` (tests, tools): the app with every command.
    if name == "app":
        return register_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the console script.

    Once the command has finished (its transaction committed or rolled back), the database
    connections are closed and the process ends without the interpreter's teardown of every
    module and object, which took a tenth of a second after each command."""
    import gc
    import os
    import sys

    gc.disable()  # importing creates many objects and no garbage: collecting only costs time
    app = register_commands(sys.argv[1:])
    gc.enable()
    code: int | str | None = 0
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    finally:
        for engine in list(_engines):
            engine.dispose()
        sys.stdout.flush()
        sys.stderr.flush()
    if isinstance(code, str):
        print(code, file=sys.stderr)
        sys.stderr.flush()
        code = 1
    os._exit(code or 0)
