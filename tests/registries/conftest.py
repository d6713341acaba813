"""Fixtures for the registries: an editor in the owner department and CSV builders."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from fastapi.testclient import TestClient

from spotcheck.accounts.models import Role
from spotcheck.tabular.codes import make_uscc
from spotcheck.tabular.specs import INSPECTORS, TARGETS
from tests.conftest import Org, login


def target_row(seq: int, **overrides: str) -> list[str]:
    """A valid target row in template order."""
    values = {
        "统一社会信用代码": make_uscc(seq, region="370303"),
        "名称": f"淄博测试{seq}化工有限公司",
        "对象类型": "企业",
        "住所": "张店区华光路1号",
        "行政区划代码": "370303",
        "行业代码": "C26",
        "法定代表人": "王伟",
        "联系电话": "13805330001",
        "经营范围": "化工产品销售",
        "登记状态": "存续",
        "信用风险等级": "B",
        "经营异常名录": "否",
        "严重违法失信名单": "否",
        "投诉举报次数": "0",
        "标签": "",
    }
    values.update(overrides)
    return [values.get(h, "") for h in TARGETS.headers[:15]]


def csv_bytes(
    headers: Sequence[str], rows: Sequence[Sequence[str]], encoding: str = "utf-8"
) -> bytes:
    """A CSV file as a user's spreadsheet program would save it."""
    lines = [",".join(headers)] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def targets_csv(rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> bytes:
    """A targets CSV with the 15 template columns."""
    return csv_bytes(TARGETS.headers[:15], rows, encoding)


def inspector_row(name: str, department: str, cert: str, **overrides: str) -> list[str]:
    """A valid inspector row in template order."""
    values = {
        "姓名": name,
        "性别": "男",
        "部门": department,
        "职务": "科长",
        "职级": "正科级",
        "执法证号": cert,
        "发证机关": "山东省人民政府",
        "证件有效期至": "2028-12-31",
        "执法岗位": "监督检查",
        "专业领域": "安全生产、化工",
        "联系电话": "13905330002",
        "人员类别": "行政执法类公务员",
    }
    values.update(overrides)
    return [values.get(h, "") for h in INSPECTORS.headers]


@pytest.fixture
def editor(client: TestClient, org: Org, make_user: Callable[..., object]) -> TestClient:
    """A logged-in 业务科室 officer of the owner department."""
    make_user("editor", org.own, Role.OFFICER, Role.COORDINATOR)
    login(client, "editor")
    return client
