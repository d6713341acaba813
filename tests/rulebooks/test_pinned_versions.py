"""Issue 10 acceptance: past work reads the rulebook version it was decided under, however the
profile is edited later; versions are immutable; existing rows migrate to version 1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.departments.models import Department
from spotcheck.draws import record_pdf
from spotcheck.draws import service as draws
from spotcheck.draws.models import Draw
from spotcheck.eligibility import service as eligibility
from spotcheck.errors import DomainError
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.rulebooks import pinned, versions
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.backfill import backfill
from spotcheck.rulebooks.models import CustomProfile, RulebookVersion
from tests import drawtexts
from tests.draws_ceremony.conftest import (  # noqa: F401  (demo is a fixture)
    NOW,
    approved_task,
    demo,
    department,
    reveal_and_compute,
    verify_everywhere,
    who,
)
from tests.draws_pages.conftest import log_in
from tests.rulebooks.test_cli import run  # noqa: F401  (fixture)

AGENCY = "370400-GXQ-SW"  # 枣庄高新区 (003), no witnesses required
OLD_APPROVER, NEW_APPROVER = 'by = "中心负责人"', 'by = "中心主任（新）"'


def _edit(db: Session, code: str) -> None:
    """An administrator changes the swap approver and the stratum ratio of the copy."""
    text = rulebooks_service.get_text(db, code)
    assert OLD_APPROVER in text and "ratio = 0.05\n" in text
    changed = text.replace(OLD_APPROVER, NEW_APPROVER).replace("ratio = 0.05\n", "ratio = 0.08\n")
    rulebooks_service.save(db, SYSTEM, code, changed)


def test_it_keeps_a_computed_draw_on_the_version_it_was_decided_under(
    demo: Session,  # noqa: F811
    client: TestClient,
    tmp_path: Path,
) -> None:
    db = demo
    dep = department(db, AGENCY)
    rulebooks_service.copy(db, SYSTEM, "zaozhuang-gxq", "zz-pin")
    rulebooks_service.adopt(db, SYSTEM, dep, "zz-pin")
    task = approved_task(db, AGENCY, "zaozhuang", "zaozhuang_leader")
    actor = who(db, "zaozhuang")
    draw = draws.prepare(db, actor, task)
    draws.set_entropy(db, actor, draw, drand=False, dice_digits=8)
    draws.commit(db, actor, draw, now=NOW)
    reveal_and_compute(db, actor, draw)
    db.commit()
    assert task.plan is not None
    plan = task.plan
    manifest_before = drawtexts.text(db, draw, "manifest")
    record_before = drawtexts.text(db, draw, "record")
    assert draws.version_of(db, draw).label == "zz-pin@1"  # type: ignore[union-attr]

    _edit(db, "zz-pin")
    db.commit()
    db.expire_all()

    # The profile moved on: version 2 is current, version 1 is untouched.
    assert [v.label for v in versions.get_all(db, "zz-pin")] == ["zz-pin@2", "zz-pin@1"]
    assert rulebooks_service.get(db, "zz-pin").approvals["swap_inspector"].by == "中心主任（新）"
    # The draw, its task and its plan still read version 1: approver, strata ratio, everything.
    draw = db.get(Draw, draw.id)  # type: ignore[assignment]
    assert draws.version_of(db, draw).label == "zz-pin@1"  # type: ignore[union-attr]
    assert draws.profile_of(db, draw).approvals["swap_inspector"].by == "中心负责人"
    assert eligibility.profile_of(db, task).strata[0].ratio == 0.05
    assert plans_service.profile_of(db, plan).strata[0].ratio == 0.05
    assert pinned.task_version(db, task).label == "zz-pin@1"  # type: ignore[union-attr]
    # Its stored manifest and record are what they were, and still verify.
    assert drawtexts.text(db, draw, "manifest") == manifest_before
    assert drawtexts.text(db, draw, "record") == record_before
    assert drawtexts.manifest(db, draw)["policy"].startswith("zz-pin")
    verify_everywhere(db, draw, tmp_path)
    # The record (抽取记录) names version 1 and the approver of version 1.
    html = record_pdf.render_html(db, draw)
    assert "配置编号 zz-pin@1" in html
    assert "更换检查人员由中心负责人批准" in html and "中心主任（新）" not in html

    # Its pages show version 1 with a link to that version, which shows the old rules.
    log_in(client, "zaozhuang")
    link = 'href="/rulebooks/zz-pin/versions/1">zz-pin@1</a>'
    for path in (f"/draws/{draw.id}", f"/tasks/{task.id}", f"/plans/{plan.id}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "细则版本：" in page.text and link in page.text, path
        assert "zz-pin@2" not in page.text, path
    old = client.get("/rulebooks/zz-pin/versions/1").text
    assert "中心负责人" in old and "中心主任（新）" not in old and "不是现行版本" in old
    new = client.get("/rulebooks/zz-pin/versions/2").text
    assert "中心主任（新）" in new and "现行版本" in new
    listing = client.get("/rulebooks/zz-pin").text
    assert "/rulebooks/zz-pin/versions/2" in listing and "/rulebooks/zz-pin/versions/1" in listing
    assert client.get("/rulebooks/zz-pin/versions/3").status_code == 404

    # A plan made afterwards is decided under version 2.
    later = plans_service.create(db, actor, dep, year=2027, title="2027年度抽查计划")
    assert pinned.plan_version(db, later).label == "zz-pin@2"  # type: ignore[union-attr]
    assert plans_service.profile_of(db, later).strata[0].ratio == 0.08


def test_it_makes_no_new_version_for_unchanged_text(db: Session) -> None:
    custom = rulebooks_service.copy(db, SYSTEM, "zibo-gxj", "zibo-same")
    first = rulebooks_service.current_version(db, "zibo-same")
    rulebooks_service.save(db, SYSTEM, "zibo-same", custom.text)
    rulebooks_service.save(db, SYSTEM, "zibo-same", custom.text.replace("\n", "\r\n"))
    assert [v.id for v in versions.get_all(db, "zibo-same")] == [first.id]
    assert first.sha256 == versions.digest(custom.text) and len(first.sha256) == 64
    changed = custom.text.replace('note = "', 'note = "（修改）', 1)
    rulebooks_service.save(db, SYSTEM, "zibo-same", changed)
    newest = rulebooks_service.current_version(db, "zibo-same")
    assert (newest.number, newest.based_on) == (2, "zibo-gxj")
    # A built-in profile is one version as long as its shipped text stays the same.
    shipped = rulebooks_service.current_version(db, "zibo-gxj")
    assert rulebooks_service.current_version(db, "zibo-gxj").id == shipped.id
    assert shipped.text == versions.canonical(rulebooks_service.builtin_text("zibo-gxj"))


def test_it_refuses_to_change_or_delete_a_version(db: Session) -> None:
    row = rulebooks_service.current_version(db, "luan-daj")
    db.commit()
    row.text = row.text.replace("六安", "别处")
    with pytest.raises(DomainError, match="luan-daj@1 已被使用，不能修改或删除"):
        db.flush()
    db.rollback()
    db.delete(row)
    with pytest.raises(DomainError, match="不能修改或删除"):
        db.flush()
    db.rollback()
    assert versions.profile(db.get(RulebookVersion, row.id)).code == "luan-daj"  # type: ignore[arg-type]


def test_it_pins_rows_made_before_versions_to_version_1(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    # Rows as the code before migration 0009 wrote them: a copy with no version, nothing pinned.
    text = rulebooks_service.builtin_text("zaozhuang-gxq").replace(
        'code = "zaozhuang-gxq"', 'code = "zz-old"\nbased_on = "zaozhuang-gxq"', 1
    )
    db.add(CustomProfile(code="zz-old", based_on="zaozhuang-gxq", text=text))
    rulebooks_service.adopt(db, SYSTEM, org.own, "zz-old")
    rulebooks_service.adopt(db, SYSTEM, org.other, "zibo-gxj")
    plan = AnnualPlan(
        department_id=org.other.id, year=2026, title="旧计划", profile_code="zibo-gxj"
    )
    db.add(plan)
    db.flush()
    day = dt.date(2026, 6, 1)
    planned = Task(
        plan_id=plan.id, department_id=org.other.id, name="旧任务", window_start=day, window_end=day
    )
    # A special task of a section: it ran under its agency's adopted copy.
    special = Task(
        plan_id=None,
        department_id=org.child.id,
        name="旧专项",
        special=True,
        window_start=day,
        window_end=day,
    )
    db.add_all([planned, special])
    db.flush()
    drawn = Draw(
        task_id=special.id, department_id=org.own.id, code="OLD-ZX-2026-01", profile_code="zz-old"
    )
    db.add(drawn)
    db.flush()
    assert db.scalar(select(RulebookVersion.id).where(RulebookVersion.code == "zz-old")) is None

    backfill(db.connection())
    db.expire_all()

    zibo = versions.get_by_number_or_404(db, "zibo-gxj", 1)
    old = versions.get_by_number_or_404(db, "zz-old", 1)
    assert old.text == versions.canonical(text) and old.based_on == "zaozhuang-gxq"
    assert (plan.profile_version_id, planned.profile_version_id) == (zibo.id, zibo.id)
    assert (special.profile_version_id, drawn.profile_version_id) == (old.id, old.id)
    assert {v.code for v in db.scalars(select(RulebookVersion))} >= set(
        rulebooks_service.BUILTIN_CODES
    )
    # Running it again changes nothing and adds no version.
    count = len(db.scalars(select(RulebookVersion)).all())
    backfill(db.connection())
    assert len(db.scalars(select(RulebookVersion)).all()) == count
    assert db.get(Department, org.child.id) is not None


def test_a_changed_builtin_profile_is_a_new_version_and_pinned_work_keeps_the_old(
    db: Session,
    org,  # type: ignore[no-untyped-def]
) -> None:
    # The database holds the xinzhou-joint text an older build shipped (no 投诉举报多 stratum,
    # the status exclusion citing 001 第二十一条), and a plan and task pinned to it.
    shipped = rulebooks_service.builtin_text("xinzhou-joint")
    start = shipped.index('[[strata]]\nkey = "complaints"')
    old_text = shipped[:start] + shipped[shipped.index("[[strata]]", start + 1) :]
    old_text = old_text.replace(
        '[exclusions.status]\ndrawable = ["存续"]\narticle = "平台规则（细则未规定）"',
        '[exclusions.status]\ndrawable = ["存续"]\narticle = "001 第二十一条"',
    )
    assert old_text != shipped
    before = versions.record(db, "xinzhou-joint", old_text, created_by="平台内置")
    rulebooks_service.adopt(db, SYSTEM, org.own, "xinzhou-joint")
    plan = AnnualPlan(
        department_id=org.own.id,
        year=2026,
        title="旧计划",
        profile_code="xinzhou-joint",
        profile_version_id=before.id,
    )
    db.add(plan)
    db.flush()
    day = dt.date(2026, 6, 1)
    task = Task(
        plan_id=plan.id, department_id=org.own.id, name="旧任务", window_start=day, window_end=day
    )
    db.add(task)
    db.flush()

    # The shipped text is now the current version, numbered after the old one.
    current = rulebooks_service.current_version(db, "xinzhou-joint")
    assert (before.number, current.number) == (1, 2)
    assert current.text == versions.canonical(shipped)
    assert "complaints" in [s.key for s in versions.profile(current).strata]
    # What was pinned reads the old rules, untouched.
    db.expire_all()
    assert db.get(RulebookVersion, before.id).text == versions.canonical(old_text)  # type: ignore[union-attr]
    for pinned_profile in (pinned.plan_profile(db, plan), pinned.task_profile(db, task)):
        assert "complaints" not in [s.key for s in pinned_profile.strata]
        assert pinned_profile.exclusions.status.article == "001 第二十一条"
    assert pinned.version_to_pin(db, task).id == before.id
    # A new plan pins the current version.
    fresh = AnnualPlan(
        department_id=org.own.id, year=2027, title="新计划", profile_code="xinzhou-joint"
    )
    db.add(fresh)
    db.flush()
    assert pinned.plan_version_to_pin(db, fresh).id == current.id


def test_it_lists_the_versions_on_the_command_line(db: Session, run) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    custom = rulebooks_service.copy(db, SYSTEM, "luan-daj", "luan-cli")
    rulebooks_service.save(db, SYSTEM, "luan-cli", custom.text.replace('note = "', 'note = "新', 1))
    db.commit()
    listed = run("versions", "luan-cli")
    assert listed.exit_code == 0, listed.output
    assert "luan-cli@2" in listed.output and "luan-cli@1" in listed.output
    newest = versions.latest(db, "luan-cli")
    assert newest is not None and f"luan-cli@2（现行）  SHA-256 {newest.sha256}" in listed.output
    rulebooks_service.current_version(db, "shanxi-daj")
    db.commit()
    builtin = run("versions", "shanxi-daj")
    assert builtin.exit_code == 0 and builtin.output.startswith("shanxi-daj@1（现行）  SHA-256 ")
    unknown = run("versions", "no-such")
    assert unknown.exit_code == 1 and "未找到该细则配置" in unknown.output
    assert "versions" in run("--help").output
