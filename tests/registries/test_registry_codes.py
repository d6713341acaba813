"""登记编号: every target has a stable, unique registry code; a target known only by a resident ID
number is keyed by it (issue 13 point 18a)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.errors import DomainError
from spotcheck.imports.adapters import target_row
from spotcheck.tabular.codes import make_resident_id, make_uscc
from spotcheck.tabular.specs import TARGETS
from spotcheck.targets import bulk as targets_bulk
from spotcheck.targets import service as targets_service
from spotcheck.targets.models import Target
from tests.conftest import Org

PERSON = make_resident_id(77, region="370303", born=dt.date(1985, 3, 9))


def _import(db: Session, org: Org, records: list[dict]) -> None:  # type: ignore[type-arg]
    targets_bulk.apply_import(db, SYSTEM, org.own, records, filename="t.csv", sha256="x")
    db.flush()


def _all(db: Session, org: Org) -> list[Target]:
    return list(
        db.scalars(select(Target).where(Target.department_id == org.own.id).order_by(Target.id))
    )


def test_every_target_gets_a_code_and_an_id_number_never_becomes_a_key(
    db: Session, org: Org
) -> None:
    company = {"key": make_uscc(5, region="370303"), "name": "淄博甲公司", "target_type": "企业"}
    person = {"key": PERSON, "name": "张某（个人行为）", "target_type": "行为"}
    given = {"key": "XM-01", "name": "某项目", "target_type": "项目", "registry_code": "CITY-A-XM1"}
    _import(db, org, [company, person, given])
    rows = {t.name: t for t in _all(db, org)}
    assert rows["淄博甲公司"].registry_code == "CITY-A-0000001"
    assert rows["淄博甲公司"].key == company["key"]  # the credit code stays the key
    who = rows["张某（个人行为）"]
    assert who.key == who.registry_code == "CITY-A-0000002" and who.id_number == PERSON
    assert rows["某项目"].registry_code == "CITY-A-XM1"
    # Imported again, the person is the same target: nothing new, nothing changed.
    outcome = targets_bulk.apply_import(
        db, SYSTEM, org.own, [person, company], filename="t.csv", sha256="y"
    )
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 2)
    # A form adds the next one; the person cannot be added twice.
    made = targets_service.create(
        db, SYSTEM, org.own, {"key": "XM-02", "name": "另一项目", "target_type": "项目"}
    )
    assert made.registry_code == "CITY-A-0000003"
    with pytest.raises(DomainError, match="该身份证号的对象已在本部门名录库中"):
        targets_service.create(db, SYSTEM, org.own, {**person, "name": "重复"})
    # The export carries the code, and never the number as the key.
    row = target_row(who)
    assert row[TARGETS.headers.index("登记编号")] == who.registry_code
    assert row[0] == who.registry_code


def test_a_registry_code_never_changes_and_is_never_given_twice(db: Session, org: Org) -> None:
    company = {"key": make_uscc(6, region="370303"), "name": "淄博乙公司", "target_type": "企业"}
    _import(db, org, [company])
    db.commit()
    with pytest.raises(DomainError, match="登记编号不可修改"):
        _import(db, org, [{**company, "registry_code": "OTHER-1"}])
    db.rollback()
    taken = _all(db, org)[0].registry_code
    other = {"key": make_uscc(7, region="370303"), "name": "淄博丙公司", "target_type": "企业"}
    with pytest.raises(DomainError, match="已在本部门名录库中使用"):
        _import(db, org, [{**other, "registry_code": taken}])
    db.rollback()
    target = _all(db, org)[0]
    targets_service.update_target(db, SYSTEM, target, {**company, "name": "淄博乙公司（更名）"})
    assert target.registry_code == taken
