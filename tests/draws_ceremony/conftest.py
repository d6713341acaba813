"""Demo data with an approved plan per agency, and helpers to walk a draw through its ceremony."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import ApprovalLevel, Role
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM, Actor
from spotcheck.catalog.models import CheckItem
from spotcheck.demo import data as demo_data
from spotcheck.demo import plans as demo_plans
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.draws import ceremony, engine_cli, entropy_input
from spotcheck.draws.models import Draw
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import PlanStatus, Task
from spotcheck.plans.tasks import TaskInput
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.sampling.entropy import round_time
from tests import drawtexts
from tests.sampling.helpers import VECTORS

# A real quicknet round from the spec's vectors: committing 60 s before it plans exactly it.
_DRAND = json.loads((VECTORS / "joint-drand.json").read_text(encoding="utf-8"))["entropy"][0]
DRAND_ROUND: int = _DRAND["round"]
DRAND_SIGNATURE: str = _DRAND["signature"]
BEFORE_DRAND = dt.datetime.fromtimestamp(round_time(DRAND_ROUND) - 60, dt.UTC)
NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


# Approvers the tests name on forms, with the level each carries (淄博市工信局, 002).
APPROVERS = (
    ("wang_kz", "王科长", "370300-GXJ-JNZY", ApprovalLevel.HEAD),
    ("zhang_kz", "张科长", "370300-GXJ-JNZY", ApprovalLevel.HEAD),
    ("zhang_jz", "张局长", "370300-GXJ", ApprovalLevel.PRINCIPAL),
    ("juzhang", "局长", "370300-GXJ", ApprovalLevel.PRINCIPAL),
)


@pytest.fixture
def demo(db: Session) -> Session:
    """The demo agencies, accounts, registries and plans, and the approvers the tests name."""
    demo_data.load(db)
    demo_plans.load(db)
    for username, name, code, level in APPROVERS:
        accounts_service.create(
            db,
            SYSTEM,
            username=username,
            full_name=name,
            department=department(db, code),
            roles=[Role.LEADER],
            password="Approver#2026x",
            approval_level=level,
        )
    db.flush()
    return db


def who(db: Session, username: str) -> Actor:
    """The demo account as an audit actor."""
    user = accounts_service.get_by_username(db, username)
    assert user is not None, username
    return Actor(user.id, user.full_name, user.department_id)


def department(db: Session, code: str) -> Department:
    """A demo department by code."""
    found = departments_service.get_by_code(db, code)
    assert found is not None, code
    return found


def approved_task(
    db: Session,
    code: str,
    coordinator: str,
    leader: str,
    participants: Sequence[str] = (),
    **fields: Any,
) -> Task:
    """A 2026 plan of the department with one task, taken to the state its profile draws at."""
    dep = department(db, code)
    profile = rulebooks_service.profile_for(db, dep)
    scope = departments_service.acting_scope(db, dep)
    items = db.scalars(
        select(CheckItem).where(CheckItem.department_id.in_(scope)).order_by(CheckItem.code)
    ).all()
    usable = [
        i
        for i in items
        if i.published is not None and i.published.list_type in profile.scope.item_list_types
    ]
    # A key item (重点) has no ratio cap, so the profile's own strata ratios always hold.
    item = sorted(usable, key=lambda i: i.published is None or i.published.kind != "重点")[0]
    actor = who(db, coordinator)
    plan = plans_service.create(db, actor, dep, year=2026, title="2026年度抽查计划（抽取测试）")
    values: dict[str, Any] = {
        "name": "抽取仪式测试任务",
        "main_item_id": item.id,
        "window_start": dt.date(2026, 12, 1),
        "window_end": dt.date(2026, 12, 25),
        "methods": ["实地核查"],
        "participant_ids": [department(db, p).id for p in participants],
    }
    values.update(fields)
    task = tasks_service.create(db, actor, plan, TaskInput(**values))
    plans_service.submit(db, actor, plan)
    boss = accounts_service.get_by_username(db, leader)
    assert boss is not None
    plans_service.approve(db, who(db, leader), boss, plan, "同意", document_no="测试〔2026〕1号")
    needed = profile.plan.draw_requires
    if needed in ("filed", "published"):
        plans_service.file(db, actor, plan, document_no="备〔2026〕1号")
    if needed == "published":
        plans_service.publish(db, actor, plan)
    db.flush()
    assert plan.status in (PlanStatus.APPROVED, PlanStatus.FILED, PlanStatus.PUBLISHED)
    return task


def reveal_and_compute(
    db: Session, actor: Actor, draw: Draw, witnesses: Sequence[tuple[str, str]] = ()
) -> None:
    """Add the witnesses, let them enter the planned dice digits, enter drand, compute."""
    # Dice are rolled by a witness; profiles that require none still have someone roll them.
    people = list(witnesses) or [("测试监督人", "群众代表")]
    added = [
        entropy_input.add_witness(db, actor, draw, name, kind, "测试单位") for name, kind in people
    ]
    plan = drawtexts.manifest(db, draw)["entropy"]
    for item in plan:
        if item["kind"] == "dice":
            digits = "".join(str((draw.id * 7 + n * 3) % 10) for n in range(item["digits"]))
            half = len(digits) // 2 if len(added) > 1 else len(digits)
            entropy_input.enter_dice(db, actor, draw, added[0], digits[:half])
            if half < len(digits):
                entropy_input.enter_dice(db, actor, draw, added[1], digits[half:])
        else:
            entropy_input.enter_drand(db, actor, draw, item["round"], DRAND_SIGNATURE)
    ceremony.compute(db, actor, draw)


def audit_actions(db: Session, draw: Draw) -> list[str]:
    """The audit actions recorded on the draw, in order."""
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "draw", AuditEvent.object_id == str(draw.id))
            .order_by(AuditEvent.seq)
        )
    )


def verify_everywhere(db: Session, draw: Draw, tmp_path: Path) -> None:
    """The stored public and auditor records pass `spotcheck verify` and the standalone script."""
    app, draw_app = typer.Typer(), typer.Typer()
    app.add_typer(draw_app, name="draw")
    engine_cli.register(app, draw_app)
    runner = CliRunner()
    script = tmp_path / "verify_draw.py"
    assert runner.invoke(app, ["verifier-script", str(script)]).exit_code == 0
    for auditor in (False, True):
        path = tmp_path / f"{draw.code}-{auditor}.json"
        path.write_text(ceremony.record_text(db, draw, auditor=auditor), encoding="utf-8")
        result = runner.invoke(app, ["verify", str(path)])
        assert result.exit_code == 0, result.output
        done = subprocess.run(
            [sys.executable, str(script), str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
