"""A draw larger than one SQL statement may name (PostgreSQL: 65,535 parameters): every step
batches its lookups and writes, on both databases (issue 12)."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from spotcheck.draws import appendix, ceremony, events, visits
from spotcheck.draws import service as draws
from spotcheck.draws.models import DrawnTarget, DrawStatus
from spotcheck.eligibility import service as eligibility
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.sampling import verify_record
from spotcheck.tabular.codes import make_uscc
from spotcheck.targets.models import Target
from tests.draws_ceremony.conftest import NOW, approved_task, department, reveal_and_compute, who

ROWS = 70_000
LIMIT = 65_535  # PostgreSQL's bound on the parameters of one statement


def test_it_draws_more_targets_than_one_statement_may_name(demo: Session) -> None:
    db = demo
    task = approved_task(db, "140000-DAJ", "shanxi", "shanxi_leader")
    dep = department(db, "140000-DAJ")
    profile = rulebooks_service.profile_for(db, dep)
    kind = next(iter(profile.scope.target_types))
    status = next(iter(profile.exclusions.status.drawable))
    rows = [
        {
            "department_id": dep.id,
            "key": make_uscc(700_000 + n, region="140100"),
            "name": f"规模测试企业{n:05d}",
            "target_type": kind,
            "status": status,
            "region_code": "140100",
            "registry_code": f"NS-{n:07d}",
        }
        for n in range(ROWS)
    ]
    db.execute(insert(Target), rows)
    # Nearly every candidate drawn: the public record opens more keys than one IN (…) may name.
    task.strata_settings = {s.key: {"ratio": 0.95} for s in eligibility.evaluate(db, task).strata}
    actor = who(db, "shanxi")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=8)
    draws.commit(db, actor, draw, now=NOW)
    assert draw.candidate_count > ROWS
    assert draw.evaluation["total_quota"] > LIMIT
    reveal_and_compute(db, actor, draw)
    db.commit()

    assert draw.status == DrawStatus.COMPUTED and draw.selected_count > LIMIT
    public = ceremony.record(db, draw)
    assert len(public["openings"]) > LIMIT
    written = db.scalar(
        select(func.count()).select_from(DrawnTarget).where(DrawnTarget.task_id == task.id)
    )
    assert written == draw.selected_count
    # Names came from the registry in batches; the appendix is bound by its SHA-256.
    assert hashlib.sha256(appendix.csv_bytes(db, draw)).hexdigest() == draw.list_sha256
    second = visits.page(db, draw, 2)
    assert len(second.visits) == visits.PER_PAGE and second.total == draw.selected_count
    assert [v.order for v in second.visits] == list(range(51, 101))
    name = second.visits[3].name
    found = visits.page(db, draw, 1, name)
    assert [v.name for v in found.visits] == [name] and name.startswith("规模测试企业")

    # An event at this size: one engine run, the rows and the list's hash follow it.
    before = draw.list_sha256
    first = visits.page(db, draw, 1).visits[0]
    row = events.replace_target(db, actor, draw, target_key=first.key, reason="无法联系")
    db.commit()
    assert draw.list_sha256 != before
    now_first = visits.page(db, draw, 1).visits[0]
    assert now_first.commitment == row.payload["replacement"] and now_first.replaces == first.name
    assert verify_record(ceremony.record(db, draw)).ok
