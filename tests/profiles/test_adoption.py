"""Adoption is inherited down the tree; copies keep their original and show their differences."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.errors import DomainError
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import ProfileInvalid
from tests.conftest import Org


def test_it_inherits_the_nearest_adoption(db: Session, org: Org) -> None:
    with pytest.raises(DomainError, match="尚未采用细则配置"):
        rulebooks_service.profile_for(db, org.child)
    rulebooks_service.adopt(db, SYSTEM, org.root, "shanxi-daj")
    rulebooks_service.adopt(db, SYSTEM, org.own, "zibo-gxj")
    assert rulebooks_service.profile_for(db, org.child).code == "zibo-gxj"
    code, owner = rulebooks_service.adoption_for(db, org.child) or ("", org.root)
    assert (code, owner.id) == ("zibo-gxj", org.own.id)
    assert rulebooks_service.profile_for(db, org.other).code == "shanxi-daj"
    actions = db.scalars(select(AuditEvent.action)).all()
    assert actions.count("rulebook.adopt") == 2


def test_it_copies_edits_and_diffs_a_profile(db: Session, org: Org) -> None:
    custom = rulebooks_service.copy(db, SYSTEM, "zibo-gxj", "zibo-gxj-2026")
    assert custom.based_on == "zibo-gxj"
    assert rulebooks_service.diff(db, "zibo-gxj-2026") == []
    text = custom.text.replace("max_checks = 2", "max_checks = 3")
    rulebooks_service.save(db, SYSTEM, "zibo-gxj-2026", text)
    (change,) = rulebooks_service.diff(db, "zibo-gxj-2026")
    assert (change.path, change.old, change.new) == ("exclusions.frequency[1].max_checks", 2, 3)
    rulebooks_service.adopt(db, SYSTEM, org.own, "zibo-gxj-2026")
    assert rulebooks_service.profile_for(db, org.own).exclusions.frequency[0].max_checks == 3
    # A copy of a copy still points at the built-in original.
    assert rulebooks_service.copy(db, SYSTEM, "zibo-gxj-2026", "zibo-gxj-b").based_on == "zibo-gxj"


def test_it_refuses_a_broken_edit_and_keeps_the_old_text(db: Session, org: Org) -> None:
    custom = rulebooks_service.copy(db, SYSTEM, "luan-daj", "luan-daj-x")
    before = custom.text
    with pytest.raises(ProfileInvalid):
        rulebooks_service.save(db, SYSTEM, "luan-daj-x", before.replace("years = 1", "years = 0"))
    with pytest.raises(ProfileInvalid, match="编码不能修改"):
        rulebooks_service.save(db, SYSTEM, "luan-daj-x", before.replace('"luan-daj-x"', '"other"'))
    assert custom.text == before


def test_it_refuses_taken_or_malformed_codes(db: Session, org: Org) -> None:
    with pytest.raises(DomainError, match="已被使用"):
        rulebooks_service.copy(db, SYSTEM, "zibo-gxj", "luan-daj")
    with pytest.raises(DomainError, match="小写字母"):
        rulebooks_service.copy(db, SYSTEM, "zibo-gxj", "Zibo 2026")
