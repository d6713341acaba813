"""Fixtures for the check-history import: an editor, rows and files in the template layout."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.history.models import CheckRecord
from spotcheck.tabular.codes import make_uscc
from spotcheck.tabular.history_spec import HISTORY
from spotcheck.tabular.writer import write_xlsx
from tests.conftest import Org, login


def check_row(
    seq: int, department: str = "CITY-A", *, key: str = "", **overrides: Any
) -> list[Any]:
    """A valid history row in template order (a check of target ``seq``, or of ``key``).

    Other columns by header as keywords; 备注= sets 任务名称/备注.
    """
    values: dict[str, Any] = {
        "统一社会信用代码（或名录编码）": key or make_uscc(seq),
        "检查对象名称": f"淄博测试{seq}有限公司",
        "检查部门编码": department,
        "事项编码": "ZB-001",
        "检查完成日期": "2026-03-01",
        "是否随机抽查": "是",
        "是否发现问题": "否",
        "是否已公示": "是",
        "任务名称/备注": "2026年度双随机抽查",
    }
    if "备注" in overrides:
        overrides["任务名称/备注"] = overrides.pop("备注")
    values.update(overrides)
    return [values[h] for h in HISTORY.headers]


def history_csv(rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    """A history CSV as a spreadsheet program saves it."""
    lines = [",".join(HISTORY.headers)] + [",".join(map(str, row)) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def history_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    """A history workbook; date cells may be real Excel dates."""
    stream = io.BytesIO()
    write_xlsx(stream, HISTORY.headers, rows, text_columns=HISTORY.text_headers)
    return stream.getvalue()


def count_checks(db: Session) -> int:
    """Rows in the check history."""
    db.expire_all()
    return db.execute(select(func.count(CheckRecord.id))).scalar_one()


@pytest.fixture
def officer(client: TestClient, org: Org, make_user: Callable[..., object]) -> TestClient:
    """A logged-in 业务科室 officer of 甲市局."""
    make_user("officer", org.own, Role.OFFICER)
    login(client, "officer")
    return client
