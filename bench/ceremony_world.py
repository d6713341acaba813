"""The world of the ceremony benchmark: bench.eligibility_data's registry plus what a draw needs.

``build(url, rows)`` fills a fresh database with ``eligibility_data.build`` (the 忻州 city
registry under xinzhou-joint, its history and exemptions), then ``equip`` adds, through the
services: an officer of 忻州市市场监督管理局 who runs the draw and may read the auditor's record
(roles 业务科室 and 领导审批), an inspector registry of the city bureau and its section (certified
staff plus a few who are not drawable, and some declared conflicts of interest), check methods
on the plan's tasks, and the plan submitted, approved (市人民政府, with its 文号) and filed, which
is what ``draw_requires = "filed"`` asks before ``spotcheck ceremony prepare``. Deterministic:
the same rows give the same world. Tests build a small one with the same code.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.eligibility_data import CITY, World
from bench.eligibility_data import build as build_registry

OFFICER = "bench-officer"
OFFICER_NAME = "抽取经办人"
PASSWORD = "Ceremony#2026xz"
CITY_CODE = f"{CITY}-SCJG"
SECTION_CODE = f"{CITY}-SCJG-JC"
INSPECTORS = 300  # certified and on duty: the 发起部门 slot needs 2 per target
NOT_DRAWABLE = 12  # on sick leave or retired: the pools page lists them as left out
CONFLICTS = 20
METHODS = "|书面检查|实地核查|"
SEED = 20261203
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉晋忻"


@dataclass
class CeremonyWorld:
    """What the benchmark drives: the task, its plan, the officer's login, the counts."""

    task: int
    plan: int
    officer: str = OFFICER
    password: str = PASSWORD
    department: str = CITY_CODE
    counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Plain values for the parent process."""
        return asdict(self)


def _inspector(rng: random.Random, n: int, drawable: bool) -> dict[str, Any]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", rng.choice(GIVEN)))
    return {
        "name": name,
        "gender": rng.choice(("男", "女")),
        "post": rng.choice(("科员", "副主任科员", "主任科员", "四级主任科员")),
        "category": "行政执法类公务员" if n % 5 else "具有执法资格的工作人员",
        "cert_no": f"14090020{n:06d}",
        "cert_issuer": "忻州市人民政府",
        "cert_valid_until": dt.date(2029, 12, 31),
        "enforcement_post": "市场监管综合执法",
        "expertise": rng.choice(("食品安全", "特种设备", "产品质量", "广告监管|价格监督")),
        "phone": "",
        "status": "在岗" if drawable else rng.choice(("病休", "退休")),
    }


def equip(url: str, world: World) -> CeremonyWorld:
    """Add the officer, inspectors, conflicts and task methods, and file the plan."""
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from spotcheck.accounts import service as accounts_service
    from spotcheck.accounts.models import Role
    from spotcheck.audit.service import SYSTEM, Actor
    from spotcheck.config import Settings
    from spotcheck.db import import_all_models, make_engine
    from spotcheck.departments import service as departments_service
    from spotcheck.inspectors import service as inspectors_service
    from spotcheck.plans import service as plans_service
    from spotcheck.plans.models import AnnualPlan, Task
    from spotcheck.targets.models import Target

    import_all_models()
    engine = make_engine(Settings(DATABASE_URL=url))
    rng = random.Random(SEED)
    out = CeremonyWorld(task=world.tasks["xinzhou"], plan=world.plan)
    try:
        with Session(engine) as s:
            city = departments_service.get_by_code(s, CITY_CODE)
            section = departments_service.get_by_code(s, SECTION_CODE)
            assert city is not None and section is not None
            officer = accounts_service.create(
                s,
                SYSTEM,
                username=OFFICER,
                full_name=OFFICER_NAME,
                department=city,
                roles=(Role.OFFICER, Role.LEADER),
                password=PASSWORD,
            )
            actor = Actor(officer.id, officer.full_name, officer.department_id)
            people = []
            total = INSPECTORS + NOT_DRAWABLE
            for n in range(1, total + 1):
                # Every fifth inspector works in the 执法稽查科 (part of the bureau's own agency).
                home = section if n % 5 == 0 else city
                record = _inspector(rng, n, drawable=n <= INSPECTORS)
                person, _ = inspectors_service.upsert(
                    s, actor, home, record, "基准测试", [city.id, section.id]
                )
                assert person is not None
                people.append(person)
            keys = list(
                s.scalars(
                    select(Target.key)
                    .where(Target.department_id == city.id, Target.status == "存续")
                    .order_by(Target.id)
                    .limit(CONFLICTS * 50)
                )
            )
            for n in range(min(CONFLICTS, len(keys) // 50)):
                inspectors_service.declare_conflict(
                    s, actor, people[n * 7], keys[n * 50], "近亲属在该企业任职"
                )
            s.execute(update(Task).where(Task.plan_id == world.plan).values(methods=METHODS))
            s.flush()
            plan = s.get(AnnualPlan, world.plan)
            assert plan is not None
            s.refresh(plan)
            plans_service.submit(s, actor, plan, "请市政府审定")
            plans_service.approve(s, actor, officer, plan, "同意", document_no="忻政函〔2026〕18号")
            plans_service.file(s, actor, plan, "晋双随机备〔2026〕7号")
            s.commit()
            out.counts = {
                **world.counts,
                "inspectors": total,
                "of them drawable": INSPECTORS,
                "declared conflicts": min(CONFLICTS, len(keys) // 50),
            }
    finally:
        engine.dispose()
    return out


def build(url: str, rows: int) -> CeremonyWorld:
    """A fresh database with the registry world of ``rows`` targets, equipped for a draw."""
    return equip(url, build_registry(url, rows))
