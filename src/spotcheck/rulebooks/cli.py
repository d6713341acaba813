"""`spotcheck rulebook …`: list, show, validate, copy, diff, versions, adopt, export, import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from spotcheck import clock
from spotcheck.audit.service import SYSTEM
from spotcheck.db import unit_of_work
from spotcheck.departments import service as departments_service
from spotcheck.errors import DomainError
from spotcheck.rulebooks import describe, versions
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.labels import readable_path, value_text
from spotcheck.rulebooks.models import CustomProfile
from spotcheck.rulebooks.schema import ProfileInvalid, cite, parse

console = Console()
err = Console(stderr=True)


def as_text(description: describe.Description) -> str:
    """The description as plain text, one rule a line with its article."""
    out = [f"{description.name}（{description.code}）"]
    out += [f"！{w}" for w in description.warnings]
    for section in description.sections:
        out += ["", f"【{section.title}】"]
        rows = [(line, False) for line in section.intro]
        rows += [(line, bool(section.columns)) for line in section.lines]
        for line, tabular in rows:
            head = "｜".join(line.cells) if tabular and line.cells else f"{line.label}：{line.text}"
            source = f"  〔{cite(line.article)}〕" if line.article else ""
            out.append(f"  {head}{source}")
            if line.note:
                out.append(f"      说明：{line.note}")
    return "\n".join(out)


def _plain(text: str) -> None:
    # One item per line whatever the terminal width, so scripts can grep "第 N 行".
    console.print(text, soft_wrap=True, markup=False, highlight=False)


def _problems(exc: ProfileInvalid) -> None:
    err.print(f"[red]校验未通过：{len(exc.problems)} 处问题[/red]")
    for problem in exc.problems:
        err.print(f"  {problem}", soft_wrap=True, markup=False, highlight=False)


def _fail(exc: DomainError) -> typer.Exit:
    err.print(exc.message, style="red", soft_wrap=True, markup=False, highlight=False)
    return typer.Exit(1)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        err.print(f"[red]{file} 不是 UTF-8 编码的文本文件[/red]")
        raise typer.Exit(2) from exc


def register(app: typer.Typer, get_factory: Callable[[], sessionmaker[Session]]) -> None:
    """Add `spotcheck rulebook …` to the main app."""
    rulebook = typer.Typer(
        help="细则配置：查看、校验、复制、版本、采用、导入导出。", no_args_is_help=True
    )
    app.add_typer(rulebook, name="rulebook")

    @rulebook.command("list")
    def list_() -> None:
        """列出全部细则配置（内置在前，副本注明原细则）。"""
        day = clock.today()
        with unit_of_work(get_factory()) as session:
            entries = rulebooks_service.get_all(session)
        table = Table("编码", "名称", "细则原文", "有效期", "来源")
        for e in entries:
            info = e.profile.profile
            until = f" 至 {info.effective_until}" if info.effective_until else " 起"
            expired = "（已失效）" if e.profile.expired_on(day) else ""
            source = "内置" if e.builtin else f"副本，原细则 {e.based_on}"
            table.add_row(e.code, e.name, e.seed, f"{info.effective_from}{until}{expired}", source)
        console.print(table)

    @rulebook.command("show")
    def show(code: Annotated[str, typer.Argument(help="配置编码，如 zibo-gxj")]) -> None:
        """逐条显示细则配置的中文说明及依据条款。"""
        try:
            with unit_of_work(get_factory()) as session:
                profile = rulebooks_service.get(session, code)
        except DomainError as exc:
            raise _fail(exc) from exc
        _plain(as_text(describe.describe(profile, clock.today())))

    @rulebook.command("validate")
    def validate(
        file: Annotated[Path, typer.Argument(help="TOML 文件", exists=True, dir_okay=False)],
    ) -> None:
        """校验配置文件：通过退出码 0；否则逐条列出问题及所在行，退出码 1。"""
        try:
            profile = parse(_read(file))
        except ProfileInvalid as exc:
            _problems(exc)
            raise typer.Exit(1) from exc
        console.print(f"校验通过：{profile.profile.name}（{profile.code}）")

    @rulebook.command("copy")
    def copy(
        source: Annotated[str, typer.Argument(help="复制哪个配置")],
        new_code: Annotated[str, typer.Argument(help="新配置编码（小写字母、数字、连字符）")],
    ) -> None:
        """复制一个配置为新配置，以便修改。"""
        try:
            with unit_of_work(get_factory()) as session:
                custom = rulebooks_service.copy(session, SYSTEM, source, new_code)
                console.print(f"已复制 {source} 为 {custom.code}（原细则 {custom.based_on}）。")
        except DomainError as exc:
            raise _fail(exc) from exc

    @rulebook.command("diff")
    def diff(code: Annotated[str, typer.Argument(help="副本的编码")]) -> None:
        """列出副本与原细则不同的参数。"""
        try:
            with unit_of_work(get_factory()) as session:
                custom = rulebooks_service.get_custom_or_404(session, code)
                changes = rulebooks_service.diff(session, code)
        except DomainError as exc:
            raise _fail(exc) from exc
        if not changes:
            console.print(f"{code} 与原细则 {custom.based_on} 完全相同。")
            return
        table = Table("参数", "原细则", "本配置", title=f"{code} 与原细则 {custom.based_on} 的差异")
        for c in changes:
            table.add_row(
                f"{readable_path(c.path)}\n{c.path}", value_text(c.old), value_text(c.new)
            )
        console.print(table)

    @rulebook.command("versions")
    def versions_(code: Annotated[str, typer.Argument(help="配置编码，如 zibo-gxj")]) -> None:
        """列出配置的版本（编号、SHA-256、建立人、时间）；计划、任务和抽取按其当时的版本执行。"""
        try:
            with unit_of_work(get_factory()) as session:
                # An unknown code is refused here (NotFound).
                current = versions.digest(rulebooks_service.get_text(session, code))
                rows = versions.get_all(session, code)
        except DomainError as exc:
            raise _fail(exc) from exc
        if not rows:
            console.print(f"{code} 尚未被使用：首次用于计划、任务或抽取时成为第 1 版。")
            return
        # One version a line, whole digests, so scripts can compare them.
        for n, row in enumerate(rows):
            mark = "（现行）" if n == 0 and row.sha256 == current else ""
            at = row.created_at.astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M")
            _plain(f"{row.label}{mark}  SHA-256 {row.sha256}  {row.created_by} {at}")

    @rulebook.command("adopt")
    def adopt(
        department: Annotated[str, typer.Argument(help="部门编码")],
        profile: Annotated[str, typer.Argument(help="配置编码")],
    ) -> None:
        """让部门采用某个配置（其科室和未单独采用的下级部门沿用）。"""
        try:
            with unit_of_work(get_factory()) as session:
                dept = departments_service.get_by_code(session, department)
                if dept is None:
                    raise DomainError(f"部门编码“{department}”不存在")
                rulebooks_service.adopt(session, SYSTEM, dept, profile)
                console.print(f"{dept.name} 已采用细则配置 {profile}。")
        except DomainError as exc:
            raise _fail(exc) from exc

    @rulebook.command("export")
    def export(
        code: Annotated[str, typer.Argument(help="配置编码")],
        out: Annotated[
            Path | None, typer.Option("-o", "--output", help="写入文件（不给则打印）")
        ] = None,
    ) -> None:
        """导出配置的 TOML 文本。"""
        try:
            with unit_of_work(get_factory()) as session:
                text = rulebooks_service.get_text(session, code)
        except DomainError as exc:
            raise _fail(exc) from exc
        if out is None:
            _plain(text)
            return
        out.write_text(text, encoding="utf-8")
        console.print(f"已写出 {out}")

    @rulebook.command("import")
    def import_(
        file: Annotated[Path, typer.Argument(help="TOML 文件", exists=True, dir_okay=False)],
    ) -> None:
        """从 TOML 文件新建或替换一个副本（须写明 code 和 based_on，先整体校验）。"""
        text = _read(file).replace("\r\n", "\n")
        try:
            profile = parse(text)
            code, based_on = profile.code, profile.profile.based_on
            if rulebooks_service.is_builtin(code):
                raise DomainError(f"{code} 是内置配置，不能导入覆盖；请改用新的 code")
            if not based_on:
                raise DomainError("导入的副本须在 [profile] 中写明 based_on（原细则编码）")
            with unit_of_work(get_factory()) as session:
                exists = session.scalar(select(CustomProfile.id).where(CustomProfile.code == code))
                if exists is None:
                    rulebooks_service.copy(session, SYSTEM, based_on, code)
                rulebooks_service.save(session, SYSTEM, code, text)
                verb = "已替换" if exists else "已新建"
                console.print(f"{verb}细则配置 {code}（原细则 {based_on}）。")
        except ProfileInvalid as exc:
            _problems(exc)
            raise typer.Exit(1) from exc
        except DomainError as exc:
            raise _fail(exc) from exc
