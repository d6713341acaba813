"""The bulk workbook writer: what Excel-compatible readers get back is the text written."""

from __future__ import annotations

import io

import openpyxl

from spotcheck.tabular import bulk_xlsx


def test_it_writes_text_cells_that_read_back_exactly() -> None:
    stream = io.BytesIO()
    rows = [["0012", "甲&乙<有限>公司", "=1+1"], ["2", "控制\x01字符", ""]]
    bulk_xlsx.write(
        stream, ["编号", "名称", "备注"], rows, title="名单 SHA-256：ab12", widths=(8, 30)
    )
    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    sheet = book.active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "名单 SHA-256：ab12"
    assert values[1] == ["编号", "名称", "备注"]
    # Leading zeros kept, markup escaped, a would-be formula stays text, control characters go.
    assert values[2] == ["0012", "甲&乙<有限>公司", "=1+1"]
    assert values[3][:2] == ["2", "控制字符"]
    assert sheet["A3"].number_format == "@" and sheet["A2"].font.b
    assert sheet["A3"].data_type == "s"
