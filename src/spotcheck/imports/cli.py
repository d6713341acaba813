"""`spotcheck import|export|template`: the registries' files on the command line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from spotcheck.audit.service import SYSTEM
from spotcheck.catalog import service as catalog_service
from spotcheck.config import get_settings
from spotcheck.db import unit_of_work
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.imports import adapters
from spotcheck.imports import history as history_adapter
from spotcheck.imports import service as imports_service
from spotcheck.inspectors import service as inspectors_service
from spotcheck.tabular.limits import MIB
from spotcheck.tabular.writer import write_template
from spotcheck.targets import search as targets_search

console = Console()
err = Console(stderr=True)
KINDS = ("targets", "inspectors", "items", "history")
MAX_ERRORS_PRINTED = 1000


def _kind(kind: str) -> str:
    if kind not in KINDS:
        err.print(f"[red]类型只能是 {' / '.join(KINDS)}，收到 {kind!r}[/red]")
        raise typer.Exit(2)
    return kind


def register(app: typer.Typer, get_factory: Callable[[], sessionmaker[Session]]) -> None:
    """Add the import, export and template commands to the main app."""

    @app.command("import")
    def import_file(
        kind: Annotated[
            str,
            typer.Argument(
                help="targets（检查对象）| inspectors（执法检查人员）| items（抽查事项）"
                "| history（检查记录）"
            ),
        ],
        file: Annotated[
            Path,
            typer.Argument(
                help=".xlsx 或 .csv（UTF-8 / GB18030）；上限见 IMPORT_MAX_UNPACKED_MB、IMPORT_MAX_ROWS",
                exists=True,
                dir_okay=False,
            ),
        ],
        department: Annotated[
            str,
            typer.Option(
                "--department",
                help="部门编码：导入到该部门的名录库/清单；人员导入时为可用部门范围的根；"
                "检查记录可不填（每行按“检查部门编码”记录），填写时仅用于提示哪些行是范围外部门的",
            ),
        ] = "",
        registry: Annotated[
            str, typer.Option("--registry", help="同时归入该部门的分库（仅 targets）")
        ] = "",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="只检查并报告将发生的变化，不写入")
        ] = False,
    ) -> None:
        """导入文件：全部行通过检查才整体写入（退出码 0），否则打印每处错误且不写入（退出码 1）。"""
        kind = _kind(kind)
        sessions = get_factory()
        limits = imports_service.limits_of(get_settings())
        if file.stat().st_size > limits.max_bytes:  # refused before it is read into memory
            err.print(
                f"[red]文件无法读取：文件大小 {file.stat().st_size / MIB:.1f} MB，超过上限 "
                f"{limits.max_bytes // MIB} MB；请拆分后分批导入[/red]"
            )
            raise typer.Exit(1)
        data = file.read_bytes()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} 行"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("检查", total=None)
            try:
                with unit_of_work(sessions) as session:
                    dept = _department(session, department, kind)
                    report = imports_service.run(
                        session,
                        SYSTEM,
                        kind,
                        data,
                        file.name,
                        department=dept,
                        scope=_scope(session, dept),
                        registry=registry,
                        dry_run=dry_run,
                        progress=lambda n: progress.update(task, completed=n),
                        limits=limits,
                    )
                    if not report.ok:
                        raise _Refused(report)
                    progress.update(task, description="写入")
            except _Refused as refused:
                _print_errors(refused.report)
                raise typer.Exit(1) from refused
            except DomainError as exc:
                err.print(f"[red]{exc.message}[/red]")
                raise typer.Exit(1) from exc
        outcome = report.outcome
        assert outcome is not None
        verb = "检查通过（未写入）" if dry_run else "导入完成"
        console.print(
            f"{verb}：{file.name} 共 {outcome.rows} 行，新增 {outcome.created}，"
            f"更新 {outcome.updated}，未变 {outcome.unchanged}。"
        )
        for warning in outcome.warnings:
            err.print(f"[yellow]注意：{warning}[/yellow]", soft_wrap=True, highlight=False)

    @app.command("export")
    def export_file(
        kind: Annotated[str, typer.Argument(help="targets | inspectors | items | history")],
        out: Annotated[
            Path, typer.Argument(help="输出文件 .xlsx 或 .csv（CSV 为带 BOM 的 UTF-8）")
        ],
        department: Annotated[str, typer.Option("--department", help="部门编码（含其下级部门）")],
        q: Annotated[str, typer.Option(help="名称、拼音首字母或代码")] = "",
        region: Annotated[str, typer.Option(help="行政区划代码（370300 表示整个市）")] = "",
        status: Annotated[str, typer.Option(help="登记状态，如 存续")] = "",
        risk: Annotated[str, typer.Option(help="信用风险等级 A/B/C/D")] = "",
        tag: Annotated[str, typer.Option(help="标签（分库）")] = "",
    ) -> None:
        """按模板格式导出（代码列为文本，以 = + - @ 开头的内容已中和）；导出后再导入不会产生变化。"""
        kind = _kind(kind)
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            err.print("[red]输出文件须以 .xlsx 或 .csv 结尾[/red]")
            raise typer.Exit(2)
        sessions = get_factory()
        with unit_of_work(sessions) as session:
            dept = departments_service.get_by_code(session, department)
            if dept is None:
                err.print(f"[red]部门编码“{department}”不存在[/red]")
                raise typer.Exit(1)
            scope = departments_service.subtree_ids(session, dept)
            if kind == "targets":
                filters = targets_search.Filters(
                    q=q, region=region, status=status, risk=risk, tag=tag
                )
                rows = [
                    adapters.target_row(t)
                    for t in targets_search.iter_export(session, scope, filters)
                ]
            elif kind == "history":
                rows = list(history_adapter.export_rows(session, scope))
            elif kind == "inspectors":
                rows = [
                    adapters.inspector_row(i)
                    for i in inspectors_service.all_matching(
                        session, scope, inspectors_service.Filters(q=q)
                    )
                ]
            else:
                rows = [adapters.item_row(i) for i in catalog_service.get_all(session, scope, q)]
        with out.open("wb") as stream:
            imports_service.write_rows(stream, kind, fmt, rows)
        console.print(f"已导出 {len(rows)} 行到 {out}")

    @app.command("template")
    def template_file(
        kind: Annotated[str, typer.Argument(help="targets | inspectors | items | history")],
        out: Annotated[Path, typer.Argument(help="输出的 .xlsx 模板")],
    ) -> None:
        """写出导入模板：表头、一行示例和“填写说明”工作表。"""
        kind = _kind(kind)
        stream = io.BytesIO()
        write_template(stream, imports_service.SPECS[kind])
        out.write_bytes(stream.getvalue())
        console.print(f"已写出模板 {out}")


def _department(session: Session, code: str, kind: str) -> Department | None:
    """The --department of an import; only kinds whose rows name their departments may omit it."""
    if not code:
        if kind == "history":
            return None
        raise DomainError(f"导入 {kind} 须用 --department 指定部门编码")
    department = departments_service.get_by_code(session, code)
    if department is None:
        raise DomainError(f"部门编码“{code}”不存在")
    return department


def _scope(session: Session, department: Department | None) -> list[int]:
    """The department's subtree; without one (history only) the CLI sees every department."""
    if department is None:
        return [d.id for d in departments_service.get_all(session)]
    return departments_service.subtree_ids(session, department)


class _Refused(Exception):
    def __init__(self, report: imports_service.Report) -> None:
        super().__init__("refused")
        self.report = report


def _print_errors(report: imports_service.Report) -> None:
    if report.file_error:
        err.print(f"[red]文件无法读取：{report.file_error}[/red]")
        return
    err.print(
        f"[red]检查未通过：共 {report.rows} 行，{len(report.errors)} 处错误，未导入任何数据。[/red]"
    )
    for error in report.errors[:MAX_ERRORS_PRINTED]:
        # One error per line whatever the terminal width, so scripts can grep "第 N 行".
        err.print(f"  {error}", soft_wrap=True, markup=False, highlight=False)
    if len(report.errors) > MAX_ERRORS_PRINTED:
        err.print(f"  ……其余 {len(report.errors) - MAX_ERRORS_PRINTED} 处未列出")
