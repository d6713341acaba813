"""Opening uploads: format sniffing, encodings, row numbers, headers, limits."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from spotcheck.tabular.reader import CsvTable, TableError, column_label, open_table

from .conftest import FileMaker

RARE = ["㘵", "𠮷", "䶮", "赟", "堃"]  # 㘵 and 𠮷 are in GB18030 but not in GBK


def _open(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    table = open_table(path.read_bytes(), path.name)
    return table.headers, list(table.rows())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_it_reads_csv_in_each_supported_encoding(make_csv: FileMaker, encoding: str) -> None:
    rows = [["姓名", "部门"], *[[f"{c}明", "淄博市市场监督管理局"] for c in RARE]]
    path = make_csv(rows, encoding)
    table = open_table(path.read_bytes(), path.name)
    assert isinstance(table, CsvTable)
    assert table.encoding == encoding
    assert table.headers == ["姓名", "部门"]
    assert [cells for _, cells in table.rows()] == rows[1:]


def test_it_detects_gbk_files_exported_by_old_systems(make_csv: FileMaker) -> None:
    path = make_csv([["名称", "住所"], ["淄博示例食品有限公司", "张店区"]], "gbk")
    table = open_table(path.read_bytes(), path.name)
    assert isinstance(table, CsvTable)
    assert table.encoding == "gb18030"
    assert next(iter(table.rows())) == (2, ["淄博示例食品有限公司", "张店区"])


def test_gb18030_only_characters_are_not_gbk() -> None:
    with pytest.raises(UnicodeEncodeError):
        "㘵".encode("gbk")
    assert "㘵𠮷".encode("gb18030").decode("gb18030") == "㘵𠮷"


def test_it_refuses_a_file_that_is_neither_utf8_nor_gb18030(tmp_path: Path) -> None:
    data = b"name\nok\n\x80\x30\xff\n"
    with pytest.raises(TableError, match="第 3 行含有既不是 UTF-8 也不是 GB18030"):
        open_table(data, "bad.csv")


def test_it_refuses_broken_utf8_after_a_bom() -> None:
    with pytest.raises(TableError, match="标明为 UTF-8"):
        open_table(codecs.BOM_UTF8 + "名称\n".encode() + b"\xff\xfe\n", "bad.csv")


def test_it_refuses_utf16_csv() -> None:
    with pytest.raises(TableError, match="UTF-16"):
        open_table("名称\n甲\n".encode("utf-16"), "u16.csv")


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        (b"a,b\n1,2\n", "data.txt", "只能导入 .xlsx 或 .csv"),
        (b"a,b\n1,2\n", "noext", "只能导入 .xlsx 或 .csv"),
        (b"a,b\n1,2\n", "data.xlsx", "内容不是 Excel 工作簿"),
        (b"PK\x03\x04rest", "data.csv", "内容是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "data.xls", "旧版 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "data.xlsx", "已加密"),
        (b"PK\x03\x04not really a zip", "data.xlsx", "文件可能已损坏"),
        (b"", "data.csv", "文件是空的"),
        (b"\n\n  ,  \n", "data.csv", "没有表头行"),
    ],
)
def test_it_refuses_files_by_extension_and_content(data: bytes, name: str, fragment: str) -> None:
    with pytest.raises(TableError) as caught:
        open_table(data, name)
    assert fragment in caught.value.message


def test_it_enforces_the_size_limit() -> None:
    data = b"a\n" + b"x\n" * 600
    with pytest.raises(TableError, match="超过上限"):
        open_table(data, "big.csv", max_bytes=1000)
    assert open_table(data, "big.csv", max_bytes=2000).headers == ["a"]


def test_it_strips_header_names_and_refuses_duplicates(make_csv: FileMaker) -> None:
    path = make_csv([[" 名称 ", "住所\u3000", ""], ["甲", "乙", ""]])
    assert open_table(path.read_bytes(), path.name).headers == ["名称", "住所"]
    path = make_csv([["名称", "住所", " 名称"], ["甲", "乙", "丙"]], name="dup.csv")
    with pytest.raises(TableError, match="表头“名称”重复出现（第 A 列和第 C 列）"):
        open_table(path.read_bytes(), path.name)


def test_it_numbers_csv_rows_as_records_and_skips_blank_ones(make_csv: FileMaker) -> None:
    path = make_csv([["名称", "住所"], ["甲", "多行\n住所"], ["", ""], [" ", "  "], ["乙", "x"]])
    headers, rows = _open(path)
    assert headers == ["名称", "住所"]
    assert rows == [(2, ["甲", "多行\n住所"]), (5, ["乙", "x"])]


def test_it_sniffs_tab_and_semicolon_delimiters() -> None:
    assert open_table("名称\t住所\n甲\t乙\n".encode(), "t.csv").headers == ["名称", "住所"]
    assert open_table("名称;住所\n甲;乙\n".encode(), "t.csv").headers == ["名称", "住所"]


def test_it_reads_xlsx_keeping_cell_types_and_sheet_row_numbers(make_xlsx: FileMaker) -> None:
    rows = [
        ["名称", "次数", "日期", "标志"],
        ["甲", 3, dt.date(2025, 6, 30), True],
        [None, None, None, None],
        ["乙", 2.5, dt.datetime(2025, 1, 2, 3, 4), False],
    ]
    path = make_xlsx(rows, start_row=3)
    table = open_table(path.read_bytes(), path.name)
    assert table.header_row == 3
    assert table.headers == ["名称", "次数", "日期", "标志"]
    got = list(table.rows())
    assert [n for n, _ in got] == [4, 6]
    first = got[0][1]
    assert first[0] == "甲"
    assert first[1] == 3 and isinstance(first[1], float | int)
    assert first[2] in (dt.date(2025, 6, 30), dt.datetime(2025, 6, 30))
    assert first[3] is True
    assert got[1][1][1] == 2.5


def test_it_names_columns_by_their_sheet_letters(make_xlsx: FileMaker, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet["C2"] = "名称"
    sheet["D2"] = "住所"
    sheet["C3"] = "甲"
    path = tmp_path / "offset.xlsx"
    workbook.save(path)
    table = open_table(path.read_bytes(), path.name)
    assert table.headers == ["名称", "住所"]
    assert table.header_row == 2
    assert table.column_name(1) == "第 D 列"
    assert list(table.rows()) == [(3, ["甲", ""])]


def test_it_reads_the_first_visible_sheet(tmp_path: Path) -> None:
    workbook = Workbook()
    hidden = workbook.active
    hidden.title = "隐藏"
    hidden["A1"] = "旧表头"
    hidden.sheet_state = "hidden"
    visible = workbook.create_sheet("数据")
    visible["A1"] = "名称"
    path = tmp_path / "sheets.xlsx"
    workbook.save(path)
    assert open_table(path.read_bytes(), path.name).headers == ["名称"]


def test_it_refuses_an_empty_sheet(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    with pytest.raises(TableError, match="工作表是空的"):
        open_table(path.read_bytes(), path.name)


def test_rows_can_be_read_twice(make_csv: FileMaker) -> None:
    table = open_table(make_csv([["a"], ["1"], ["2"]]).read_bytes(), "x.csv")
    assert list(table.rows()) == list(table.rows()) == [(2, ["1"]), (3, ["2"])]


def test_it_labels_columns_like_excel() -> None:
    assert [column_label(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
