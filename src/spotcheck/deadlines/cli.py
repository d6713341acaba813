"""`spotcheck deadline …`: mark the deadlines that passed (run daily, e.g. from cron)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from spotcheck import clock
from spotcheck.db import unit_of_work
from spotcheck.deadlines import service as deadlines_service

console = Console()


def register(app: typer.Typer, get_factory: Callable[[], sessionmaker[Session]]) -> None:
    """Add `spotcheck deadline …` to the main app."""
    deadline = typer.Typer(help="期限：逾期标记。", no_args_is_help=True)
    app.add_typer(deadline, name="deadline")

    @deadline.command("refresh")
    def refresh(
        date: Annotated[str, typer.Option(help="按哪一天判断（YYYY-MM-DD，默认今天）")] = "",
    ) -> None:
        """把截止日期已过仍未完成的期限标记为逾期未完成。"""
        try:
            day = dt.date.fromisoformat(date) if date else clock.today()
        except ValueError as exc:
            Console(stderr=True).print(f"[red]日期格式应为 YYYY-MM-DD：{date}[/red]")
            raise typer.Exit(2) from exc
        with unit_of_work(get_factory()) as session:
            missed = deadlines_service.refresh(session, day)
            lines = [deadlines_service.state_text(row, day) for row in missed]
        console.print(f"截至 {day.isoformat()}：{len(lines)} 个期限逾期未完成。")
        for line in lines:
            console.print(f"  {line}")
