"""Check an .xlsx archive against :class:`Limits` before python-calamine opens it.

python-calamine loads a whole worksheet into memory, and dense (rows × columns) at that: a 1 MB
file whose sheet inflates to 1 GiB, or a few kilobytes with one cell in A1 and one in
XFD1048576, would take gigabytes or abort the process. So, first from the zip directory:

- the members' declared sizes together must not exceed ``max_unpacked_bytes``;
- no member (past :data:`RATIO_FLOOR`) may inflate more than ``max_ratio`` times its size;
- members are stored or deflated (what Excel, WPS and every xlsx writer use), not encrypted.

The directory can lie, so then every member is inflated once more by this module, in chunks
of :data:`CHUNK` bytes that are dropped at once (memory stays flat), counting the bytes that
really come out and stopping at the first limit passed. The worksheets' XML is scanned on the
way for the row count and the cell area calamine would allocate (cell references as written,
and positions inferred for rows or cells written without one). Nothing is kept but counters.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

from spotcheck.tabular.limits import MIB, Limits

CHUNK = 1 << 16
RATIO_FLOOR = 4 * MIB  # a member smaller than this, once inflated, is never refused for its ratio
MAX_MEMBERS = 10_000
MAX_TAG = MIB  # longer than any real tag or cell text (Excel: 32,767 characters per cell)
_LOCAL = b"PK\x03\x04"
_PREFIX = rb"<(?:[A-Za-z_][\w.\-]*:)?"  # sheets may be written with a namespace prefix (<x:c>)
_ROW_TAG = re.compile(_PREFIX + rb"row(?=[\s/>])")
_ROW_REF = re.compile(_PREFIX + rb"row(?=[\s/>])[^<]*?\sr\s*=\s*[\"']\s*(\d+)")
_CELL_TAG = re.compile(_PREFIX + rb"c(?=[\s/>])")
_CELL_COL = re.compile(_PREFIX + rb"c(?=[\s/>])[^<]*?\sr\s*=\s*[\"']\s*\$?([A-Za-z]+)")
_CELL_ROW = re.compile(_PREFIX + rb"c(?=[\s/>])[^<]*?\sr\s*=\s*[\"']\s*\$?[A-Za-z]*\$?(\d+)")
_CELL_WITHOUT_REF = re.compile(_PREFIX + rb"c(?=[\s/>])(?![^<]*?\sr\s*=)")
_ALL_BUT_MARKS = bytes(b for b in range(256) if b not in (1, 2))
_USUAL_ROW = re.compile(rb'<row r="(\d+)"')
_SHAPE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", b"A" * 26 + b"0" * 10)


class Refused(Exception):
    """The archive passes a limit or is not a sound workbook; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_xlsx(data: bytes, limits: Limits) -> None:
    """Raise :class:`Refused` unless ``data`` stays within ``limits`` once unpacked."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise Refused(f"无法读取 Excel 文件，文件可能已损坏：{exc}") from exc
    if len(members) > MAX_MEMBERS:
        raise Refused(f"文件含有 {len(members)} 个压缩成员，不是正常的 Excel 工作簿")
    if sum(m.file_size for m in members) > limits.max_unpacked_bytes:
        raise Refused(limits.unpacked_message())
    for member in members:
        if member.flag_bits & 0x1:
            raise Refused("文件已加密，无法读取；请在 Excel 中取消密码后重新保存为 .xlsx")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(
                f"文件中的“{member.filename}”使用了不支持的压缩方式，不是正常的 Excel 工作簿；"
                "请用 Excel 重新保存为 .xlsx"
            )
        if member.file_size > RATIO_FLOOR and member.file_size > limits.max_ratio * max(
            member.compress_size, 1
        ):
            raise Refused(limits.ratio_message(member.filename, limits.max_ratio))
    total = 0
    for member in members:
        total = _inflate_checked(data, member, limits, total)


def _inflate_checked(data: bytes, member: zipfile.ZipInfo, limits: Limits, total: int) -> int:
    """Inflate one member chunk by chunk within the limits; the running total of all members."""
    sheet = _is_worksheet(member.filename)
    scan = _SheetScan(limits) if sheet else None
    size = 0
    for chunk, consumed in _inflate(data, member):
        size += len(chunk)
        total += len(chunk)
        if total > limits.max_unpacked_bytes:
            raise Refused(limits.unpacked_message())
        if size > RATIO_FLOOR and size > limits.max_ratio * max(consumed, 1):
            raise Refused(limits.ratio_message(member.filename, limits.max_ratio))
        if scan is not None:
            scan.feed(chunk)
    if scan is not None:
        scan.close()
    if size != member.file_size:
        raise Refused(
            f"文件中的“{member.filename}”解压后的大小与压缩目录所记不符，文件可能已损坏或是恶意构造的"
        )
    return total


def _inflate(data: bytes, member: zipfile.ZipInfo) -> Iterator[tuple[bytes, int]]:
    """The member's bytes as they inflate, with the compressed bytes consumed so far.

    Inflates until the deflate stream itself ends (not at the declared size), which is at least
    as far as any reader goes."""
    start = member.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or not header.startswith(_LOCAL):
        raise Refused(f"无法读取 Excel 文件，文件可能已损坏：“{member.filename}”的位置不对")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_length + extra_length
    if member.compress_type == zipfile.ZIP_STORED:
        end = min(begin + member.compress_size, len(data))
        for offset in range(begin, end, CHUNK):
            piece = data[offset : min(offset + CHUNK, end)]
            yield piece, offset + len(piece) - begin
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    position = begin
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                out = inflater.decompress(inflater.unconsumed_tail, CHUNK)
            elif position < len(data):
                feed = data[position : position + CHUNK]
                position += len(feed)
                out = inflater.decompress(feed, CHUNK)
            else:
                raise Refused(f"无法读取 Excel 文件，文件可能已损坏：“{member.filename}”不完整")
            consumed = position - begin - len(inflater.unconsumed_tail)
            if out:
                yield out, consumed
    except zlib.error as exc:
        raise Refused(
            f"无法读取 Excel 文件，文件可能已损坏：“{member.filename}”无法解压（{exc}）"
        ) from exc


def _is_worksheet(name: str) -> bool:
    lowered = name.lower()
    return "worksheets/" in lowered and lowered.endswith(".xml")


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters.upper():
        number = number * 26 + byte - 64
    return number


def _column_letters(number: int) -> str:
    """1 → A, 28 → AB."""
    label = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        label = chr(65 + rest) + label
    return label


class _SheetScan:
    """Counts a worksheet's rows and bounds its cell area from XML fed in chunks.

    The text is processed up to its last ``<`` (tags never contain one), so every tag looked at
    is whole. Positions as calamine takes them: a row's or cell's ``r`` when written, else one
    past the previous; rows or cells without ``r`` are bounded from above, never guessed low."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pending = b""
        self.rows = 0  # <row> elements
        self.rows_without_ref = 0
        self.max_row = 0  # the largest row number written in a row's or a cell's r
        self.max_col = 0  # the largest column written in a cell's r
        self.most_unreferenced = 0  # most cells without r in one row
        self.carried = 0  # cells without r in the row still open at the end of the last part
        self.cell_row_bound = 0  # cells' rows known only to be at most this (the usual layout)

    def feed(self, chunk: bytes) -> None:
        """Scan the complete tags of ``pending + chunk``, keep the unfinished last one."""
        text = self.pending + chunk
        cut = text.rfind(b"<")
        if cut <= 0:
            self.pending = self._bounded(text)
            return
        self._scan(text[:cut])
        self.pending = self._bounded(text[cut:])

    def close(self) -> None:
        """Scan what is left and check the limits one last time."""
        self._scan(self.pending)
        self.pending = b""
        self.most_unreferenced = max(self.most_unreferenced, self.carried)
        self._check()

    def _bounded(self, text: bytes) -> bytes:
        """A long run without ``<`` is text: keep only its opening tag, if any."""
        if len(text) <= MAX_TAG:
            return text
        if not text.startswith(b"<"):
            return b""
        end = text.find(b">", 0, MAX_TAG)
        if end < 0:
            raise Refused("工作表的 XML 含有异常长的标签，不是正常的 Excel 工作簿")
        self._scan(text[: end + 1])
        return b""

    def _scan(self, part: bytes) -> None:
        if part and not self._scan_usual(part):
            self._scan_exact(part)
        self._check()

    def _scan_usual(self, part: bytes) -> bool:
        """The layout Excel, WPS and openpyxl write (``<row r="7">``, ``<c r="B7">``, no prefix,
        columns A–Z), counted with a few passes over the bytes; False when ``part`` is not."""
        shape = part.translate(_SHAPE)
        cells = part.count(b"<c")  # every tag starting so; <col> and <cfRule> send it the exact way
        rows = _USUAL_ROW.findall(part)
        if (
            shape.count(b'<c r="A') != cells
            or part.count(b"<row") != len(rows)
            or shape.count(b'<c r="AA')
            or part.count(b":c")
            or part.count(b":row")
        ):
            return False
        self.rows += len(rows)
        self.max_row = max(self.max_row, max(map(int, rows), default=0))
        if cells:
            self.max_col = max(self.max_col, 26)  # a bound: one letter
            # Row numbers with fewer digits than max_rows + 1 are below it; longer ones exactly.
            digits = len(str(self.limits.max_rows + 1))
            self.cell_row_bound = max(self.cell_row_bound, 10 ** (digits - 1) - 1)
            if shape.count(b'<c r="A' + b"0" * digits):
                found = re.findall(rb'<c r="[A-Z](\d{%d,})' % digits, part)
                self.max_row = max(self.max_row, max(map(int, found), default=0))
        return True

    def _scan_exact(self, part: bytes) -> None:
        rows = len(_ROW_TAG.findall(part))
        row_refs = _ROW_REF.findall(part)
        self.rows += rows
        self.rows_without_ref += rows - len(row_refs)
        cells = len(_CELL_TAG.findall(part))
        cell_rows = _CELL_ROW.findall(part)
        cell_cols = set(_CELL_COL.findall(part))
        self.max_row = max(
            self.max_row, max(map(int, row_refs), default=0), max(map(int, cell_rows), default=0)
        )
        if cell_cols:
            self.max_col = max(self.max_col, max(_column_number(c) for c in cell_cols))
        if cells > len(cell_rows):
            self._count_unreferenced(part)

    def _count_unreferenced(self, part: bytes) -> None:
        """Cells without ``r`` per row (a row may go on from the previous part): rows become
        \\x01 and such cells \\x02, everything else is deleted, and the runs are measured."""
        marked = _CELL_WITHOUT_REF.sub(b"\x02", _ROW_TAG.sub(b"\x01", part))
        runs = marked.translate(None, _ALL_BUT_MARKS).split(b"\x01")
        self.carried += len(runs[0])
        if len(runs) > 1:
            self.most_unreferenced = max(
                self.most_unreferenced, self.carried, max(map(len, runs[1:]))
            )
            self.carried = len(runs[-1])
        self.most_unreferenced = max(self.most_unreferenced, self.carried)

    def _check(self) -> None:
        limits = self.limits
        if self.rows > limits.max_rows + 1:  # the header row is not a data row
            raise Refused(limits.rows_message())
        last_row = max(self.max_row + self.rows_without_ref, self.rows, self.cell_row_bound)
        last_col = self.max_col + self.most_unreferenced
        if last_row * last_col > limits.max_cells:
            raise Refused(
                f"工作表的已用区域（A1:{_column_letters(last_col)}{last_row}）超过 "
                f"{limits.max_cells} 个单元格的上限；请删除表格右侧和下方多余的内容后重新保存"
            )
