"""Writing: exports that round-trip, formula neutralisation, the template, the error report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from spotcheck.tabular.codes import make_resident_id, make_uscc
from spotcheck.tabular.reader import open_table
from spotcheck.tabular.schema import ERROR_COLUMN, Record, Spec, validate
from spotcheck.tabular.specs import INSPECTORS, ITEMS, SPECS, TARGETS
from spotcheck.tabular.writer import (
    export_csv,
    export_xlsx,
    neutralise,
    write_csv,
    write_error_report,
    write_template,
    write_xlsx,
)

from .conftest import FileMaker


def _records() -> dict[str, list[Record]]:
    targets = [
        {
            "key": make_uscc(1),
            "name": '=HYPERLINK("http://evil")',
            "target_type": "企业",
            "address": "山东省淄博市张店区",
            "region_code": "370303",
            "industry_code": "C1431",
            "legal_representative": "𠮷㘵",
            "phone": "0533-2861234",
            "business_scope": "-食品销售",
            "status": "存续",
            "risk_class": "D",
            "abnormal_operation": True,
            "serious_dishonesty": False,
            "complaint_count": 12,
            "tags": ["食品", "@重点"],
            "jurisdiction_level": "县级",
            "operator_id_number": "",
            "registry_code": "",
        },
        {
            "key": make_uscc(2, category="2"),
            "name": "个体户",
            "target_type": "个体工商户",
            "address": "",
            "region_code": "",
            "industry_code": "",
            "legal_representative": "",
            "phone": "",
            "business_scope": "",
            "status": "",
            "risk_class": "",
            "abnormal_operation": False,
            "serious_dishonesty": False,
            "complaint_count": None,
            "tags": [],
            "jurisdiction_level": "",
            "operator_id_number": make_resident_id(4),
            "registry_code": "CITY-A-0000007",
        },
    ]
    inspectors = [
        {
            "name": "李明",
            "gender": "男",
            "department": "市场监管局",
            "post": "科长",
            "rank": "正科级",
            "certificate_no": "0370303190010",
            "certificate_issuer": "山东省人民政府",
            "certificate_valid_until": dt.date(2028, 12, 31),
            "enforcement_post": "+执法",
            "expertise": ["食品安全", "特种设备"],
            "phone": "13805330001",
            "category": "行政执法类公务员",
            "username": "liming",
        },
        {
            "name": "王专家",
            "gender": "",
            "department": "市场监管局",
            "post": "",
            "rank": "",
            "certificate_no": "",
            "certificate_issuer": "",
            "certificate_valid_until": None,
            "enforcement_post": "",
            "expertise": [],
            "phone": "",
            "category": "专家",
            "username": "",
        },
    ]
    items = [
        {
            "code": "ZB-001",
            "name": "食品生产监督检查",
            "list_type": "部门联合",
            "target_types": ["企业"],
            "content": "许可\n记录",
            "legal_basis": "《食品安全法》",
            "methods": ["书面检查", "实地核查"],
            "ratio_bp": 1250,
            "frequency": "每年1次",
            "kind": "一般",
            "domains": ["质量", "公共利益"],
            "department": "市场监管局",
            "check_points": "1. 查验｜《食品安全法》第一百一十条",
        },
        {
            "code": "ZB-002",
            "name": "重点事项",
            "list_type": "",
            "target_types": [],
            "content": "",
            "legal_basis": "",
            "methods": [],
            "ratio_bp": None,
            "frequency": "",
            "kind": "重点",
            "domains": [],
            "department": "",
            "check_points": "",
        },
    ]
    return {"targets": targets, "inspectors": inspectors, "items": items}  # fmt: skip


@pytest.mark.parametrize("name", ["targets", "inspectors", "items"])
@pytest.mark.parametrize("form", ["xlsx", "csv-utf-8-sig", "csv-gb18030"])
def test_exports_read_back_to_the_same_records(tmp_path: Path, name: str, form: str) -> None:
    spec, records = SPECS[name], _records()[name]
    path = tmp_path / f"export.{form[:4].rstrip('-')}"
    with path.open("wb") as stream:
        if form == "xlsx":
            export_xlsx(stream, spec, records)
        else:
            export_csv(stream, spec, records, encoding=form[4:])
    result = validate(open_table(path.read_bytes(), path.name), spec)
    assert result.errors == []
    assert list(result.records) == records


def test_write_xlsx_stores_text_columns_as_text(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with path.open("wb") as stream:
        write_xlsx(
            stream,
            ["代码", "次数", "日期"],
            [["0370303", 5, dt.date(2025, 6, 30)]],
            text_columns={"代码"},
        )
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "代码" and sheet["A1"].font.bold
    assert sheet["A2"].value == "0370303"
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].number_format == "@"
    assert sheet["B2"].value == 5
    assert sheet["C2"].value == dt.datetime(2025, 6, 30)
    assert sheet["C2"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_it_neutralises_formula_like_text(tmp_path: Path, text: str) -> None:
    assert neutralise(text) == "'" + text
    path = tmp_path / "out.xlsx"
    with path.open("wb") as stream:
        write_xlsx(stream, ["名称", "数"], [[text, text]], text_columns={"名称"})
    sheet = load_workbook(path).active
    expected = "'" + text.replace("\r", "\n")  # XML turns a lone CR into LF
    assert sheet["A2"].value == expected
    assert sheet["B2"].value == expected
    assert sheet["B2"].data_type == "s"  # never a formula
    csv_path = tmp_path / "out.csv"
    with csv_path.open("wb") as stream:
        write_csv(stream, ["名称"], [[text]])
    assert csv_path.read_bytes().decode("utf-8-sig").splitlines()[1].strip('"').startswith("'")


def test_it_leaves_ordinary_text_and_numbers_alone(tmp_path: Path) -> None:
    assert neutralise("食品") == "食品"
    assert neutralise("1-2") == "1-2"
    csv_path = tmp_path / "out.csv"
    with csv_path.open("wb") as stream:
        write_csv(
            stream, ["数", "小数", "是否", "列表", "空"], [[-5, 0.5, True, ["甲", "乙"], None]]
        )
    assert csv_path.read_bytes().decode("utf-8-sig").splitlines()[1] == "-5,0.5,是,甲、乙,"


def test_write_csv_leaves_the_stream_open(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with path.open("wb") as stream:
        write_csv(stream, ["名称"], [["甲"]], encoding="gb18030")
        assert not stream.closed
        stream.write(b"")
    assert path.read_bytes() == "名称\r\n甲\r\n".encode("gb18030")


def test_it_drops_characters_xml_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with path.open("wb") as stream:
        write_xlsx(stream, ["名称"], [["甲\x01乙"]])
    assert load_workbook(path).active["A2"].value == "甲乙"


@pytest.mark.parametrize("spec", [TARGETS, INSPECTORS, ITEMS], ids=lambda s: s.name)
def test_the_template_validates_its_own_example_row(tmp_path: Path, spec: Spec) -> None:
    path = tmp_path / "template.xlsx"
    with path.open("wb") as stream:
        write_template(stream, spec)
    table = open_table(path.read_bytes(), path.name)
    assert table.headers == spec.headers
    result = validate(table, spec)
    assert result.errors == []
    assert len(result.records) == 1
    workbook = load_workbook(path)
    assert workbook.sheetnames[1] == "填写说明"
    instructions = [row for row in workbook["填写说明"].iter_rows(values_only=True)]
    assert instructions[0] == ("列名", "是否必填", "类型", "可填写的值", "规则说明", "示例")
    listed = {row[0]: row[1] for row in instructions[1 : len(spec.columns) + 1]}
    assert listed == {c.header: "必填" if c.required else "选填" for c in spec.columns}
    notes = [row[0] for row in instructions[len(spec.columns) + 1 :] if row[0]]
    assert all(note in notes for note in spec.notes)


def test_the_template_keeps_code_columns_as_text_and_offers_choices(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    with path.open("wb") as stream:
        write_template(stream, TARGETS)
    sheet = load_workbook(path).active
    assert sheet["A2"].number_format == "@"
    assert sheet.column_dimensions["A"].number_format == "@"
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["C2:C1048576"] == '"企业,农民专业合作社,个体工商户,其他组织,产品,项目,行为"'
    assert lists["L2:L1048576"] == '"是,否"'


def test_the_error_report_repeats_every_row_with_its_errors(
    make_xlsx: FileMaker, tmp_path: Path
) -> None:
    good = [make_uscc(1), "甲公司", "企业"]
    rows: list[list[Any]] = [
        ["统一社会信用代码", "名称", "对象类型", "备注"],
        good,
        [None, None, None],
        [9.13702e17, "", "公司", "+cmd"],
        [make_uscc(1), "丙", "企业"],
    ]
    source = make_xlsx(rows, start_row=2)
    table = open_table(source.read_bytes(), source.name)
    result = validate(table, TARGETS)
    report = tmp_path / "report.xlsx"
    with report.open("wb") as stream:
        write_error_report(stream, table, result.errors)
    workbook = load_workbook(report)
    sheet = workbook.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1][-1] == ERROR_COLUMN
    assert values[1][:4] == rows[0]
    assert values[2][:3] == good and values[2][-1] is None
    assert values[4][1:4] == [None, "公司", "'+cmd"]  # formula-like text in the upload stays inert
    assert values[4][-1] == (
        "【统一社会信用代码】“9.13702E+17”：以数字形式存储，可能已丢失精度；请将该列设为文本格式后重新填写；"
        "【名称】：必填项，不能为空；【对象类型】“公司”：应为以下之一：企业、农民专业合作社、个体工商户、其他组织、产品、项目、行为"
    )
    assert values[5][-1] == f"【统一社会信用代码】“{make_uscc(1)}”：与第 3 行重复"
    assert sheet.cell(row=5, column=1).fill.fgColor.rgb.endswith("FFC7CE")
    assert (
        workbook["表头问题"]["B2"].value == "“备注”：不是模板中的列；请删除该列或改为模板中的表头"
    )
    # The user fixes the file and uploads the report itself: the error column is ignored.
    again = validate(open_table(report.read_bytes(), report.name), TARGETS)
    assert [e.row for e in again.errors if e.column == "统一社会信用代码"] == [5, 6]


def test_the_error_report_accepts_plain_rows(tmp_path: Path) -> None:
    report = tmp_path / "report.xlsx"
    with report.open("wb") as stream:
        write_error_report(stream, (["名称"], [(2, ["甲"]), (4, ["乙"])]), [])
    values = list(load_workbook(report).active.iter_rows(values_only=True))
    assert values == [("名称", ERROR_COLUMN), ("甲", None), (None, None), ("乙", None)]
