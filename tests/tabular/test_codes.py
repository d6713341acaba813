"""Identifier and code checks: credit codes, ID numbers, region and industry codes, phones."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from spotcheck.tabular.codes import (
    USCC_AUTHORITIES,
    check_certificate_no,
    check_industry,
    check_phone,
    check_region,
    check_registry_code,
    check_resident_id,
    check_uscc,
    industry_name,
    make_resident_id,
    make_uscc,
    region_name,
    uscc_category,
)
from spotcheck.tabular.regions import regions


def test_it_accepts_a_published_credit_code_as_stdnum_does() -> None:
    code = "91110000600037341L"
    assert check_uscc(code) is None
    assert uscc.is_valid(code)
    assert uscc_category(code) == ("市场监管（工商）", "企业")


@given(st.integers(min_value=0, max_value=10**8 - 1))
def test_it_generates_digit_leading_codes_that_stdnum_also_accepts(seq: int) -> None:
    code = make_uscc(seq)
    assert check_uscc(code) is None
    assert uscc.is_valid(code)


@pytest.mark.parametrize(
    ("authority", "category"),
    [(a, c) for a, (_, cats) in USCC_AUTHORITIES.items() for c in cats],
)
def test_it_accepts_every_authority_and_category_including_letter_leading(
    authority: str, category: str
) -> None:
    code = make_uscc(12345, authority=authority, category=category)
    assert check_uscc(code) is None


def test_it_accepts_letter_leading_codes_that_stdnum_rejects() -> None:
    code = make_uscc(7, authority="N", category="2")
    assert code.startswith("N2")
    assert check_uscc(code) is None
    assert not uscc.is_valid(code)  # the reason we do not rely on stdnum alone
    assert uscc_category(code) == ("农业农村", "村级集体经济组织")


def test_it_names_the_right_check_character() -> None:
    good = make_uscc(42)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert check_uscc(wrong) == f"校验位错误，应为 {good[17]}"
    letter = make_uscc(42, authority="Y", category="1")
    wrong = letter[:17] + ("0" if letter[17] != "0" else "1")
    assert check_uscc(wrong) == f"校验位错误，应为 {letter[17]}"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("9137030300000001", "应为 18 位（现为 16 位）"),
        ("91370303MA3CI1234X", "第 13 位字符“I”不允许"),
        ("91370303ma3c01234x", "请改为大写"),
        ("913703O3000000019C", "第 7 位字符“O”不允许"),
        ("91AB0303000000019C", "第 3–8 位"),
        ("B1370303000000019C", "登记管理部门码“B”不存在"),
        ("94370303000000019C", "机构类别码“4”不属于登记管理部门“市场监管（工商）”"),
        ("Y2370303000000019C", "机构类别码“2”不属于登记管理部门“其他”"),
    ],
)
def test_it_explains_malformed_credit_codes(code: str, fragment: str) -> None:
    reason = check_uscc(code)
    assert reason is not None
    assert fragment in reason


def test_it_refuses_unknown_generator_arguments() -> None:
    with pytest.raises(ValueError, match="authority"):
        make_uscc(1, authority="B")
    with pytest.raises(ValueError, match="region"):
        make_uscc(1, region="37030")


@given(st.integers(min_value=0, max_value=10**6), st.booleans())
def test_it_generates_id_numbers_that_stdnum_also_accepts(seq: int, female: bool) -> None:
    number = make_resident_id(seq, female=female)
    assert check_resident_id(number) is None
    assert ric.is_valid(number)
    assert int(number[16]) % 2 == (0 if female else 1)


def test_it_accepts_a_published_id_number_with_x() -> None:
    assert check_resident_id("11010519491231002X") is None


def test_it_rejects_id_numbers_with_wrong_check_digit_or_form() -> None:
    good = make_resident_id(3)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert check_resident_id(wrong) == f"校验位错误，应为 {good[17]}"
    assert "18 位" in (check_resident_id(good[:15]) or "")
    assert "最后一位" in (check_resident_id(good[:16] + "A" + good[17]) or "")


def test_it_rejects_id_numbers_with_impossible_birth_dates() -> None:
    body = "370303" + "19990230" + "001"
    number = body + _id_check(body)
    assert check_resident_id(number) == "出生日期“19990230”不存在"
    future = dt.date.today() + dt.timedelta(days=400)
    body = f"370303{future:%Y%m%d}001"
    assert "不合理" in (check_resident_id(body + _id_check(body)) or "")
    body = "370303" + "18991231" + "001"
    assert "不合理" in (check_resident_id(body + _id_check(body)) or "")


def test_it_rejects_id_numbers_from_unknown_regions_but_keeps_abolished_ones() -> None:
    body = "999999" + "19850101" + "001"
    assert "地址码“999999”" in (check_resident_id(body + _id_check(body)) or "")
    # 110103 崇文区 was abolished in 2010; people born there keep their number.
    body = "110103" + "19850101" + "001"
    assert check_resident_id(body + _id_check(body)) is None


def _id_check(body: str) -> str:
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
    return "0123456789X"[(12 - total % 11) % 11]


def test_it_accepts_current_region_codes_and_names_them() -> None:
    assert check_region("370303") is None
    assert region_name("370303") == "山东省淄博市张店区"
    assert region_name("370300") == "山东省淄博市"
    assert region_name("370000") == "山东省"
    assert region_name("110101") == "北京市东城区"
    assert region_name("120110") == "天津市东丽区"  # renamed code: the current name
    assert region_name("999999") is None


def test_it_rejects_abolished_region_codes_naming_the_year() -> None:
    assert check_region("110103") == "行政区划代码 110103（崇文区）已于 2010 年撤销，请填写现行代码"
    assert region_name("110103") == "北京市崇文区"


def test_it_rejects_unknown_and_malformed_region_codes() -> None:
    assert "没有该代码" in (check_region("371399") or "")
    assert "6 位数字" in (check_region("37030") or "")
    assert "6 位数字" in (check_region("3703O3") or "")


def test_it_parses_the_whole_region_table() -> None:
    table = regions()
    assert len(table) > 6000
    assert {r.code[:2] for r in table.values()} >= {"11", "37", "65", "81", "82"}


@pytest.mark.parametrize(
    "code", ["A", "C", "T", "01", "05", "13", "97", "131", "1311", "C1311", "A0511"]
)
def test_it_accepts_industry_codes_to_division_level(code: str) -> None:
    assert check_industry(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("00", "大类“00”不存在"),
        ("98", "大类“98”不存在"),
        ("9901", "大类“99”不存在"),
        ("B1311", "门类“B”与大类“13”不符"),
        ("U", "门类字母"),
        ("1", "门类字母"),
        ("13111", "门类字母"),
        ("c13", "门类字母"),
    ],
)
def test_it_rejects_unknown_industry_codes(code: str, fragment: str) -> None:
    assert fragment in (check_industry(code) or "")


def test_it_names_industry_sections_and_divisions() -> None:
    assert industry_name("C1431") == "C 制造业 / 14 食品制造业"
    assert industry_name("65") == "I 信息传输、软件和信息技术服务业 / 65 软件和信息技术服务业"
    assert industry_name("K") == "K 房地产业"
    assert industry_name("98") is None


@pytest.mark.parametrize(
    "phone",
    [
        "13805330001",
        "19912345678",
        "0533-2861234",
        "05332861234",
        "010-12345678",
        "0533-2861234-801",
    ],
)
def test_it_accepts_mobile_and_landline_numbers(phone: str) -> None:
    assert check_phone(phone) is None


@pytest.mark.parametrize(
    "phone",
    ["12805330001", "1380533000", "2861234", "0533 2861234", "+8613805330001", "0533—2861234"],
)
def test_it_rejects_malformed_phone_numbers(phone: str) -> None:
    assert check_phone(phone) is not None


def test_it_checks_registry_codes_and_certificate_numbers() -> None:
    assert check_registry_code("PRD-2025_001") is None
    assert check_registry_code("a" * 41) is not None
    assert check_registry_code("产品001") is not None
    assert check_certificate_no("鲁执37030319001") is None
    assert check_certificate_no("(2024)字-001") is None
    assert check_certificate_no("37 0303") is not None
