"""Per-column cell converters, compiled once per import (the hot path of validation).

A converter takes one raw cell (``str`` from CSV; str, float, int, bool, date… from xlsx) and
returns the normalised value; on a broken rule it appends ``(header, cell, rule)`` to the
validator's pending list and returns None, so a row's errors are seen with one ``if``.
Valid cells never raise; the common case (a non-empty string) is tested first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spotcheck.tabular.reader import Cell
    from spotcheck.tabular.schema import Column

Converter = Callable[["Cell"], Any]


class Bad:
    """A broken rule (Chinese), returned instead of a value."""

    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        self.rule = rule


REQUIRED = Bad("必填项，不能为空")
NUMERIC_CODE = Bad("以数字形式存储，可能已丢失精度；请将该列设为文本格式后重新填写")
BOOL_ONLY = Bad("只能填写“是”或“否”")
DATE_FORM = Bad("日期格式应为 YYYY-MM-DD，如 2025-06-30")
DATE_NUMBER = Bad("日期以数字形式存储；请设为日期格式，或按 YYYY-MM-DD 填写为文本")
INT_FORM = Bad("应为整数")
PERCENT_FORM = Bad("应为百分数（如 5%）或 0–1 之间的小数（如 0.05）")
PERCENT_RANGE = Bad("抽查比例应大于 0 且不超过 100%")
PERCENT_PRECISION = Bad("抽查比例最多精确到 0.01%")
# Excel turns long digit strings into 1.1E+17; such text in a CSV has already lost digits.
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$|^\d+\.0+$")
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The writer quotes text a spreadsheet could take for a formula; the quote comes off again.
QUOTED = ("'=", "'+", "'-", "'@", "'\t", "'\r")
TAG_SPLIT = re.compile(r"[、，,;；\s]+")
TAG_JOIN = "、"


def empty_value(kind: str) -> Any:
    """The value an empty optional cell gets: "" for text kinds, None, False or []."""
    return {"bool": False, "int": None, "date": None, "percent": None, "tags": []}.get(kind, "")


def cell_text(cell: Cell) -> str:
    """A non-string cell as text, the way Excel would show it (used for text columns and errors)."""
    if cell.__class__ is str:
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return f"{cell:.15G}"
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def compile_column(col: Column, pending: list[tuple[str, Cell, str]]) -> Converter:
    """Build the converter of one column; a broken rule is appended to ``pending``.

    The converter returns the value, or None after appending ``(header, cell, rule)``.
    Text-like kinds get a specialised closure: they are most of the cells of a file.
    """
    header = col.header
    fail = pending.append
    if col.kind in ("text", "code", "enum"):
        fast = _TEXT_FAST[col.kind](col)
        required_rule = REQUIRED.rule if col.required else None
        parse_other = _PARSERS[col.kind](col)

        def convert_text(cell: Cell) -> Any:
            if cell.__class__ is str:
                text = cell.strip()
                if text:
                    if text.startswith(QUOTED):
                        text = text[1:]
                    value = fast(text)
                    if value.__class__ is Bad:
                        fail((header, cell, value.rule))
                        return None
                    return value
                if required_rule is not None:
                    fail((header, cell, required_rule))
                    return None
                return ""
            return convert_slow(cell)

        def convert_slow(cell: Cell) -> Any:
            value = parse_other(cell)
            if value.__class__ is Bad:
                fail((header, cell, value.rule))
                return None
            return value

        return convert_text

    parse = _PARSERS[col.kind](col)
    required = col.required
    default = empty_value(col.kind)
    is_list = col.kind == "tags"

    def convert(cell: Cell) -> Any:
        if cell.__class__ is str:
            text = cell.strip()
            if not text:
                if required:
                    fail((header, cell, REQUIRED.rule))
                    return None
                return [] if is_list else default
            value = parse(text)
        else:
            value = parse(cell)
        if value.__class__ is Bad:
            fail((header, cell, value.rule))
            return None
        return value

    return convert


def constant(col: Column) -> Converter:
    """The converter of a column absent from the file: always the empty value."""
    if col.kind == "tags":
        return lambda cell: []
    default = empty_value(col.kind)
    return lambda cell: default


def _text_fast(col: Column) -> Callable[[str], Any]:
    """Stripped, non-empty text → value or Bad (text and code kinds)."""
    max_len, check, upper = col.max_len, col.check, col.upper
    code = col.kind == "code"
    if not code and check is None and not upper:
        if max_len is None:
            return lambda text: text

        def bounded(text: str) -> Any:
            if len(text) > max_len:
                return Bad(f"长度不能超过 {max_len} 个字符（现为 {len(text)} 个）")
            return text

        return bounded

    def checked(text: str) -> Any:
        if code and ("." in text or "E" in text or "e" in text) and _NUMBER_TEXT.match(text):
            return NUMERIC_CODE
        if upper:
            text = text.upper()
        if max_len is not None and len(text) > max_len:
            return Bad(f"长度不能超过 {max_len} 个字符（现为 {len(text)} 个）")
        if check is not None:
            reason = check(text)
            if reason is not None:
                return Bad(reason)
        return text

    return checked


def _enum_fast(col: Column) -> Callable[[str], Any]:
    table = _lookup(col)
    bad = Bad(_choices_rule(col))
    get = table.get
    return lambda text: get(text, bad)


def _text(col: Column) -> Converter:
    fast = _text_fast(col)
    code = col.kind == "code"

    def parse(value: Cell) -> Any:
        if value.__class__ is not str:
            if code:
                return NUMERIC_CODE
            value = cell_text(value)
        return fast(value)

    return parse


_TEXT_FAST: dict[str, Callable[[Column], Callable[[str], Any]]] = {
    "text": _text_fast,
    "code": _text_fast,
    "enum": _enum_fast,
}


def _lookup(col: Column) -> dict[str, str]:
    table = {c: c for c in col.choices or ()}
    table.update(col.aliases or {})
    return table


def _choices_rule(col: Column) -> str:
    return "应为以下之一：" + "、".join(col.choices or ())


def _enum(col: Column) -> Converter:
    table = _lookup(col)
    bad = Bad(_choices_rule(col))

    def parse(value: Cell) -> Any:
        if value.__class__ is not str:
            value = cell_text(value)
        return table.get(value, bad)

    return parse


def _bool(col: Column) -> Converter:
    table = {"是": True, "否": False}

    def parse(value: Cell) -> Any:
        if value.__class__ is str:
            return table.get(value, BOOL_ONLY)
        return BOOL_ONLY

    return parse


def _int(col: Column) -> Converter:
    low, high = col.min_value, col.max_value
    range_rule = Bad(
        f"应为 {low if low is not None else ''}–{high if high is not None else ''} 之间的整数"
    )

    def parse(value: Cell) -> Any:
        if value.__class__ is str:
            text: str = value
            digits = text[1:] if text[:1] in "+-" else text
            if not (digits.isascii() and digits.isdigit()):
                return INT_FORM
            number = int(text)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and not value.is_integer():
                return INT_FORM
            number = int(value)
        else:
            return INT_FORM
        if (low is not None and number < low) or (high is not None and number > high):
            return range_rule
        return number

    return parse


def _date(col: Column) -> Converter:
    def parse(value: Cell) -> Any:
        if value.__class__ is str:
            if not _DATE_TEXT.match(value):
                return DATE_FORM
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return Bad(f"日期“{value}”不存在")
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return DATE_NUMBER
        return DATE_FORM

    return parse


def _tags(col: Column) -> Converter:
    table = _lookup(col) if col.choices else None
    max_len, required = col.max_len, col.required
    rule = _choices_rule(col)

    def parse(value: Cell) -> Any:
        if value.__class__ is not str:
            value = cell_text(value)
        tags = list(dict.fromkeys(filter(None, TAG_SPLIT.split(value))))
        if not tags and required:
            return REQUIRED
        if table is not None:
            wrong = [t for t in tags if t not in table]
            if wrong:
                return Bad(f"“{'、'.join(wrong)}”不是可选值；{rule}")
            tags = list(dict.fromkeys(table[t] for t in tags))
        if max_len is not None:
            long = [t for t in tags if len(t) > max_len]
            if long:
                return Bad(f"每个标签不能超过 {max_len} 个字符：“{long[0]}”")
        return tags

    return parse


def _percent(col: Column) -> Converter:
    def parse(value: Cell) -> Any:
        try:
            if value.__class__ is str:
                text: str = value
                if text.endswith(("%", "％")):
                    basis = Decimal(text[:-1].strip()) * 100
                else:
                    number = Decimal(text)
                    if number > 1:
                        return PERCENT_FORM
                    basis = number * 10000
            elif isinstance(value, int | float) and not isinstance(value, bool):
                if value > 1:
                    return PERCENT_FORM
                basis = Decimal(repr(value)) * 10000
            else:
                return PERCENT_FORM
        except InvalidOperation:
            return PERCENT_FORM
        if not basis.is_finite():
            return PERCENT_FORM
        if basis != basis.to_integral_value():
            return PERCENT_PRECISION
        if not 0 < basis <= 10000:
            return PERCENT_RANGE
        return int(basis)

    return parse


_PARSERS: dict[str, Callable[[Column], Converter]] = {
    "text": _text,
    "code": _text,
    "enum": _enum,
    "bool": _bool,
    "int": _int,
    "date": _date,
    "tags": _tags,
    "percent": _percent,
}


def format_percent(basis_points: int) -> str:
    """500 → "5%", 1250 → "12.5%", 1 → "0.01%"."""
    whole, rest = divmod(basis_points, 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"
