"""Demo inspector accounts (我的任务): one per seed agency, linked to a registry entry.

Kept apart from the other demo accounts (demo/data.py) because the person is taken from the
generated registry: the first entry by key of the agency's inspector department who can be drawn
(在岗, with a certificate valid through the demo plans' windows), so the agency's draws draw them.
The account carries the entry's name and the 执法检查人员 role.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role
from spotcheck.audit.service import SYSTEM
from spotcheck.departments import service as departments_service
from spotcheck.inspectors import links
from spotcheck.inspectors.models import CERTIFIED_CATEGORIES, Inspector

# (username, department of the agency's inspectors, agency)
INSPECTOR_ACCOUNTS = [
    ("zibo_insp", "370300-GXJ-JNZY", "淄博市工业和信息化局"),
    ("shanxi_insp", "140000-DAJ-JD", "山西省档案局"),
    ("xinzhou_insp", "140900-SCJ", "忻州市市场监督管理局"),
    ("zaozhuang_insp", "370400-GXQ-SW", "枣庄高新区社会事务综合服务中心"),
    ("luan_insp", "341500-DAJ", "六安市档案局"),
]
VALID_THROUGH = dt.date(2027, 12, 31)  # the last demo plan window ends in 2027


def load(session: Session, password: str) -> None:
    """Create the accounts and link them (idempotent: an existing account is left alone)."""
    for username, code, _agency in INSPECTOR_ACCOUNTS:
        if accounts_service.get_by_username(session, username) is not None:
            continue
        department = departments_service.get_by_code(session, code)
        if department is None:
            continue
        entry = session.scalar(
            select(Inspector)
            .where(
                Inspector.department_id == department.id,
                Inspector.user_id.is_(None),
                Inspector.status == "在岗",
                Inspector.category.in_(CERTIFIED_CATEGORIES),
                Inspector.cert_no != "",
                Inspector.cert_valid_until >= VALID_THROUGH,
            )
            .order_by(Inspector.key)
            .limit(1)
        )
        if entry is None:
            continue
        user = accounts_service.create(
            session,
            SYSTEM,
            username=username,
            full_name=entry.name,
            department=department,
            roles=[Role.INSPECTOR],
            password=password,
        )
        links.link(session, SYSTEM, entry, user, "演示数据")
