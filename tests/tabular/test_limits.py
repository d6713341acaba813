"""Bounds of one import file: zip bombs, lying zip directories, huge sheet areas, row counts."""

from __future__ import annotations

import io
import resource
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from spotcheck.tabular.limits import MIB, Limits
from spotcheck.tabular.reader import TableError, open_table

from .bombs import GIB, HEADER_ROW, bomb, lying, sheet_xml, xlsx
from .conftest import FileMaker


def _refusal(data: bytes, name: str = "bomb.xlsx", limits: Limits | None = None) -> str:
    with pytest.raises(TableError) as caught:
        open_table(data, name, limits=limits)
    return caught.value.message


def test_the_bomb_is_a_real_workbook_of_a_gibibyte() -> None:
    data = bomb()
    assert len(data) < 4 * MIB
    sheet = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > GIB
    with zipfile.ZipFile(io.BytesIO(data)).open("xl/worksheets/sheet1.xml") as stream:
        assert stream.read(4096).startswith(b'<?xml version="1.0"')


def test_a_zip_bomb_is_refused_from_its_directory_without_reading_it() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _refusal(bomb()) == Limits().unpacked_message()
    assert "文件解压后超过 1024 MB 的上限" in Limits().unpacked_message()
    # Nothing was inflated: the peak memory of this process did not move by 100 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024


def test_a_bomb_whose_directory_lies_is_stopped_while_inflating() -> None:
    data = lying(bomb())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = _refusal(data)
    assert "sheet1.xml" in message and "超过 100 倍的上限" in message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024


def test_a_lying_directory_is_also_stopped_by_the_unpacked_size(tmp_path: Path) -> None:
    # With the ratio allowed, the bytes really inflated are counted against the size limit.
    limits = Limits(max_unpacked_bytes=32 * MIB, max_ratio=2000)
    message = _refusal(lying(bomb(64 * MIB)), limits=limits)
    assert message == "文件解压后超过 32 MB 的上限，无法导入；请拆分后分批导入，或另存为 CSV"


def test_a_member_larger_than_declared_is_refused_even_within_the_limits() -> None:
    data = xlsx(sheet_xml(HEADER_ROW + '<row r="2"><c r="A2"><v>1</v></c></row>' * 500))
    assert open_table(data, "ok.xlsx").headers == ["名称"]
    message = _refusal(lying(data, declared=100))
    assert "与压缩目录所记不符" in message


def test_the_directory_ratio_is_checked_per_member() -> None:
    limits = Limits(max_ratio=10)
    message = _refusal(bomb(16 * MIB), limits=limits)
    assert "超过 10 倍的上限" in message


def test_a_sheet_with_far_apart_cells_is_refused_before_calamine_allocates_it(
    tmp_path: Path,
) -> None:
    # Two cells, A1 and XFD1048576: calamine would allocate 17 billion cells (and abort).
    workbook = Workbook()
    workbook.active["A1"] = "名称"
    workbook.active.cell(row=1_048_576, column=16_384, value="x")
    path = tmp_path / "corners.xlsx"
    workbook.save(path)
    message = _refusal(path.read_bytes())
    assert "工作表的已用区域（A1:XFD1048576）超过 33554432 个单元格的上限" in message


@pytest.mark.parametrize(
    ("rows", "prefix"),
    [
        # cells without r: positions follow the previous cell
        ('<row r="2">' + "<c><v>1</v></c>" * 400 + "</row>", ""),
        # a namespace prefix and the r attribute not first
        ('<x:row r="2"><x:c s="0" r="XFD2"><x:v>1</x:v></x:c></x:row>', "x"),
        # rows without r after an explicit one far down
        ('<row r="1048570"><c r="AZ1048570"><v>1</v></c></row>' + "<row/>" * 10, ""),
    ],
)
def test_unusual_layouts_are_bounded_exactly(rows: str, prefix: str) -> None:
    header = HEADER_ROW.replace("<row", f"<{prefix}:row").replace("</row", f"</{prefix}:row")
    header = header if prefix else HEADER_ROW
    limits = Limits(max_rows=20)  # 640 cells
    message = _refusal(xlsx(sheet_xml(header + rows, prefix)), limits=limits)
    assert "个单元格的上限" in message or "行的上限" in message


def test_cells_without_references_read_normally_within_the_limits() -> None:
    rows = "".join(f'<row><c t="inlineStr"><is><t>甲{i}</t></is></c></row>' for i in range(5))
    table = open_table(xlsx(sheet_xml(HEADER_ROW + rows)), "plain.xlsx", limits=Limits(max_rows=10))
    assert [cells for _, cells in table.rows()] == [[f"甲{i}"] for i in range(5)]


def test_xlsx_rows_are_limited_before_reading(make_xlsx: FileMaker) -> None:
    path = make_xlsx([["名称"], *[[f"甲{i}"] for i in range(12)]])
    message = _refusal(path.read_bytes(), path.name, Limits(max_rows=11))
    assert message == "数据超过 11 行的上限，无法导入；请拆分后分批导入"
    table = open_table(path.read_bytes(), path.name, limits=Limits(max_rows=12))
    assert len(list(table.rows())) == 12


def test_csv_rows_are_limited_while_reading(make_csv: FileMaker) -> None:
    path = make_csv([["名称"], *[[f"甲{i}"] for i in range(12)]])
    table = open_table(path.read_bytes(), path.name, limits=Limits(max_rows=11))
    with pytest.raises(TableError, match="数据超过 11 行的上限"):
        list(table.rows())
    table = open_table(path.read_bytes(), path.name, limits=Limits(max_rows=12))
    assert len(list(table.rows())) == 12


def test_real_workbooks_pass(make_xlsx: FileMaker) -> None:
    rows = [
        ["统一社会信用代码", "名称"],
        *[[f"9137{i:014d}", "淄博示例食品有限公司"] for i in range(3000)],
    ]
    path = make_xlsx(rows)
    table = open_table(path.read_bytes(), path.name)
    assert sum(1 for _ in table.rows()) == 3000


def test_other_compression_methods_and_encryption_flags_are_refused() -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml(HEADER_ROW))
    assert "不支持的压缩方式" in _refusal(stream.getvalue())
