"""The demo plans load on the demo agencies, once, with previews that show exclusions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.demo import data as demo_data
from spotcheck.demo import plans as demo_plans
from spotcheck.departments import service as departments_service
from spotcheck.eligibility import service as eligibility
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan, PlanStatus


def test_it_loads_the_demo_plans_once_with_exclusions_to_preview(db: Session) -> None:
    demo_data.load(db)
    demo_plans.load(db)
    db.commit()
    demo_plans.load(db)  # a second run changes nothing
    db.commit()
    assert db.scalar(select(func.count(AnnualPlan.id))) == 3

    zibo = departments_service.get_by_code(db, "370300-GXJ")
    xinzhou = departments_service.get_by_code(db, "140900-SCJ")
    assert zibo is not None and xinzhou is not None
    published = plans_service.current(db, zibo, 2026)
    assert published is not None and published.status == PlanStatus.PUBLISHED
    assert 2 <= len(published.tasks) <= 3
    assert all(plans_service.draw_blockers(db, t) == [] for t in published.tasks)
    draft = plans_service.current(db, zibo, 2027)
    assert draft is not None and draft.status == PlanStatus.DRAFT
    joint = plans_service.current(db, xinzhou, 2027)
    assert joint is not None and joint.status == PlanStatus.DRAFT
    assert [d.department_id for d in joint.tasks[0].participants] == [
        departments_service.get_by_code(db, "140900-GXJ").id  # type: ignore[union-attr]
    ]
    counts = {
        code: n
        for code, _l, _a, n in eligibility.evaluate(db, published.tasks[0]).exclusion_counts()
    }
    assert counts["exemption"] == 3 and counts["frequency"] >= 1 and counts["status"] > 0
    # The published task pinned item versions whose check points are frozen and cite their law.
    from spotcheck.catalog import service as catalog_service

    pinned = catalog_service.check_points(db, published.tasks[0].items[0].item_version_id)
    assert len(pinned) >= 2 and all("《" in p.legal_basis for p in pinned)
