"""Every article a built-in profile cites exists in its seed (the verbatim rulebook), and where a
rule carries a figure or an approver the cited text says it; a silent rulebook is cited as the
platform's rule (issue 13, point 10b)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import PLATFORM_RULE, Profile, ProfileInvalid, parse

# The five rulebooks verbatim (docs/seeds, a copy of the project's seeds/).
SEEDS = Path(__file__).resolve().parents[2] / "docs" / "seeds"

NUMERAL = "一二三四五六七八九十"
# 000–003 cite 第N条, optionally 第N款 or （N）; 004 (a 方案) cites its section and item, 二（三）.
ARTICLE = re.compile(
    rf"^(\d{{3}}) 第([{NUMERAL}]+)条(?:第([{NUMERAL}]+)款)?(?:（([{NUMERAL}]+)）)?$"
)
SECTION_ITEM = re.compile(rf"^(\d{{3}}) ([{NUMERAL}]+)（([{NUMERAL}]+)）$")
# An approver the profile names in its own words for what the article says.
SAID_AS = {"市人民政府": "市政府", "省档案局会同省直有关部门": "会同省直有关部门"}


def number(numeral: str) -> int:
    """A Chinese numeral up to 99 (十二, 二十一) as an int."""
    if "十" not in numeral:
        return NUMERAL.index(numeral) + 1
    tens, _, units = numeral.partition("十")
    return (NUMERAL.index(tens) + 1 if tens else 1) * 10 + (
        NUMERAL.index(units) + 1 if units else 0
    )


@cache
def seed_text(seed: str) -> str:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    return path.read_text(encoding="utf-8").replace("**", "")


@cache
def articles_of(seed: str) -> dict[int, list[str]]:
    """第N条 → its paragraphs (款). A page break splits a sentence over a blank line: a chunk not
    ending a sentence is joined to the next."""
    text = seed_text(seed)
    heads = list(re.finditer(rf"(?m)^\s*第([{NUMERAL}]+)条", text))
    out: dict[int, list[str]] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end]
        paragraphs: list[str] = []
        for chunk in (c.strip() for c in re.split(r"\n\s*\n", body)):
            if not chunk or re.match(rf"^第[{NUMERAL}]+章", chunk):  # a chapter's title
                continue
            if paragraphs and not paragraphs[-1].endswith(("。", "；", "：")):
                paragraphs[-1] += chunk
            else:
                paragraphs.append(chunk)
        out.setdefault(number(head.group(1)), paragraphs)
    return out


@cache
def sections_of(seed: str) -> dict[int, dict[int, str]]:
    """一、… sections of a 方案 → their （N） items → the item's text."""
    text = seed_text(seed)
    heads = list(re.finditer(rf"(?m)^([{NUMERAL}]+)、", text))
    out: dict[int, dict[int, str]] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end]
        items = list(re.finditer(rf"(?m)^（([{NUMERAL}]+)）", body))
        out[number(head.group(1))] = {
            number(m.group(1)): body[
                m.start() : items[j + 1].start() if j + 1 < len(items) else None
            ]
            for j, m in enumerate(items)
        }
    return out


def cited_text(article: str) -> str:
    """The text the article names (its paragraph or item, else the whole article); fails if it
    names nothing in the seed."""
    found = ARTICLE.match(article)
    if found:
        seed, art, para, item = found.groups()
        paragraphs = articles_of(seed).get(number(art))
        assert paragraphs, f"{article}：细则原文没有第{art}条"
        if para:
            assert number(para) <= len(paragraphs), f"{article}：第{art}条只有 {len(paragraphs)} 款"
            return paragraphs[number(para) - 1]
        whole = "".join(paragraphs)
        if item:
            assert f"（{item}）" in whole, f"{article}：第{art}条没有（{item}）项"
        return whole
    found = SECTION_ITEM.match(article)
    assert found, f"条文出处“{article}”的写法无法在细则原文中核对"
    seed, section, item = found.groups()
    items = sections_of(seed).get(number(section))
    assert items is not None, f"{article}：原文没有“{section}、”部分"
    assert number(item) in items, f"{article}：“{section}、”部分没有（{item}）项"
    return items[number(item)]


def rules(value: Any, path: str = "") -> list[tuple[str, str, dict[str, Any]]]:
    """(path, article, the rule's table) of every article and certificate_article in a profile."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("article", "certificate_article") and isinstance(inner, str):
                out.append((f"{path}.{key}".lstrip("."), inner, value))
            else:
                out += rules(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out += rules(inner, f"{path}[{i}]")
    return out


def builtin(code: str) -> Profile:
    return parse(rulebooks_service.builtin_text(code))


@pytest.mark.parametrize("code", rulebooks_service.BUILTIN_CODES)
def test_every_cited_article_exists_in_the_seed(code: str) -> None:
    profile = builtin(code)
    for path, article, rule in rules(profile.model_dump(mode="json")):
        if article == PLATFORM_RULE:
            # The platform decides where the rulebook is silent, and says what it chose.
            assert rule.get("note"), f"{code} {path}：平台规则须在 note 中说明取舍"
            continue
        assert article.startswith(f"{profile.profile.seed} "), f"{code} {path}：{article}"
        cited_text(article)


@pytest.mark.parametrize("code", rulebooks_service.BUILTIN_CODES)
def test_a_cited_deadline_or_approver_is_in_the_cited_text(code: str) -> None:
    profile = builtin(code)
    for key, deadline in profile.deadlines.items():
        text = re.sub(r"\s", "", cited_text(deadline.article))
        assert f"{deadline.workdays}个工作日" in text, f"{code} deadlines.{key}：{deadline.article}"
    steps = {f"approvals.{k}": a for k, a in profile.approvals.items()}
    steps["plan.approval"] = profile.plan.approval
    steps["plan.filing"] = profile.plan.filing
    for where, step in steps.items():
        if step.is_platform:
            continue
        said = SAID_AS.get(step.by, step.by)
        assert said in cited_text(step.article), f"{code} {where}：{step.article} 未提及“{step.by}”"


def test_the_checks_fail_for_a_fabricated_citation() -> None:
    with pytest.raises(AssertionError, match="没有第九十九条"):
        cited_text("002 第九十九条")
    with pytest.raises(AssertionError, match="只有 3 款"):
        cited_text("002 第十二条第五款")
    with pytest.raises(AssertionError, match="没有（九）项"):
        cited_text("004 二（九）")
    # 002 第十五条第三款 is the signature paragraph; the 5 and 2 working days are in the fourth.
    assert "5个工作日" not in cited_text("002 第十五条第三款")
    assert "5个工作日" in cited_text("002 第十五条第四款")


@pytest.mark.parametrize("code", ["zaozhuang-gxq", "luan-daj"])
def test_the_status_exclusion_under_003_and_004_is_the_platforms_rule(code: str) -> None:
    status = builtin(code).exclusions.status
    assert status.article == PLATFORM_RULE and status.is_platform
    assert status.basis("仅存续状态的检查对象纳入随机抽取") == (
        f"平台规则（细则未规定）：仅存续状态的检查对象纳入随机抽取（{status.note}）"
    )


def test_a_platform_rule_is_accepted_and_an_article_still_needs_its_rulebook() -> None:
    text = rulebooks_service.builtin_text("zibo-gxj")
    assert 'article = "平台规则（细则未规定）"' in text
    parse(text.replace('article = "002 第九条第二款"', f'article = "{PLATFORM_RULE}"', 1))
    with pytest.raises(ProfileInvalid, match="平台规则（细则未规定）"):
        parse(text.replace('article = "002 第九条第二款"', 'article = "平台规则"', 1))


def test_the_record_pdf_shows_a_platform_rule_with_its_note() -> None:
    from spotcheck.draws import record_pdf

    profile = builtin("xinzhou-joint")
    rows = dict(record_pdf.profile_articles(profile))
    borrow = profile.approvals["borrow"]
    assert borrow.is_platform
    assert rows["借调人员由部门领导批准"] == f"平台规则（细则未规定）：{borrow.note}"
    assert rows["岗位“发起部门”：每个对象 2 人（检查组成员）"] == "001 第十八条"
