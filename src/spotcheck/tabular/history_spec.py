"""The file layout of past checks (检查记录): what frequency caps, cooldowns and years unchecked count.

- A check is identified by four columns: the target's code, 检查部门编码, 事项编码 and 检查完成日期,
  so the spec has no one-column key (``key=None``) and :func:`history_duplicates` compares the four.
- The target's code is a 统一社会信用代码 or a registry code (1–40 letters, digits, "-", "_"),
  upper-cased: the history has no target type to tell which, as in ``TARGETS`` for 其他组织.
- 检查部门编码 is text (a numeric code typed into Excel stays usable); whether the department
  exists is the importer's business (the file layer has no database).
- 检查完成日期 lies between 2000-01-01 and today (Beijing). 是否随机抽查 and 是否已公示 are
  是/否 with 是 when empty (most past checks were random and published); 是否发现问题 is required.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spotcheck import clock
from spotcheck.tabular.codes import check_registry_code, make_uscc
from spotcheck.tabular.schema import Column, Record, RowError, Spec

HISTORY_EARLIEST = dt.date(2000, 1, 1)
HISTORY_IDENTITY = ("key", "department_code", "item_code", "completed_on")
_YES_DEFAULT = "填写“是”或“否”，留空视为“是”"


def _history_rules(r: Record) -> list[tuple[str, str]]:
    day = r["completed_on"]
    if day is None:
        return []
    today = clock.today()
    if day > today:
        return [("检查完成日期", f"检查完成日期不能晚于今天（{today.isoformat()}）")]
    if day < HISTORY_EARLIEST:
        return [("检查完成日期", f"检查完成日期不能早于 {HISTORY_EARLIEST.isoformat()}")]
    return []


HISTORY = Spec(
    name="history",
    title="检查记录",
    key=None,  # a check is identified by four columns: see history_duplicates
    conditional=_history_rules,
    notes=(
        "每行是一次已完成的检查（任何部门实施的，随机抽查或非随机检查，已公示或未公示）；"
        "抽查频次上限、检查间隔、“连续几年未被抽查”等规则都按这些记录计算。",
        "同一文件中统一社会信用代码（或名录编码）、检查部门编码、事项编码、检查完成日期四项都相同的行"
        "视为重复，会被拒绝；与平台中已有记录四项都相同的行不会重复记录（计为“未变”）。",
        "检查部门编码须是平台中已有的部门编码（可以是其他部门的，检查记录各部门共用）。",
    ),
    columns=(
        Column(
            "统一社会信用代码（或名录编码）",
            "key",
            "code",
            required=True,
            max_len=40,
            upper=True,
            check=check_registry_code,
            example=make_uscc(1),
            help="与检查对象名录库中的代码一致；其他对象可填写名录编码",
        ),
        Column(
            "检查对象名称",
            "target_name",
            "text",
            max_len=200,
            example="淄博示例食品有限公司",
            help="可空：名录库中有该代码时自动带出",
        ),
        Column(
            "检查部门编码",
            "department_code",
            "text",
            required=True,
            max_len=40,
            example="370300-GXJ",
            help="实施检查的部门在平台中的编码",
        ),
        Column(
            "事项编码",
            "item_code",
            "code",
            max_len=40,
            check=check_registry_code,
            example="ZB-SJ-001",
            help="随机抽查事项编码；同一事项年度抽查次数等规则按它计算",
        ),
        Column(
            "检查完成日期",
            "completed_on",
            "date",
            required=True,
            example="2026-03-15",
            help="YYYY-MM-DD，不能晚于今天",
        ),
        Column(
            "是否随机抽查",
            "random",
            "enum",
            choices=("是", "否"),
            example="是",
            help=_YES_DEFAULT + "；投诉举报、上级交办等非随机检查填“否”",
        ),
        Column(
            "是否发现问题",
            "found_problem",
            "bool",
            required=True,
            example="否",
            help="填写“是”或“否”",
        ),
        Column(
            "是否已公示",
            "published",
            "enum",
            choices=("是", "否"),
            example="是",
            help=_YES_DEFAULT,
        ),
        Column(
            "任务名称/备注",
            "note",
            "text",
            max_len=300,
            example="2026年度食品生产企业双随机抽查",
        ),
    ),
)


def history_identity(record: Mapping[str, Any]) -> tuple[str, str, str, dt.date]:
    """What makes two rows the same check: code, department, item and completion date."""
    return (record["key"], record["department_code"], record["item_code"], record["completed_on"])


def history_duplicates(
    records: Iterable[Mapping[str, Any]], row_numbers: Sequence[int]
) -> list[RowError]:
    """Rows that repeat an earlier row's check, each naming the earlier row."""
    seen: dict[tuple[str, str, str, dt.date], int] = {}
    errors: list[RowError] = []
    for number, record in zip(row_numbers, records, strict=True):
        first = seen.setdefault(history_identity(record), number)
        if first != number:
            errors.append(
                RowError(
                    number,
                    "统一社会信用代码（或名录编码）",
                    record["key"],
                    f"与第 {first} 行重复（代码、检查部门编码、事项编码、检查完成日期都相同）",
                )
            )
    return errors
