"""The import wizard in a real browser: an error file, its error report, the fix, the import."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page

from spotcheck.tabular.codes import make_uscc
from tests.registries.conftest import target_row, targets_csv
from tests.web.conftest import log_in, shot

pytestmark = pytest.mark.browser


def test_it_walks_an_officer_through_an_import_with_an_error_file(
    served: str, page: Page, tmp_path: Path
) -> None:
    rows = [target_row(700000 + i) for i in range(1, 31)]
    rows[6][0] = make_uscc(700007, region="370303")[:-1] + "Z"  # Z is never a check character
    rows[11][13] = "很多"  # 投诉举报次数 must be a whole number
    broken = tmp_path / "检查对象-有错.csv"
    broken.write_bytes(targets_csv(rows, encoding="gb18030"))

    log_in(page, served, "officer")
    page.click("nav.main >> text=检查对象")
    page.click("text=批量导入")
    page.wait_for_url(served + "/imports/targets")
    shot(page, "import-step1.png", tmp_path)

    page.set_input_files("#file", str(broken))
    page.click("#upload-import")
    result = page.locator("#import-result")
    assert "发现 2 处错误" in result.inner_text() and "未导入任何数据" in result.inner_text()
    table = page.locator("#import-errors").inner_text()
    assert "8\t统一社会信用代码" in table and "13\t投诉举报次数" in table
    shot(page, "import-errors.png", tmp_path)

    with page.expect_download() as download_info:
        page.click("#error-report")
    report = download_info.value
    assert report.suggested_filename == "检查对象-有错-错误说明.xlsx"
    sheet = load_workbook(io.BytesIO(Path(report.path()).read_bytes())).active
    flagged = [row[0].row for row in sheet.iter_rows(min_row=2) if row[-1].value]
    assert flagged == [8, 13]

    rows[6][0] = make_uscc(700007, region="370303")
    rows[11][13] = "2"
    fixed = tmp_path / "检查对象.csv"
    fixed.write_bytes(targets_csv(rows, encoding="gb18030"))
    page.set_input_files("#file", str(fixed))
    page.click("#upload-import")
    assert "确认后将新增 30" in page.locator("#import-result").inner_text()
    shot(page, "import-preview.png", tmp_path)
    page.click("#confirm-import")
    assert "导入完成：共 30 行，新增 30" in page.locator("#import-result").inner_text()
    shot(page, "import-done.png", tmp_path)

    page.goto(served + "/targets?q=淄博测试700012")
    assert "淄博测试700012化工有限公司" in page.locator("table.grid").inner_text()
    shot(page, "targets.png", tmp_path)

    page.goto(served + "/inspectors")
    assert "可否抽取" in page.locator("table.grid").inner_text()
    shot(page, "inspectors.png", tmp_path)
    page.goto(served + "/items")
    assert "ZB-GX-001" in page.locator("table.grid").first.inner_text()
    shot(page, "items.png", tmp_path)
