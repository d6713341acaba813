"""CSV encodings: Big5 and other non-GB text is refused by name, real GB18030 and UTF-8 pass."""

from __future__ import annotations

import codecs

import pytest

from spotcheck.tabular.reader import CsvTable, TableError, open_table

HEADER = "统一社会信用代码,名称,住所"
HEADER_BIG5 = "統一社會信用代碼,名稱,住所"
BIG5_ROWS = [
    "91370303MA3C12345X,臺北市測試科技股份有限公司,台北市中正區重慶南路一段122號",
    "91370303MA3C12346X,淄博鑫源醫藥有限公司,張店區華光路1號",
    "91370303MA3C12347X,香港鴻運貿易有限公司,九龍旺角彌敦道",
    "91370303MA3C12348X,高雄港灣實業有限公司,高雄市前鎮區",
]
# What real registries hold: company names and addresses, rare name characters (㘵 and 𠮷 are
# GB18030 only, 赟 and 堃 GBK), traditional characters kept in GBK, Greek letters, short files.
GB_FILES = {
    "companies": [
        HEADER,
        "91370303MA3C12345X,淄博鑫源医药有限公司,山东省淄博市张店区华光路1号",
        "91370305MA3C12346X,临淄齐鲁石化工程有限公司,临淄区辛店街道桓公路",
        "91370321MA3C12347X,桓台县华通机械制造有限公司,桓台县果里镇",
        "92370303MA3C12348X,张店区王记烧烤店（个体工商户）,张店区西六路与共青团路交叉口东50米",
        "91370304MA3C12349X,淄博博山陶瓷琉璃艺术品有限公司,博山区城西街道",
    ],
    "rare names": ["姓名,部门", "王赟,淄博", "李堃,淄博", "䶮,淄博", "㘵明,张店", "𠮷明,张店"],
    "rare only": ["姓名", "赟堃"],
    "traditional in gbk": [
        HEADER,
        "1,香港鴻運貿易有限公司,九龍旺角彌敦道",
        "2,臺灣統一企業股份有限公司,臺南市永康區",
    ],
    "greek": ["名称,经营范围", "1,γ-氨基丁酸、α-淀粉酶、β-胡萝卜素生产"],
    "one short row": ["名称", "张三"],
    "header only": ["名称"],
    "ascii": ["name", "abc"],
}


def _refusal(data: bytes) -> str:
    with pytest.raises(TableError) as caught:
        open_table(data, "对象.csv")
    return caught.value.message


def test_a_big5_file_is_refused_naming_big5_and_showing_the_rows_as_big5() -> None:
    data = ("\r\n".join([HEADER_BIG5, *BIG5_ROWS]) + "\r\n").encode("big5")
    # The mojibake it used to import silently:
    assert "籓" in data.decode("gb18030")
    message = _refusal(data)
    assert message.startswith("文件编码看起来是 Big5（繁体中文），不是 UTF-8 或 GB18030：")
    assert "第 1 行“統一社會信用代碼,名稱,住所”" in message
    assert f"第 2 行“{BIG5_ROWS[0]}”" in message
    assert "第 3 行“91370303MA3C12346X,淄博鑫源醫藥有限公司" in message
    assert "第 4 行" not in message  # the first rows only
    assert message.endswith("请另存为 UTF-8（如 Excel 的“CSV UTF-8（逗号分隔）”）后重新导入")


def test_big5_rows_under_a_gb18030_header_are_refused_by_row() -> None:
    data = (HEADER + "\n").encode("gb18030") + (BIG5_ROWS[3] + "\n").encode("big5")
    message = _refusal(data)
    assert "Big5" in message and f"第 2 行“{BIG5_ROWS[3]}”" in message
    assert "第 1 行" not in message


def test_a_short_big5_file_is_refused() -> None:
    message = _refusal("名稱\n臺灣測試有限公司\n".encode("big5"))
    assert "Big5" in message and "第 2 行“臺灣測試有限公司”" in message


def test_row_numbers_are_records_as_elsewhere() -> None:
    # A quoted cell spanning two lines makes line 4 record 3.
    text = f'{HEADER}\n1,"甲\n乙",张店区\n{BIG5_ROWS[0]}\n'
    data = text.split(BIG5_ROWS[0])[0].encode("gb18030") + (BIG5_ROWS[0] + "\n").encode("big5")
    assert f"第 3 行“{BIG5_ROWS[0]}”" in _refusal(data)


def test_japanese_shift_jis_is_named() -> None:
    message = _refusal("名前,住所\n株式会社テスト,東京都千代田区\n".encode("shift_jis"))
    assert message.startswith("文件编码看起来是 Shift_JIS（日文）")


@pytest.mark.parametrize("name", sorted(GB_FILES))
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_real_chinese_files_keep_importing(name: str, encoding: str) -> None:
    lines = GB_FILES[name]
    table = open_table(("\r\n".join(lines) + "\r\n").encode(encoding), "对象.csv")
    assert isinstance(table, CsvTable)
    assert table.encoding == (encoding if name != "ascii" or encoding != "gb18030" else "utf-8")
    assert [",".join(str(c) for c in cells) for _, cells in table.rows()] == lines[1:]


def test_gbk_files_from_old_systems_keep_importing() -> None:
    lines = GB_FILES["companies"]
    table = open_table("\n".join(lines).encode("gbk"), "对象.csv")
    assert table.encoding == "gb18030"
    assert len(list(table.rows())) == len(lines) - 1


def test_an_undecodable_file_says_what_it_looks_like() -> None:
    message = _refusal("name,city\nCafé Müller,Zürich\n".encode("cp1252"))
    assert "无法识别文件编码" in message and "第 2 行含有既不是 UTF-8 也不是 GB18030" in message


def test_a_bom_still_decides_utf8() -> None:
    table = open_table(codecs.BOM_UTF8 + "名称\n淄博\n".encode(), "x.csv")
    assert table.encoding == "utf-8-sig"
