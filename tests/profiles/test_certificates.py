"""Whether a valid enforcement certificate is required comes from the adopted rulebook (001 第十条)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.models import Inspector
from spotcheck.rulebooks import service as rulebooks_service
from tests.conftest import Org

DAY = dt.date(2026, 11, 24)


def _people(db: Session, org: Org) -> list[Inspector]:
    rows = [
        Inspector(department_id=org.own.id, key="NC-1", name="日常甲", category="日常监管人员"),
        Inspector(department_id=org.other.id, key="NC-2", name="日常乙", category="日常监管人员"),
        Inspector(
            department_id=org.other.id,
            key="37030319001",
            name="执法丙",
            category="行政执法类公务员",
            cert_no="37030319001",
            cert_valid_until=dt.date(2026, 1, 1),
        ),
    ]
    db.add_all(rows)
    db.flush()
    return rows


def test_it_admits_daily_supervision_staff_where_001_allows_them(db: Session, org: Org) -> None:
    rulebooks_service.adopt(db, SYSTEM, org.own, "xinzhou-joint")
    rulebooks_service.adopt(db, SYSTEM, org.other, "zibo-gxj")
    daily_own, daily_other, expired = _people(db, org)
    reasons = inspectors_service.reasons_for(db, [daily_own, daily_other, expired], DAY)
    assert reasons[daily_own.id] == []
    assert reasons[daily_other.id] and "依据 002 第七条第二款" in reasons[daily_other.id][0]
    assert "2026-01-01 过期" in reasons[expired.id][0]


def test_it_requires_certificates_when_no_rulebook_is_adopted(db: Session, org: Org) -> None:
    daily_own, _daily_other, _expired = _people(db, org)
    assert inspectors_service.reasons_for(db, [daily_own], DAY)[daily_own.id]
