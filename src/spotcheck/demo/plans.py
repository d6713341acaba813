"""Demo annual plans: 淄博 (a published 2026 plan with three tasks and a 2027 draft), 忻州 (a 2027
draft joint plan with 忻州市工信局 taking part), plus check history and 免检免扰 entries so that
the eligibility previews show exclusions. Made through the services, as a coordinator would."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.audit.service import Actor
from spotcheck.catalog.models import CheckItem
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.history import service as history_service
from spotcheck.history.models import CheckRecord
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import AnnualPlan
from spotcheck.plans.tasks import TaskInput
from spotcheck.targets import exemptions
from spotcheck.targets.models import Target

EXEMPTION_BASIS = "淄工信发〔2026〕3号 免检免扰企业名单"


def _actor(session: Session, username: str) -> Actor:
    user = accounts_service.get_by_username(session, username)
    assert user is not None, username
    return Actor(user.id, user.full_name, user.department_id)


def _department(session: Session, code: str) -> Department:
    department = departments_service.get_by_code(session, code)
    assert department is not None, code
    return department


def _item(session: Session, code: str) -> int:
    found = session.scalar(select(CheckItem.id).where(CheckItem.code == code))
    assert found is not None, code
    return found


def _has_plan(session: Session, department: Department) -> bool:
    return (
        session.scalar(select(AnnualPlan.id).where(AnnualPlan.department_id == department.id))
        is not None
    )


def _zibo_targets(session: Session, department: Department, count: int) -> list[Target]:
    """Ordinary operating targets (B class, no flags): the frequency caps and exemptions bite."""
    return list(
        session.scalars(
            select(Target)
            .where(
                Target.department_id == department.id,
                Target.status == "存续",
                Target.risk_class == "B",
                Target.abnormal.is_(False),
                Target.dishonest.is_(False),
                Target.complaints == 0,
            )
            .order_by(Target.key)
            .limit(count)
        )
    )


def _task(session: Session, **fields: object) -> TaskInput:
    values: dict[str, object] = {"methods": ["书面检查", "实地核查"], "requirements": ""}
    values.update(fields)
    return TaskInput(**values)  # type: ignore[arg-type]


def _zibo(session: Session) -> None:
    zibo = _department(session, "370300-GXJ")
    if _has_plan(session, zibo):
        return
    coordinator, officer, leader_actor = (
        _actor(session, "coordinator"),
        _actor(session, "officer"),
        _actor(session, "leader"),
    )
    leader = accounts_service.get_by_username(session, "leader")
    assert leader is not None
    plan = plans_service.create(
        session,
        coordinator,
        zibo,
        year=2026,
        title="淄博市工业和信息化局2026年度“双随机、一公开”抽查工作计划",
        description="覆盖无线电发射设备销售、民用爆炸物品和监控化学品安全生产、工业节能三个领域。",
    )
    december = {"window_start": dt.date(2026, 12, 1), "window_end": dt.date(2026, 12, 25)}
    tasks_service.create(
        session,
        officer,
        plan,
        _task(
            session,
            name="2026年无线电发射设备销售备案情况抽查",
            main_item_id=_item(session, "ZB-GX-004"),
            # A general item capped at its list ratio (3%): the task stays under it.
            strata_settings={"focus": {"ratio": 0.03}, "general": {"ratio": 0.02}},
            methods=["书面检查", "网络检查"],
            requirements="检查销售备案和台账；结果于检查结束后5个工作日内形成报告。",
            **december,
        ),
    )
    tasks_service.create(
        session,
        officer,
        plan,
        _task(
            session,
            name="民用爆炸物品和监控化学品安全生产监督检查",
            main_item_id=_item(session, "ZB-GX-003"),
            other_item_ids=[_item(session, "ZB-GX-002")],
            filters={"tag": "危险化学品"},
            strata_settings={"focus": {"ratio": 1.0}, "general": {"ratio": 0.5}},
            methods=["实地核查"],
            batch_count=4,
            requirements="“1+X”：一次检查两个事项；检查批次顺序由抽取结果确定。",
            **december,
        ),
    )
    tasks_service.create(
        session,
        officer,
        plan,
        _task(
            session,
            name="重点用能单位工业节能监察",
            main_item_id=_item(session, "ZB-GX-001"),
            filters={"tag": "重点用能单位"},
            strata_settings={"focus": {"ratio": 0.05}, "general": {"ratio": 0.04}},
            **december,
        ),
    )
    plans_service.submit(session, coordinator, plan, "请局领导审定")
    plans_service.approve(session, leader_actor, leader, plan, "同意")
    plans_service.file(session, coordinator, plan, "综法备〔2026〕2号")
    plans_service.publish(session, coordinator, plan)

    draft = plans_service.create(
        session,
        coordinator,
        zibo,
        year=2027,
        title="淄博市工业和信息化局2027年度“双随机、一公开”抽查工作计划",
    )
    tasks_service.create(
        session,
        officer,
        draft,
        _task(
            session,
            name="2027年工业节能监察",
            main_item_id=_item(session, "ZB-GX-001"),
            strata_settings={"focus": {"ratio": 0.05}, "general": {"ratio": 0.04}},
            window_start=dt.date(2027, 3, 1),
            window_end=dt.date(2027, 10, 31),
        ),
    )


def _zibo_history(session: Session) -> None:
    if session.scalar(select(CheckRecord.id).where(CheckRecord.source == "demo").limit(1)):
        return
    zibo = _department(session, "370300-GXJ")
    section = _department(session, "370300-GXJ-YXJC")
    coordinator = _actor(session, "coordinator")
    targets = _zibo_targets(session, zibo, 12)
    # Two checks this year on the radio item: capped (002 第十二条第一款) for its task.
    for target in targets[:4]:
        for day in (dt.date(2026, 4, 16), dt.date(2026, 9, 8)):
            history_service.record(
                session,
                coordinator,
                target_key=target.key,
                target_name=target.name,
                department_id=section.id,
                completed_on=day,
                item_code="ZB-GX-004",
                source="demo",
                note="演示：往年及本年检查记录",
            )
    for target in targets[4:9]:  # older checks: counted for "years since last check" only
        history_service.record(
            session,
            coordinator,
            target_key=target.key,
            target_name=target.name,
            department_id=section.id,
            completed_on=dt.date(2024, 6, 20),
            item_code="ZB-GX-004",
            found_problem=target.key.endswith(("1", "3", "5")),
            source="demo",
        )
    for target in targets[9:12]:  # on the 免检免扰 list (002 第九条) until the end of 2027
        exemptions.add(
            session,
            coordinator,
            zibo,
            target_key=target.key,
            target_name=target.name,
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2027, 12, 31),
            basis=EXEMPTION_BASIS,
        )


def _xinzhou(session: Session) -> None:
    scj = _department(session, "140900-SCJ")
    if _has_plan(session, scj):
        return
    gxj = _department(session, "140900-GXJ")
    coordinator = _actor(session, "xinzhou")
    plan = plans_service.create(
        session,
        coordinator,
        scj,
        year=2027,
        title="忻州市市场监督管理局2027年度部门联合“双随机、一公开”抽查计划",
        description="由市市场监管局牵头，会同市工信局对获证企业开展联合抽查，实现“进一次门、查多项事”。",
    )
    tasks_service.create(
        session,
        coordinator,
        plan,
        _task(
            session,
            name="工业产品生产许可证获证企业部门联合抽查",
            main_item_id=_item(session, "XZ-LH-002"),
            other_item_ids=[_item(session, "XZ-GX-001")],
            participant_ids=[gxj.id],
            methods=["实地核查", "检验检测"],
            window_start=dt.date(2027, 4, 1),
            window_end=dt.date(2027, 10, 31),
            requirements="发起部门执法人员任组长；参与部门分别匹配本部门执法检查人员（001 第十五条）。",
        ),
    )


def load(session: Session) -> None:
    """Create the demo plans, history and exemptions once (later calls change nothing)."""
    _zibo_history(session)
    _zibo(session)
    _xinzhou(session)
