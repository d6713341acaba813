"""The profile format: the five built-in profiles validate; broken ones are refused naming the line."""

from __future__ import annotations

import datetime as dt

import pytest

from spotcheck.rulebooks import schema
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import ProfileInvalid, parse

ZIBO = rulebooks_service.builtin_text("zibo-gxj")


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _problem(text: str) -> schema.ProfileProblem:
    with pytest.raises(ProfileInvalid) as caught:
        parse(text)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


@pytest.mark.parametrize("code", rulebooks_service.BUILTIN_CODES)
def test_it_validates_every_builtin_profile(code: str) -> None:
    profile = parse(rulebooks_service.builtin_text(code))
    assert profile.code == code
    assert profile.strata[-1].when.is_catch_all()


def test_it_gives_each_profile_its_own_seed_file() -> None:
    seeds = {
        parse(rulebooks_service.builtin_text(c)).profile.seed
        for c in rulebooks_service.BUILTIN_CODES
    }
    assert seeds == {"000", "001", "002", "003", "004"}


def test_it_knows_that_002_expired_on_2025_06_05() -> None:
    profile = parse(ZIBO)
    assert not profile.expired_on(dt.date(2025, 6, 5))
    assert profile.expired_on(dt.date(2025, 6, 6))
    (warning,) = rulebooks_service.warnings(profile, dt.date(2026, 11, 24))
    assert "2025-06-05" in warning and "失效" in warning
    assert rulebooks_service.warnings(profile, dt.date(2024, 1, 1)) == []


def test_it_refuses_an_unknown_field_naming_its_line() -> None:
    text = ZIBO.replace('seed = "002"', 'seed = "002"\ncolour = "red"')
    problem = _problem(text)
    assert problem.line == _line_of(text, "colour")
    assert problem.where == "profile.colour"
    assert "未知字段" in problem.message


def test_it_refuses_a_ratio_above_one_naming_its_line() -> None:
    text = ZIBO.replace("ratio = 0.3\n", "ratio = 1.5\n")
    problem = _problem(text)
    assert problem.line == _line_of(text, "ratio = 1.5")
    assert problem.where == "strata[1].ratio"
    assert "不能大于 1" in problem.message
    assert str(problem).startswith(f"第 {problem.line} 行")


def test_it_refuses_a_rule_without_its_article_naming_the_rule() -> None:
    text = ZIBO.replace('article = "002 第十二条第一款"\n', "", 1)
    problem = _problem(text)
    assert problem.line == _line_of(text, "[[exclusions.frequency]]")
    assert problem.where == "exclusions.frequency[1].article"
    assert "条文出处" in problem.message


def test_it_refuses_an_article_that_names_no_rulebook() -> None:
    text = ZIBO.replace('article = "002 第九条第二款"', 'article = "第九条"', 1)
    problem = _problem(text)
    assert problem.where == "exclusions.exemption_list.article"
    assert problem.line == _line_of(text, 'article = "第九条"')


def test_it_refuses_a_toml_syntax_error_with_its_line() -> None:
    text = ZIBO.replace("[quota]", "[quota", 1)
    problem = _problem(text)
    assert problem.line == _line_of(text, "[quota")
    assert "TOML 语法错误" in problem.message


def test_it_refuses_strata_without_a_final_catch_all() -> None:
    text = ZIBO.replace(
        'key = "general"\nname = "其他检查对象"\nratio = 0.05\n',
        'key = "general"\nname = "其他检查对象"\nratio = 0.05\nwhen = { risk_class = ["A"] }\n',
    )
    problem = _problem(text)
    assert "最后一个分层" in problem.message


def test_it_reports_every_problem_at_once() -> None:
    text = ZIBO.replace("ratio = 0.3\n", "ratio = 2\n").replace("workdays = 5\n", "workdays = 0\n")
    with pytest.raises(ProfileInvalid) as caught:
        parse(text)
    wheres = {p.where for p in caught.value.problems}
    assert wheres == {"strata[1].ratio", "deadlines.result_report.workdays"}


def test_it_maps_array_table_indexes_to_the_right_occurrence() -> None:
    index = schema.line_index(rulebooks_service.builtin_text("luan-daj"))
    slots = [index[("group", "slots", i)] for i in range(4)]
    assert slots == sorted(slots) and len(set(slots)) == 4
    text = rulebooks_service.builtin_text("luan-daj").splitlines()
    assert text[index[("group", "slots", 3, "name")] - 1].strip() == 'name = "专家"'
