"""Imported checks count from day one: 002 第十二条's per-item cap sees them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.departments import service as departments_service
from spotcheck.imports import service as imports_service
from tests.conftest import Org
from tests.eligibility.conftest import World, excluded, stratum_of
from tests.history.conftest import check_row, history_csv


def test_it_excludes_a_target_after_two_imported_checks_of_the_item_this_year(
    db: Session, org: Org
) -> None:
    zibo = World(db, org)
    zibo.adopt("zibo-gxj")
    item = zibo.item("ZB-001")
    twice, once, other_item, last_year = zibo.targets(4)
    task = zibo.task([item])
    before = zibo.evaluate(task)
    assert excluded(before, twice) is None and stratum_of(before, twice) == "general"

    rows = [
        check_row(1, key=twice.key, 检查完成日期="2026-03-01"),
        # The second check is another department's: the history is shared.
        check_row(2, "CITY-B", key=twice.key, 检查完成日期="2026-09-01"),
        check_row(3, key=once.key),
        check_row(4, key=other_item.key, 事项编码="ZB-009"),
        check_row(5, key=other_item.key, 事项编码="ZB-009", 检查完成日期="2026-04-01"),
        check_row(6, key=last_year.key, 检查完成日期="2025-03-01"),
        check_row(7, key=last_year.key, 检查完成日期="2025-12-30"),
    ]
    report = imports_service.run(
        db,
        SYSTEM,
        "history",
        history_csv(rows, encoding="gb18030"),
        "往年检查记录.csv",
        department=None,
        scope=departments_service.subtree_ids(db, org.own),
    )
    assert report.ok, report.errors
    assert report.outcome is not None and report.outcome.created == 7
    db.commit()

    after = zibo.evaluate(task)

    exclusion = excluded(after, twice)
    assert exclusion is not None
    assert exclusion.code == "frequency"
    assert exclusion.rule == "依据 002 第十二条第一款：同一事项年度抽查不超过2次"
    assert exclusion.reason == "2026年已因事项 ZB-001 被检查2次（上限2次）"
    for target in (once, other_item, last_year):
        assert excluded(after, target) is None, target.name
        assert stratum_of(after, target) == "general"
