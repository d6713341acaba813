"""Open an uploaded .xlsx or .csv file as a table of header names and numbered rows.

- The format is decided by the extension *and* the content: an .xlsx must be a zip
  (``PK\\x03\\x04``), a .csv must not be one; .xls, encrypted workbooks, UTF-16 text and
  anything else are refused with a Chinese message (:class:`TableError`).
- .xlsx: the first visible worksheet, read with python-calamine; cells keep their types
  (str, float, int, bool, date, datetime, time, timedelta; empty cells are ``""``).
- .xlsx archives are checked against :class:`Limits` first (``tabular.xlsxguard``: unpacked
  size, compression ratio, rows and cell area, from the zip directory and while inflating), so
  a zip bomb is refused before calamine loads anything.
- .csv: UTF-8 with BOM, else UTF-8, else GB18030 (a superset of GBK/GB2312); a file that is
  none of these, or GB18030 mojibake of Big5 and the like, is refused naming the encoding it
  looks like and the rows (``tabular.encoding``). The delimiter is a comma unless the header
  line has only tabs or semicolons. Rows are decoded and parsed lazily, straight from the bytes.
- More data rows than ``limits.max_rows`` stop the reading with a :class:`TableError`.
- The header row is the first non-empty row (normally row 1); header names are stripped and
  must be unique. Row numbers are those the user sees: the sheet's row number in Excel, the
  record number in a CSV (a quoted cell may span lines). Fully empty rows are skipped but keep
  their number. ``Table.rows()`` can be iterated again (e.g. for the error report).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import TypeAlias, cast

import python_calamine

from spotcheck.tabular import encoding as encodings
from spotcheck.tabular.limits import Limits
from spotcheck.tabular.xlsxguard import Refused, check_xlsx

Cell: TypeAlias = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta

DEFAULT_MAX_BYTES = Limits().max_bytes
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks


class TableError(Exception):
    """The file cannot be read as a table at all; ``message`` is Chinese for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def column_label(index: int) -> str:
    """Excel column letters for a 0-based index: 0 → A, 27 → AB."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(65 + rest) + label
    return label


def _is_blank(row: list[Cell]) -> bool:
    return all(cell.__class__ is str and not cell.strip() for cell in row)


class Table:
    """Header names and an iterator of ``(row_number, cells)``; see the module docstring."""

    encoding = ""  # a CSV's text encoding; "" for a workbook

    def __init__(self, filename: str, headers: list[str], header_row: int, col_offset: int) -> None:
        self.filename = filename
        self.headers = headers
        self.header_row = header_row
        self.col_offset = col_offset  # 0-based column of the first cell in each row
        self.limits = Limits()

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """Data rows after the header, with the row number the user sees; blank rows skipped.

        Raises :class:`TableError` past ``limits.max_rows`` data rows."""
        header_row = self.header_row
        count = 0
        for number, row in self._numbered():
            if number > header_row:
                count += 1
                if count > self.limits.max_rows:
                    raise TableError(self.limits.rows_message())
                yield number, row

    def _numbered(self) -> Iterator[tuple[int, list[Cell]]]:
        raise NotImplementedError

    def column_name(self, index: int) -> str:
        """How to name column ``index`` of a row to the user: 第 F 列."""
        return f"第 {column_label(index + self.col_offset)} 列"

    def _set_headers(self, raw: list[Cell]) -> None:
        headers = [_header_text(c) for c in raw]
        while headers and not headers[-1]:
            headers.pop()
        seen: dict[str, int] = {}
        for i, name in enumerate(headers):
            if not name:
                continue
            if name in seen:
                first = column_label(seen[name] + self.col_offset)
                raise TableError(
                    f"表头“{name}”重复出现（第 {first} 列和第 {column_label(i + self.col_offset)} 列），请只保留一列"
                )
            seen[name] = i
        self.headers = headers


def _header_text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


class XlsxTable(Table):
    """A worksheet read by python-calamine (the sheet's data is held by calamine)."""

    def __init__(self, filename: str, sheet: python_calamine.CalamineSheet) -> None:
        start = sheet.start
        super().__init__(filename, [], 0, start[1] if start else 0)
        self._sheet = sheet
        for number, row in self._numbered():
            self.header_row = number
            self._set_headers(row)
            break
        else:
            raise TableError("工作表是空的，没有表头行")

    def _numbered(self) -> Iterator[tuple[int, list[Cell]]]:
        # calamine's iter_rows starts at sheet row 1, so the position is the row number.
        for number, row in enumerate(self._sheet.iter_rows(), start=1):
            if not _is_blank(row):
                yield number, row


class CsvTable(Table):
    """A CSV file decoded lazily from its bytes."""

    def __init__(self, filename: str, data: bytes, encoding: str, delimiter: str) -> None:
        super().__init__(filename, [], 0, 0)
        self._data = data
        self.encoding = encoding
        self.delimiter = delimiter
        for number, row in self._numbered():
            self.header_row = number
            self._set_headers(row)
            break
        else:
            raise TableError("文件是空的，没有表头行")

    def _numbered(self) -> Iterator[tuple[int, list[Cell]]]:
        text = io.TextIOWrapper(io.BytesIO(self._data), encoding=self.encoding, newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                if row and (row[0].strip() or "".join(row).strip()):
                    yield number, cast(list[Cell], row)
        except csv.Error as exc:
            raise TableError(f"第 {number + 1} 行附近的 CSV 格式有误：{exc}") from exc


def open_table(
    data: bytes, filename: str, *, max_bytes: int | None = None, limits: Limits | None = None
) -> Table:
    """Open an uploaded file (.xlsx or .csv) as a :class:`Table`, or raise :class:`TableError`."""
    limits = limits or Limits()
    max_bytes = limits.max_bytes if max_bytes is None else max_bytes
    table = _open(data, filename, max_bytes, limits)
    table.limits = limits
    return table


def _open(data: bytes, filename: str, max_bytes: int, limits: Limits) -> Table:
    if len(data) > max_bytes:
        raise TableError(
            f"文件大小 {len(data) / 1048576:.1f} MB，超过上限 {max_bytes / 1048576:.0f} MB；请拆分后分批导入"
        )
    if not data:
        raise TableError("文件是空的")
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(_OLE):
        raise TableError(
            "文件是旧版 Excel（.xls）或已加密的工作簿，无法读取；请在 Excel 中取消密码并“另存为”.xlsx 格式"
        )
    if ext == "xlsx":
        if not data.startswith(_ZIP):
            raise TableError(
                "文件扩展名为 .xlsx，但内容不是 Excel 工作簿；请用 Excel 重新保存为 .xlsx"
            )
        try:
            check_xlsx(data, limits)
        except Refused as exc:
            raise TableError(exc.message) from exc
        return _open_xlsx(data, filename)
    if ext == "csv":
        if data.startswith(_ZIP):
            raise TableError(
                "文件扩展名为 .csv，但内容是 Excel 工作簿；请把扩展名改为 .xlsx 或另存为 CSV"
            )
        return _open_csv(data, filename)
    if ext == "xls":
        raise TableError("不支持旧版 Excel（.xls）；请在 Excel 中“另存为”.xlsx 格式")
    raise TableError("只能导入 .xlsx 或 .csv 文件")


def _open_xlsx(data: bytes, filename: str) -> Table:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        index = 0
        for i, meta in enumerate(workbook.sheets_metadata):
            if meta.visible == python_calamine.SheetVisibleEnum.Visible:
                index = i
                break
        sheet = workbook.get_sheet_by_index(index)
    except TableError:
        raise
    except Exception as exc:  # calamine raises several error types for broken files
        raise TableError(f"无法读取 Excel 文件，文件可能已损坏：{exc}") from exc
    return XlsxTable(filename, sheet)


def _open_csv(data: bytes, filename: str) -> Table:
    delimiter = _sniff_delimiter(data)
    try:
        encoding = encodings.detect(data, delimiter)
    except encodings.EncodingRefused as exc:
        raise TableError(exc.message) from exc
    if b"\x00" in data[:65536]:
        raise TableError("文件含有空字符，不是文本格式的 CSV；请另存为“CSV UTF-8（逗号分隔）”")
    return CsvTable(filename, data, encoding, delimiter)


def _sniff_delimiter(data: bytes) -> str:
    first = data[: data.find(b"\n")] if b"\n" in data[:65536] else data[:65536]
    if b"," in first:
        return ","
    for candidate in (b"\t", b";"):
        if candidate in first:
            return candidate.decode()
    return ","
