"""Issue 13 (3): a replacement reason the data can check is checked, in the event's transaction.

"列入免检免扰名单" needs an entry of the department's list valid on the draw's day, and a task
whose items and grounds are not among 002 第九条第二款's exceptions; "不在可抽取状态" needs the
registry to say so. Otherwise the replacement is refused (409, audited) naming the article.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.draws import ceremony, events
from spotcheck.draws.models import Draw
from spotcheck.draws.service import DrawRefused
from spotcheck.plans import service as plans_service
from spotcheck.sampling import verify_record
from spotcheck.targets import exemptions
from spotcheck.targets.models import Target
from tests.draws_ceremony.conftest import audit_actions, department, who
from tests.draws_events.conftest import computed, zibo_task

ARTICLE = "002 第九条第二款"


def _exempt(db: Session, key: str, since: dt.date, until: dt.date | None) -> None:
    exemptions.add(
        db,
        who(db, "coordinator"),
        department(db, "370300-GXJ"),
        target_key=key,
        target_name="",
        valid_from=since,
        valid_until=until,
        basis="淄工信发〔2026〕3号 免检免扰企业名单",
    )


def _refused(db: Session, draw: Draw, key: str, reason: str, match: str) -> None:
    officer = who(db, "officer")
    before = ceremony.record(db, draw)["events"]
    with pytest.raises(DrawRefused, match=match):
        events.replace_target(db, officer, draw, target_key=key, reason=reason)
    assert audit_actions(db, draw)[-1] == "draw.refused"
    assert draw.events == [] and ceremony.record(db, draw)["events"] == before


def test_an_exempt_replacement_of_a_target_not_on_the_list_is_refused(demo: Session) -> None:
    db = demo
    draw = computed(db, who(db, "officer"), zibo_task(db))
    key = events.current(db, draw)[0].key
    _refused(db, draw, key, "列入免检免扰名单", f"依据 {ARTICLE}：该对象不在本部门的免检免扰名单中")


def test_an_exemption_expired_on_the_draw_day_is_refused(demo: Session) -> None:
    db = demo
    draw = computed(db, who(db, "officer"), zibo_task(db))
    key = events.current(db, draw)[0].key
    day = events.draw_day(draw)
    _exempt(db, key, day - dt.timedelta(days=400), day - dt.timedelta(days=1))
    _refused(db, draw, key, "列入免检免扰名单", rf"依据 {ARTICLE}：抽取日 .*不在有效期内.*已过期")


def test_an_exemption_does_not_cover_a_task_with_a_safety_item(demo: Session) -> None:
    db = demo
    plan = plans_service.current(db, department(db, "370300-GXJ"), 2026)
    assert plan is not None
    task = plan.tasks[1]  # 民用爆炸物品和监控化学品安全生产监督检查: items of 安全生产
    draw = computed(db, who(db, "officer"), task)
    key = events.current(db, draw)[0].key
    day = events.draw_day(draw)
    _exempt(db, key, day - dt.timedelta(days=1), None)
    _refused(
        db, draw, key, "列入免检免扰名单", rf"依据 {ARTICLE}：事项“.*”涉及安全生产.*不在免检范围"
    )


def test_an_exemption_does_not_cover_a_task_on_a_complaint(demo: Session) -> None:
    db = demo
    task = zibo_task(db)
    task.grounds = "投诉举报"
    draw = computed(db, who(db, "officer"), task)
    key = events.current(db, draw)[0].key
    day = events.draw_day(draw)
    _exempt(db, key, day, day)
    _refused(
        db, draw, key, "列入免检免扰名单", rf"依据 {ARTICLE}：任务依据为“投诉举报”，不在免检范围"
    )


def test_a_valid_exemption_replaces_the_target_and_says_what_was_checked(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    key = events.current(db, draw)[0].key
    day = events.draw_day(draw)
    # The list's entry found after the draw, in force on its day (and a later, revoked one).
    _exempt(db, key, day - dt.timedelta(days=30), day + dt.timedelta(days=365))
    row = events.replace_target(db, officer, draw, target_key=key, reason="列入免检免扰名单")
    assert row.rule.startswith(f"已核实：列入免检免扰名单（{(day - dt.timedelta(days=30))}")
    assert ARTICLE in row.rule
    assert key not in {v.key for v in events.current(db, draw)}
    assert verify_record(ceremony.record(db, draw)).fully_verified


def test_a_status_reason_must_match_the_registry(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    key = events.current(db, draw)[0].key
    _refused(
        db, draw, key, "不在可抽取状态", r"平台规则（细则未规定）.*当前状态为“存续”，属于可抽取状态"
    )
    for target in db.scalars(select(Target).where(Target.key == key)):
        target.status = "注销"
    db.flush()
    row = events.replace_target(db, officer, draw, target_key=key, reason="不在可抽取状态")
    assert row.rule.startswith("已核实：名录库状态为“注销”（平台规则（细则未规定））")


def test_reasons_the_data_cannot_check_stay_free(demo: Session) -> None:
    db, officer = demo, who(demo, "officer")
    draw = computed(db, officer, zibo_task(db))
    key = events.current(db, draw)[0].key
    row = events.replace_target(db, officer, draw, target_key=key, reason="无法联系")
    assert row.rule == "细则未规定审批层级"
