"""Validation: every kind, every rule, header errors, duplicates, cross-column rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from spotcheck.tabular import schema
from spotcheck.tabular.codes import check_region, make_resident_id, make_uscc
from spotcheck.tabular.reader import open_table
from spotcheck.tabular.schema import Column, Result, RowError, Spec, ValidationStream, validate
from spotcheck.tabular.specs import INSPECTORS, ITEMS, TARGETS

from .conftest import FileMaker

NUMERIC = "以数字形式存储，可能已丢失精度；请将该列设为文本格式后重新填写"

SPEC = Spec(
    name="demo",
    key="code",
    columns=(
        Column("编码", "code", "code", required=True, upper=True, max_len=18),
        Column("名称", "name", "text", required=True, max_len=5),
        Column("区划", "region", "code", check=check_region),
        Column("类型", "kind", "enum", choices=("存续", "注销"), aliases={"在营": "存续"}),
        Column("标志", "flag", "bool"),
        Column("次数", "count", "int", min_value=0),
        Column("日期", "day", "date"),
        Column("标签", "tags", "tags"),
        Column(
            "方式",
            "methods",
            "tags",
            choices=("书面检查", "实地核查"),
            aliases={"现场检查": "实地核查"},
        ),
        Column("比例", "ratio", "percent"),
    ),
)
HEADERS = list(SPEC.headers)


def _csv(
    make_csv: FileMaker, rows: list[list[Any]], spec: Spec = SPEC, headers: list[str] | None = None
) -> Result:
    path = make_csv([headers or list(spec.headers), *rows])
    return validate(open_table(path.read_bytes(), path.name), spec)


def _xlsx(make_xlsx: FileMaker, rows: list[list[Any]], spec: Spec = SPEC) -> Result:
    path = make_xlsx([list(spec.headers), *rows])
    return validate(open_table(path.read_bytes(), path.name), spec)


def _row(**cells: Any) -> list[Any]:
    base = {"编码": "K1", "名称": "甲"}
    base.update(cells)
    return [base.get(h, "") for h in HEADERS]


def _rules(result: Result) -> list[str]:
    return [e.rule for e in result.errors]


def test_it_normalises_a_good_row_and_fills_empty_values(make_csv: FileMaker) -> None:
    result = _csv(make_csv, [_row(编码=" k1 ", 名称=" 甲 ")])
    assert result.ok
    assert result.row_numbers == [2]
    assert result.records[0] == {
        "code": "K1",
        "name": "甲",
        "region": "",
        "kind": "",
        "flag": False,
        "count": None,
        "day": None,
        "tags": [],
        "methods": [],
        "ratio": None,
    }


def test_it_converts_each_kind_from_csv_text(make_csv: FileMaker) -> None:
    row = _row(区划="370303", 类型="在营", 标志="是", 次数="12", 日期="2025-06-30",
               标签="食品、药品，化妆品;食品 特种设备", 方式="书面检查,现场检查", 比例="12.5%")  # fmt: skip
    result = _csv(make_csv, [row])
    assert result.ok, result.errors
    record = result.records[0]
    assert record["region"] == "370303"
    assert record["kind"] == "存续"
    assert record["flag"] is True
    assert record["count"] == 12
    assert record["day"] == dt.date(2025, 6, 30)
    assert record["tags"] == ["食品", "药品", "化妆品", "特种设备"]
    assert record["methods"] == ["书面检查", "实地核查"]
    assert record["ratio"] == 1250


def test_it_converts_each_kind_from_excel_cells(make_xlsx: FileMaker) -> None:
    row = _row(区划="370303", 类型="注销", 标志="否", 次数=3, 日期=dt.date(2025, 6, 30), 比例=0.05)
    result = _xlsx(make_xlsx, [row])
    assert result.ok, result.errors
    record = result.records[0]
    assert (record["kind"], record["flag"], record["count"]) == ("注销", False, 3)
    assert record["day"] == dt.date(2025, 6, 30)
    assert record["ratio"] == 500
    assert isinstance(record["count"], int)


def test_it_turns_excel_numbers_into_text_in_text_columns(make_xlsx: FileMaker) -> None:
    result = _xlsx(
        make_xlsx, [_row(名称=12345), _row(编码="K2", 名称=1.5), _row(编码="K3", 名称=123456)]
    )
    assert [r["name"] for r in result.records] == ["12345", "1.5"]
    assert [str(e) for e in result.errors] == [
        "第 4 行【名称】“123456”：长度不能超过 5 个字符（现为 6 个）"
    ]


@pytest.mark.parametrize("value", [9.13702e17, 370303, 110000000000000000])
def test_it_refuses_codes_stored_as_numbers_in_xlsx(make_xlsx: FileMaker, value: Any) -> None:
    result = _xlsx(make_xlsx, [_row(编码=value)])
    assert _rules(result) == [NUMERIC]
    assert result.records == []


@pytest.mark.parametrize("value", ["1.1e+17", "9.13702E+17", "9.13702E17", "370303.0", "-1.2e+5"])
def test_it_refuses_codes_that_lost_digits_in_csv(make_csv: FileMaker, value: str) -> None:
    result = _csv(make_csv, [_row(编码=value)])
    assert _rules(result) == [NUMERIC]
    assert str(result.errors[0]) == f"第 2 行【编码】“{value}”：{NUMERIC}"


def test_it_keeps_codes_that_merely_contain_the_letter_e(make_csv: FileMaker) -> None:
    result = _csv(make_csv, [_row(编码="91370303MA3E1234X")])
    assert result.ok


@pytest.mark.parametrize(
    ("cells", "rule"),
    [
        ({"编码": ""}, "必填项，不能为空"),
        ({"名称": "   "}, "必填项，不能为空"),
        ({"名称": "一二三四五六"}, "长度不能超过 5 个字符（现为 6 个）"),
        ({"区划": "110103"}, "行政区划代码 110103（崇文区）已于 2010 年撤销，请填写现行代码"),
        ({"类型": "开业中"}, "应为以下之一：存续、注销"),
        ({"标志": "Y"}, "只能填写“是”或“否”"),
        ({"标志": "TRUE"}, "只能填写“是”或“否”"),
        ({"标志": "1"}, "只能填写“是”或“否”"),
        ({"次数": "-1"}, "应为 0– 之间的整数"),
        ({"次数": "1.5"}, "应为整数"),
        ({"次数": "１２"}, "应为整数"),
        ({"日期": "2025/6/30"}, "日期格式应为 YYYY-MM-DD，如 2025-06-30"),
        ({"日期": "2025-02-30"}, "日期“2025-02-30”不存在"),
        ({"日期": "20250630"}, "日期格式应为 YYYY-MM-DD，如 2025-06-30"),
        ({"方式": "书面检查、电话检查"}, "“电话检查”不是可选值；应为以下之一：书面检查、实地核查"),
        ({"比例": "5"}, "应为百分数（如 5%）或 0–1 之间的小数（如 0.05）"),
        ({"比例": "abc"}, "应为百分数（如 5%）或 0–1 之间的小数（如 0.05）"),
        ({"比例": "0%"}, "抽查比例应大于 0 且不超过 100%"),
        ({"比例": "101%"}, "抽查比例应大于 0 且不超过 100%"),
        ({"比例": "0.12345"}, "抽查比例最多精确到 0.01%"),
    ],
)
def test_it_explains_each_broken_cell_rule(
    make_csv: FileMaker, cells: dict[str, str], rule: str
) -> None:
    result = _csv(make_csv, [_row(**cells)])
    assert _rules(result) == [rule]
    assert result.records == []


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (True, "只能填写“是”或“否”"),
        (1, "只能填写“是”或“否”"),
    ],
)
def test_it_refuses_excel_booleans_and_numbers_in_yes_no_columns(
    make_xlsx: FileMaker, value: Any, rule: str
) -> None:
    assert _rules(_xlsx(make_xlsx, [_row(标志=value)])) == [rule]


def test_it_refuses_excel_numbers_in_date_columns(make_xlsx: FileMaker) -> None:
    assert _rules(_xlsx(make_xlsx, [_row(日期=45838)])) == [
        "日期以数字形式存储；请设为日期格式，或按 YYYY-MM-DD 填写为文本"
    ]
    result = _xlsx(make_xlsx, [_row(日期=dt.datetime(2025, 6, 30, 0, 0))])
    assert result.records[0]["day"] == dt.date(2025, 6, 30)


def test_it_converts_percentages_to_basis_points_without_floats(make_csv: FileMaker) -> None:
    values = ["5%", "0.05", "12.5%", "0.01%", "100%", "1", "0.1", "３%".replace("３", "3"), "5 ％"]
    result = _csv(make_csv, [_row(编码=f"K{i}", 比例=v) for i, v in enumerate(values)])
    assert result.ok, result.errors
    assert [r["ratio"] for r in result.records] == [500, 500, 1250, 1, 10000, 10000, 1000, 300, 500]
    assert all(type(r["ratio"]) is int for r in result.records)


def test_it_collects_every_error_of_every_row(make_csv: FileMaker) -> None:
    rows = [
        _row(编码="", 名称="", 标志="Y"),
        _row(编码="K2"),
        _row(编码="K3", 次数="x", 日期="昨天", 类型="?"),
    ]
    result = _csv(make_csv, rows)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "编码"),
        (2, "名称"),
        (2, "标志"),
        (4, "类型"),
        (4, "次数"),
        (4, "日期"),
    ]
    assert result.row_numbers == [3]
    assert result.errors_by_row()[4][0].rule == "应为以下之一：存续、注销"


def test_it_reports_duplicate_keys_with_the_first_row(make_csv: FileMaker) -> None:
    rows = [_row(编码="K1"), _row(编码="K2"), _row(编码="k1"), _row(编码="K1")]
    result = _csv(make_csv, rows)
    assert [str(e) for e in result.errors] == [
        "第 4 行【编码】“K1”：与第 2 行重复",
        "第 5 行【编码】“K1”：与第 2 行重复",
    ]
    assert result.row_numbers == [2, 3]


def test_it_finds_duplicates_across_chunks(
    make_csv: FileMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "_CHUNK", 3)
    rows = [_row(编码=f"K{i}") for i in range(10)] + [_row(编码="K4")]
    result = _csv(make_csv, rows)
    assert [str(e) for e in result.errors] == ["第 12 行【编码】“K4”：与第 6 行重复"]
    assert len(result.records) == 10


def test_it_reports_missing_required_and_unknown_columns(make_csv: FileMaker) -> None:
    headers = ["编码", "备注", "次数"]
    result = _csv(make_csv, [["K1", "x", "1"]], headers=headers)
    assert [str(e) for e in result.errors] == [
        "第 1 行【名称】：缺少必填列；请使用导入模板中的表头",
        "第 1 行【第 B 列】“备注”：不是模板中的列；请删除该列或改为模板中的表头",
    ]


def test_it_accepts_extra_columns_when_the_spec_allows_them(make_csv: FileMaker) -> None:
    spec = Spec(name="x", key="code", allow_extra=True, columns=SPEC.columns[:2])
    result = _csv(make_csv, [["K1", "甲", "x"]], spec=spec, headers=["编码", "名称", "备注"])
    assert result.ok
    assert result.records[0]["extra"] == {"备注": "x"}


def test_it_reports_data_under_no_header(make_csv: FileMaker) -> None:
    headers = ["编码", "", "名称"]
    result = _csv(make_csv, [["K1", "孤儿", "甲", "", "越界"], ["K2", "", "乙"]], headers=headers)
    assert [str(e) for e in result.errors] == [
        "第 2 行【第 B 列】“孤儿”：该列没有表头，数据无法导入；请补充表头或删除该列",
        "第 2 行【第 E 列】“越界”：该列没有表头，数据无法导入；请补充表头或删除该列",
    ]
    assert result.row_numbers == [3]


def test_it_ignores_the_error_column_of_its_own_report(make_csv: FileMaker) -> None:
    result = _csv(make_csv, [["K1", "甲", "旧的错误"]], headers=["编码", "名称", "错误说明"])
    assert result.ok


def test_it_fills_columns_absent_from_the_file(make_csv: FileMaker) -> None:
    result = _csv(make_csv, [["K1", "甲"]], headers=["编码", "名称"])
    assert result.records[0]["tags"] == [] and result.records[0]["flag"] is False


def test_it_strips_the_quote_the_writer_adds_to_formula_like_text(make_csv: FileMaker) -> None:
    result = _csv(make_csv, [_row(名称="'=1+1"), _row(编码="K2", 名称="'it's")])
    assert [r["name"] for r in result.records] == ["=1+1", "'it's"]


def test_it_reports_progress(make_csv: FileMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "_CHUNK", 2)
    path = make_csv([HEADERS, *[_row(编码=f"K{i}") for i in range(5)]])
    seen: list[int] = []
    validate(open_table(path.read_bytes(), path.name), SPEC, progress=seen.append)
    assert seen == [2, 4, 5]


def test_fast_and_cell_by_cell_paths_agree(
    make_csv: FileMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One bad cell per column sends that column's chunk down the slow path; the other rows'
    # values must be exactly those of the fast path.
    good = [
        _row(编码=f"K{i}", 区划="370303", 类型="在营", 标志="是" if i % 2 else "", 次数=str(i) if i % 3 else "",
             日期="2025-06-30" if i % 2 else "", 标签="甲、乙 甲", 方式="现场检查,书面检查", 比例="5%")
        for i in range(6)
    ]  # fmt: skip
    monkeypatch.setattr(schema, "_CHUNK", 100)
    fast = _csv(make_csv, good)
    bad = _row(
        编码="bad code",
        名称="一二三四五六",
        区划="0",
        类型="x",
        标志="x",
        次数="x",
        日期="x",
        方式="x",
        比例="x",
    )
    slow = _csv(make_csv, [*good, bad])
    assert fast.ok
    assert list(slow.records) == list(fast.records)
    # Every column but 标签 (any text is a tag) and 编码 (no check) has an error.
    assert len(slow.errors) == 8


# The three specs of issue 3


def _target(**cells: Any) -> list[Any]:
    base = {"统一社会信用代码": make_uscc(1), "名称": "甲公司", "对象类型": "企业"}
    base.update(cells)
    return [base.get(h, "") for h in TARGETS.headers]


def test_targets_require_a_valid_credit_code_for_market_entities(make_csv: FileMaker) -> None:
    code = make_uscc(5)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    rows = [
        _target(统一社会信用代码=wrong),
        _target(
            统一社会信用代码=make_uscc(6, authority="N", category="2"), 对象类型="农民专业合作社"
        ),
        _target(统一社会信用代码="PRD-001", 对象类型="产品"),
        _target(统一社会信用代码="PRD-002", 对象类型="个体工商户"),
        _target(统一社会信用代码="abc-18-chars-00001", 对象类型="其他组织"),
    ]
    result = _csv(make_csv, rows, spec=TARGETS)
    assert [str(e) for e in result.errors] == [
        f"第 2 行【统一社会信用代码】“{wrong}”：企业须填写有效的统一社会信用代码：校验位错误，应为 {code[17]}",
        "第 5 行【统一社会信用代码】“PRD-002”：个体工商户须填写有效的统一社会信用代码：统一社会信用代码应为 18 位（现为 7 位）",
    ]
    assert [r["key"] for r in result.records] == [rows[1][0], "PRD-001", "ABC-18-CHARS-00001"]


def test_targets_take_statuses_flags_and_optional_columns(make_csv: FileMaker) -> None:
    operator_id = make_resident_id(9)
    rows = [
        _target(
            登记状态="在营",
            信用风险等级="c",
            经营异常名录="是",
            投诉举报次数="3",
            管辖层级="区县级",
        ),
        _target(
            统一社会信用代码=make_uscc(2, category="2"),
            对象类型="个体工商户",
            身份证号=operator_id.lower(),
        ),
        _target(统一社会信用代码=make_uscc(3), 身份证号=operator_id),
        _target(
            统一社会信用代码=make_uscc(4),
            对象类型="个体工商户",
            身份证号=operator_id[:-1] + ("0" if operator_id[-1] != "0" else "1"),
        ),
    ]
    result = _csv(make_csv, rows, spec=TARGETS)
    first = result.records[0]
    assert (first["status"], first["risk_class"], first["abnormal_operation"]) == (
        "存续",
        "C",
        True,
    )
    assert (first["complaint_count"], first["jurisdiction_level"]) == (3, "县级")
    assert result.records[1]["operator_id_number"] == operator_id
    assert [(e.row, e.column) for e in result.errors] == [(4, "身份证号"), (5, "身份证号")]
    assert "个体工商户" in result.errors[0].rule
    assert "校验位错误" in result.errors[1].rule


def _inspector(**cells: Any) -> list[Any]:
    base = {
        "姓名": "李明",
        "部门": "市场监管局",
        "人员类别": "行政执法类公务员",
        "执法证号": "37030319001",
    }
    base.update(cells)
    return [base.get(h, "") for h in INSPECTORS.headers]


def test_inspectors_need_a_certificate_only_when_their_category_does(make_csv: FileMaker) -> None:
    rows = [
        _inspector(执法证号=""),
        _inspector(执法证号="", 人员类别="具有执法资格的工作人员"),
        _inspector(执法证号="", 人员类别="日常监管人员"),
        _inspector(执法证号="", 人员类别="专家", 姓名="王教授"),
        _inspector(执法证号="", 人员类别="日常监管人员", 证件有效期至="2027-12-31"),
        _inspector(执法证号="37 03", 人员类别="行政执法类公务员"),
        _inspector(执法证号=37030319002),
    ]
    result = _csv(make_csv, rows, spec=INSPECTORS)
    assert [str(e) for e in result.errors] == [
        "第 2 行【执法证号】：人员类别为“行政执法类公务员”时必须填写执法证号",
        "第 3 行【执法证号】：人员类别为“具有执法资格的工作人员”时必须填写执法证号",
        "第 6 行【执法证号】：填写了证件有效期，但执法证号为空",
        "第 7 行【执法证号】“37 03”：执法证号只能由 1–40 位字母、数字、汉字、括号、“-”或“_”组成，不能含空格",
    ]
    assert [r["certificate_no"] for r in result.records] == ["", "", "37030319002"]
    assert [r["category"] for r in result.records] == ["日常监管人员", "专家", "行政执法类公务员"]


def test_inspectors_certificate_numbers_stored_as_numbers_are_refused(make_xlsx: FileMaker) -> None:
    result = _xlsx(make_xlsx, [_inspector(执法证号=37030319001)], spec=INSPECTORS)
    assert [(e.column, e.rule) for e in result.errors] == [("执法证号", NUMERIC)]


def test_inspectors_validity_dates_and_expertise(make_xlsx: FileMaker) -> None:
    row = _inspector(
        证件有效期至=dt.date(2027, 12, 31), 专业领域="食品安全，特种设备", 性别="女", 职级="副科级"
    )
    result = _xlsx(make_xlsx, [row], spec=INSPECTORS)
    record = result.records[0]
    assert record["certificate_valid_until"] == dt.date(2027, 12, 31)
    assert record["expertise"] == ["食品安全", "特种设备"]
    assert (record["gender"], record["rank"]) == ("女", "副科级")


def _item(**cells: Any) -> list[Any]:
    base = {"事项编码": "ZB-001", "事项名称": "食品生产监督检查"}
    base.update(cells)
    return [base.get(h, "") for h in ITEMS.headers]


def test_items_take_methods_domains_kinds_and_ratios(make_csv: FileMaker) -> None:
    rows = [
        _item(清单类型="联合", 检查方式="书面检查、委托专业机构检查", 领域="环境保护、质量", 事项类别="重点检查事项", 抽查比例="3%", 抽查对象类型="企业、产品"),
        _item(事项编码="ZB-002", 检查方式="电话抽查"),
        _item(事项编码="ZB-003", 领域="交通"),
        _item(事项编码="ZB-004", 抽查对象类型="公司"),
    ]  # fmt: skip
    result = _csv(make_csv, rows, spec=ITEMS)
    first = result.records[0]
    assert first["list_type"] == "部门联合"
    assert first["methods"] == ["书面检查", "委托专业机构"]
    assert first["domains"] == ["环保", "质量"]
    assert (first["kind"], first["ratio_bp"], first["target_types"]) == (
        "重点",
        300,
        ["企业", "产品"],
    )
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "检查方式"),
        (4, "领域"),
        (5, "抽查对象类型"),
    ]


def test_row_errors_read_like_the_issue_says() -> None:
    error = RowError(12, "统一社会信用代码", "91370303000000019X", "校验位错误，应为 C")
    assert str(error) == "第 12 行【统一社会信用代码】“91370303000000019X”：校验位错误，应为 C"
    assert error.describe() == "【统一社会信用代码】“91370303000000019X”：校验位错误，应为 C"
    assert str(RowError(1, "名称", "", "缺少必填列")) == "第 1 行【名称】：缺少必填列"
    assert str(RowError(2, "x", "长" * 70, "r")).count("长") == 60


def test_records_are_compact_but_read_as_dicts(make_csv: FileMaker, tmp_path: Path) -> None:
    result = _csv(make_csv, [_row(编码="K1"), _row(编码="K2")])
    assert isinstance(result.records.tuples[0], tuple)
    assert [r["code"] for r in result.records] == ["K1", "K2"]
    assert [r["code"] for r in result.records[0:2]] == ["K1", "K2"]
    assert len(result.records) == 2


def test_the_stream_yields_what_validate_returns(
    make_csv: FileMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "_CHUNK", 2)
    rows = [_row(编码=f"K{i}") for i in range(5)] + [_row(编码="K1"), _row(编码="K9", 标志="x")]
    path = make_csv([HEADERS, *rows])
    whole = validate(open_table(path.read_bytes(), path.name), SPEC)
    stream = ValidationStream(open_table(path.read_bytes(), path.name), SPEC)
    chunks = list(stream)
    assert [len(c) for c in chunks] == [2, 2, 1, 0]
    assert [n for c in chunks for n, _ in c] == whole.row_numbers
    assert [r for c in chunks for _, r in c] == list(whole.records)
    assert stream.errors == whole.errors and len(stream.errors) == 2
    assert stream.rows_read == whole.rows_read == 7


def test_it_restores_the_garbage_collector(make_csv: FileMaker) -> None:
    import gc

    path = make_csv([HEADERS, _row()])
    assert gc.isenabled()
    validate(open_table(path.read_bytes(), path.name), SPEC)
    assert gc.isenabled()
    gc.disable()
    try:
        validate(open_table(path.read_bytes(), path.name), SPEC)
        assert not gc.isenabled()
    finally:
        gc.enable()
