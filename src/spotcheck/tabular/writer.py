"""Write .xlsx (openpyxl, write-only mode) and .csv files: exports, templates, error reports.

Every string cell that starts with = + - @, a tab or a carriage return is written with a
leading single quote (formula injection, OWASP "CSV injection"); the validator removes
that quote again on import, so export → import changes nothing. Booleans are written as
是/否, lists joined with 、, dates as real Excel dates (CSV: YYYY-MM-DD), None as empty.
Characters that XML cannot hold (control characters other than tab and newlines) are dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from spotcheck.tabular.convert import TAG_JOIN, cell_text
from spotcheck.tabular.formula import neutralise
from spotcheck.tabular.reader import Cell, Table
from spotcheck.tabular.schema import (
    ERROR_COLUMN,
    Column,
    Record,
    RowError,
    Spec,
    format_record,
)

_BOLD = Font(bold=True)
_ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _clean(text: str) -> str:
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return neutralise(text)


def _plain(value: Any) -> Any:
    """A value as openpyxl should store it (strings cleaned, bools and lists as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return _clean(TAG_JOIN.join(map(str, value)))
    if isinstance(value, int | float | dt.date | dt.datetime):
        return value
    return _clean(str(value))


def _as_text(value: Any) -> str | None:
    plain = _plain(value)
    if plain is None or isinstance(plain, str):
        return plain
    if isinstance(plain, dt.date):
        return plain.isoformat()
    return _clean(cell_text(plain))


def write_xlsx(
    stream: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    text_columns: Collection[str] = (),
    sheet_title: str = "数据",
    title: str = "",
) -> None:
    """Write one sheet: a bold header row, then ``rows``; ``text_columns`` (header names) as
    text '@'. A ``title`` goes in a first row above the headers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    _set_widths(sheet, headers)
    if title:
        sheet.append([_clean(title)])
    sheet.append([_header_cell(sheet, h) for h in headers])
    make_row = _RowMaker(sheet, [h in text_columns for h in headers])
    for row in rows:
        sheet.append(make_row(row))
    workbook.save(stream)


def _set_widths(sheet: Any, headers: Sequence[str]) -> None:
    for i, h in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(40, 2.2 * len(h) + 4))


def _header_cell(sheet: Any, header: str, fill: PatternFill = _HEADER_FILL) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_clean(header))
    cell.font = _BOLD
    cell.fill = fill
    return cell


class _RowMaker:
    """Cells of one row. A write-only sheet serialises each row as it is appended, so one
    styled cell per column is reused: creating and styling a cell per value costs more
    than writing it."""

    def __init__(self, sheet: Any, text: list[bool]) -> None:
        self.sheet = sheet
        self.text = text
        self.styled: dict[tuple[int, str], WriteOnlyCell] = {}

    def _cell(self, index: int, number_format: str) -> WriteOnlyCell:
        cell = self.styled.get((index, number_format))
        if cell is None:
            cell = self.styled[index, number_format] = WriteOnlyCell(self.sheet)
            cell.number_format = number_format
        return cell

    def __call__(self, row: Sequence[Any]) -> list[Any]:
        text = self.text
        out: list[Any] = []
        for i, value in enumerate(row):
            if i < len(text) and text[i]:
                cell = self._cell(i, "@")
                cell.value = _as_text(value)
                out.append(cell)
            elif isinstance(value, dt.date):
                cell = self._cell(i, "yyyy-mm-dd")
                cell.value = value
                out.append(cell)
            else:
                out.append(_plain(value))
        return out


def write_csv(
    stream: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    encoding: str = "utf-8-sig",
) -> None:
    """Write a CSV (UTF-8 with BOM by default, so Excel opens it; "gb18030" for old systems)."""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        writer = csv.writer(text)
        writer.writerow([neutralise(h) for h in headers])
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return neutralise(TAG_JOIN.join(map(str, value)))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return cell_text(value)
    if isinstance(value, int):
        return str(value)  # a number is no formula, and "-5" must stay "-5"
    return neutralise(str(value))


def export_xlsx(stream: IO[bytes], spec: Spec, records: Iterable[Record]) -> None:
    """Records as an .xlsx in template layout (re-importing it changes nothing)."""
    rows = (format_record(spec, r) for r in records)
    write_xlsx(
        stream, spec.headers, rows, text_columns=spec.text_headers, sheet_title=spec.title or "数据"
    )


def export_csv(
    stream: IO[bytes], spec: Spec, records: Iterable[Record], encoding: str = "utf-8-sig"
) -> None:
    """Records as a .csv in template layout (re-importing it changes nothing)."""
    write_csv(stream, spec.headers, (format_record(spec, r) for r in records), encoding)


_KIND_NAMES = {
    "text": "文本",
    "code": "代码（文本格式）",
    "enum": "单选",
    "bool": "是/否",
    "int": "整数",
    "date": "日期（YYYY-MM-DD）",
    "tags": "多值（顿号分隔）",
    "percent": "百分比",
}


def _allowed(col: Column) -> str:
    if col.kind == "bool":
        return "是、否"
    if not col.choices:
        return ""
    allowed = "、".join(col.choices)
    extra = {a: c for a, c in (col.aliases or {}).items() if a.lower() != c.lower()}
    if extra:
        allowed += "（另可写：" + "，".join(f"{a}→{c}" for a, c in extra.items()) + "）"
    return allowed


def _rules(col: Column) -> str:
    parts = [col.help] if col.help else []
    if col.max_len is not None and col.kind in ("text", "code"):
        parts.append(f"不超过 {col.max_len} 个字符")
    if col.kind == "code":
        parts.append("请设为文本格式，以数字形式存储的代码会被拒绝")
    return "；".join(parts)


def write_template(stream: IO[bytes], spec: Spec) -> None:
    """The downloadable template: headers, one valid example row, and a 填写说明 sheet."""
    workbook = Workbook()
    sheet: Worksheet = workbook.active
    sheet.title = spec.title or "导入模板"
    for i, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        head = sheet.cell(row=1, column=i, value=col.header)
        head.font = _BOLD
        head.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        sheet.column_dimensions[letter].width = max(12, min(40, 2.2 * len(col.header) + 4))
        example = sheet.cell(row=2, column=i, value=_example_value(col))
        if col.kind == "date":
            example.number_format = "yyyy-mm-dd"
        elif col.kind != "int":
            example.number_format = "@"
            # Cells the user fills in later keep text format too (no 1.1E+17).
            sheet.column_dimensions[letter].number_format = "@"
        choices = (
            ("是", "否") if col.kind == "bool" else col.choices if col.kind == "enum" else None
        )
        if choices:
            rule = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            rule.error = "请从下拉列表中选择"
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}1048576")
    sheet.freeze_panes = "A2"
    _write_instructions(workbook.create_sheet("填写说明"), spec)
    workbook.save(stream)


def _example_value(col: Column) -> Any:
    if not col.example:
        return None
    if col.kind == "int":
        return int(col.example)
    if col.kind == "date":
        return dt.date.fromisoformat(col.example)
    return col.example


def _write_instructions(sheet: Worksheet, spec: Spec) -> None:
    header = ("列名", "是否必填", "类型", "可填写的值", "规则说明", "示例")
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    for col in spec.columns:
        sheet.append(
            (col.header, "必填" if col.required else "选填", _KIND_NAMES[col.kind], _allowed(col),
             _rules(col), col.example)
        )  # fmt: skip
    sheet.append(())
    sheet.append(("填写要求",))
    sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    general = (
        "第一行为表头，请勿修改、增加或删除表头；列的顺序可以调整。",
        "选填项可以留空；留空的“是/否”列视为“否”。",
        "日期请按 YYYY-MM-DD 填写（如 2025-06-30），或使用 Excel 日期格式。",
        "多值列用顿号（、）、逗号、分号或空格分隔。",
        "文件中任何一行有错误时整个文件都不会导入，系统会列出全部错误并提供带“错误说明”列的文件供修改后重新导入。",
    )
    for line in (*spec.notes, *general):
        sheet.append((line,))
    for letter, width in zip("ABCDEF", (18, 10, 18, 40, 60, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP


def write_error_report(
    stream: IO[bytes],
    table_or_rows: Table | tuple[Sequence[str], Iterable[tuple[int, Sequence[Cell]]]],
    errors: Iterable[RowError],
) -> None:
    """The uploaded rows again, at their original row numbers, with a last column 错误说明.

    Cells with an error are shaded red. Errors about the header (a missing or unknown
    column) are listed on a second sheet 表头问题. Cells under no header beyond the last
    header are left out (the error text quotes them). The validator ignores the 错误说明
    column, so the user can fix this file and upload it again.
    """
    if isinstance(table_or_rows, Table):
        headers: Sequence[str] = table_or_rows.headers
        header_row = table_or_rows.header_row
        rows: Iterable[tuple[int, Sequence[Cell]]] = table_or_rows.rows()
    else:
        headers, rows = table_or_rows
        header_row = 1
    by_row: dict[int, list[RowError]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
    column_of = {h: i for i, h in enumerate(headers) if h}
    width = len(headers)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误报告")
    _set_widths(sheet, [*headers, "错误说明错误说明错误说明"])
    for _ in range(header_row - 1):
        sheet.append([])
    head = [_header_cell(sheet, h) for h in headers]
    head.append(_header_cell(sheet, ERROR_COLUMN, _ERROR_FILL))
    header_problems = by_row.pop(header_row, [])
    sheet.append(head)
    last = header_row
    for number, cells in rows:
        for _ in range(number - last - 1):
            sheet.append([])
        last = number
        problems = by_row.get(number, [])
        bad = {column_of[e.column] for e in problems if e.column in column_of}
        out: list[Any] = []
        for i in range(max(width, len(cells))):
            value = _plain(cells[i]) if i < len(cells) else None
            if i in bad:
                cell = WriteOnlyCell(sheet, value=value)
                cell.fill = _ERROR_FILL
                out.append(cell)
            else:
                out.append(value)
        out = out[:width] + [None] * (width - len(out))
        out.append(_describe(problems) if problems else None)
        sheet.append(out)
    if header_problems:
        # A write-only row cannot be revisited, and a row added here would shift the numbers.
        extra = workbook.create_sheet("表头问题")
        extra.append([_header_cell(extra, "列"), _header_cell(extra, "问题")])
        for e in header_problems:
            extra.append(
                [_clean(e.column), _clean(f"“{e.value}”：{e.rule}" if e.value else e.rule)]
            )
    workbook.save(stream)


def _describe(problems: list[RowError]) -> str:
    return _clean("；".join(e.describe() for e in problems))
