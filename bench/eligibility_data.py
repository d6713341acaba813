"""Data of the eligibility benchmark: a city registry under xinzhou-joint, its check history,
the 免检免扰 list and another department's draw, written with bulk inserts, not the services.

``build(url, rows)`` upgrades a fresh database and fills it; bench.eligibility_bench measures it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SEED = 20261124
EXEMPTIONS = 2_000
DRAWN = 5_000
CITY = "140900"
COUNTIES = (("140902", "忻府区"), ("140981", "原平市"), ("140921", "定襄县"), ("140922", "五台县"))
TYPES = (("企业", 62), ("个体工商户", 28), ("农民专业合作社", 4), ("其他组织", 2))
TYPES += (("产品", 2), ("项目", 1), ("行为", 1))
STATUSES = (("存续", 90), ("注销", 6), ("吊销", 3), ("迁出", 1))
RISKS = (("A", 30), ("B", 45), ("C", 14), ("D", 5), ("", 6))
TRADES = ("商贸", "食品", "餐饮管理", "建材", "机械制造", "煤业", "物流", "农业科技", "医药")
ZIHAO = "晋通鑫源华泰恒信五台原平宏达金鼎汇丰永盛瑞丰德昌忻府顺达"
FAR_PAST, LAST_CHECK = dt.date(2020, 1, 1), dt.date(2026, 11, 23)


# ---- the data --------------------------------------------------------------------------------


@dataclass
class World:
    """Ids of what the measurements read, and the sizes actually written."""

    tasks: dict[str, int] = field(default_factory=dict)
    plan: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _weighted(rng: random.Random, table: Sequence[tuple[str, int]]) -> Iterator[str]:
    values = [v for v, _w in table]
    cumulative = list(itertools.accumulate(w for _v, w in table))
    total = cumulative[-1]
    while True:
        yield values[bisect.bisect_right(cumulative, rng.random() * total)]


def _defaults(table: Any) -> dict[str, Any]:
    """One value per column from the model's defaults (None where there is none)."""
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            out[column.name] = None
        elif default.is_callable:
            out[column.name] = default.arg(None)
        else:
            out[column.name] = default.arg
    return out


def _bulk(session: Any, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert plain rows: executemany in batches on SQLite, COPY on PostgreSQL."""
    table = model.__table__
    base = _defaults(table)
    columns = list(base)
    conn = session.connection()
    count = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        names = ", ".join(columns)
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as cp:
            for row in rows:
                full = {**base, **row}
                cp.write_row([full[c] for c in columns])
                count += 1
        return count
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({**base, **row})
        if len(batch) == 20_000:
            conn.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def _targets(
    rng: random.Random, n: int, city: int, counties: list[int]
) -> Iterator[dict[str, Any]]:
    from spotcheck.tabular.codes import make_uscc

    types, statuses, risks = (_weighted(rng, t) for t in (TYPES, STATUSES, RISKS))
    city_keys: list[str] = []
    for seq in range(1, n + 1):
        county = rng.randrange(len(COUNTIES))
        region, county_name = COUNTIES[county]
        # 40% in the city bureau's registry, the rest in the four county bureaus'.
        department = city if rng.random() < 0.4 else counties[county]
        kind = next(types)
        if department != city and city_keys and rng.random() < 0.003:
            # One company in the city's and a county's registry: one target (each key once).
            key = city_keys.pop(rng.randrange(len(city_keys)))
        elif kind == "个体工商户":
            key = make_uscc(seq, category="2", region=region)
        else:
            key = make_uscc(seq, category="3" if kind == "农民专业合作社" else "1", region=region)
        if department == city and len(city_keys) < 50_000:
            city_keys.append(key)
        trade = rng.choice(TRADES)
        zihao = ZIHAO[rng.randrange(0, len(ZIHAO) - 1, 2) :][:2]
        yield {
            "department_id": department,
            "key": key,
            "name": f"{county_name}{zihao}{trade}有限公司{seq}",
            "target_type": kind,
            "region_code": region,
            "status": next(statuses),
            "risk_class": next(risks),
            "abnormal": rng.random() < 0.03,
            "dishonest": rng.random() < 0.005,
            "complaints": rng.choices((0, 1, 2, 3, 5), (85, 8, 4, 2, 1))[0],
            "tags": rng.choice(("", "", "", "|食品生产|", "|重点监管|")),
        }


def _history(
    rng: random.Random, keys: list[str], n: int, ours: int, theirs: int
) -> Iterator[dict[str, Any]]:
    span = (LAST_CHECK - FAR_PAST).days
    pairs = min(2_500, n // 240)
    for i in range(n - 2 * pairs):
        mine = rng.random() < 0.6
        key = rng.choice(keys) if rng.random() < 0.95 else f"91140900MOVED{i:05d}"
        yield {
            "target_key": key,
            "department_id": ours if mine else theirs,
            "item_code": rng.choice(("SCJG-01", "SCJG-02", "SCJG-03", "SCJG-04"))
            if mine
            else rng.choice(("GXJ-01", "GXJ-02")),
            "completed_on": FAR_PAST + dt.timedelta(days=rng.randrange(span + 1)),
            "random": rng.random() < 0.9,
            "found_problem": rng.random() < 0.25,
        }
    # Targets checked twice this year for one item: the per-item cap (002 第十二条第一款).
    for key in rng.sample(keys, pairs):
        for _ in range(2):
            yield {
                "target_key": key,
                "department_id": ours,
                "item_code": "SCJG-04",
                "completed_on": dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(320)),
                "found_problem": rng.random() < 0.5,
            }


def _exemptions(
    rng: random.Random, keys: list[str], departments: list[int]
) -> Iterator[dict[str, Any]]:
    for i in range(EXEMPTIONS):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(1000))
        until = rng.choice((None, None, start + dt.timedelta(days=rng.randrange(200, 1100))))
        revoked = dt.datetime(2026, 6, 1, tzinfo=dt.UTC) if rng.random() < 0.05 else None
        yield {
            "department_id": rng.choice(departments),
            "target_key": rng.choice(keys) if i % 20 else f"91140900GONE{i:06d}",
            "target_name": f"免检企业{i}",
            "valid_from": start,
            "valid_until": until,
            "basis": "忻州市诚信守法企业名单（忻政办发〔2025〕12号）",
            "revoked_at": revoked,
        }


def build(url: str, rows: int) -> World:
    """A fresh database: departments, profiles, items, plans, tasks, then the bulk rows."""
    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from spotcheck import migrate
    from spotcheck.audit.service import SYSTEM
    from spotcheck.catalog import service as catalog_service
    from spotcheck.config import Settings
    from spotcheck.db import import_all_models, make_engine
    from spotcheck.departments import service as departments_service
    from spotcheck.departments.models import DepartmentLevel
    from spotcheck.draws.models import DrawnTarget
    from spotcheck.history.models import CheckRecord
    from spotcheck.plans.models import AnnualPlan, Task, TaskItem
    from spotcheck.rulebooks import service as rulebooks_service
    from spotcheck.targets.models import Exemption, Target

    import_all_models()
    settings = Settings(DATABASE_URL=url)
    engine = make_engine(settings)
    migrate.upgrade(settings, engine)
    rng = random.Random(SEED)
    world = World()
    with Session(engine) as s:

        def department(code: str, name: str, level: DepartmentLevel, parent: Any, **kw: str) -> Any:
            return departments_service.create(
                s, SYSTEM, code=code, name=name, level=level, parent=parent, **kw
            )

        city = department(
            f"{CITY}-SCJG", "忻州市市场监督管理局", DepartmentLevel.CITY, None, industry="市场监管"
        )
        section = department(f"{CITY}-SCJG-JC", "执法稽查科", DepartmentLevel.SECTION, city)
        counties = [
            department(f"{code}-SCJG", f"{name}市场监督管理局", DepartmentLevel.COUNTY, city)
            for code, name in COUNTIES
        ]
        other = department(
            f"{CITY}-GXJ",
            "忻州市工业和信息化局",
            DepartmentLevel.CITY,
            None,
            industry="工业和信息化",
        )
        rulebooks_service.adopt(s, SYSTEM, city, "xinzhou-joint")
        rulebooks_service.adopt(s, SYSTEM, other, "zibo-gxj")

        def item(owner: Any, code: str, kind: str, ratio_bp: int | None = None) -> Any:
            record = {"name": f"事项{code}", "kind": kind, "ratio_bp": ratio_bp}
            saved, _ = catalog_service.save(
                s, SYSTEM, owner, code, {**record, "list_type": "本部门"}
            )
            saved.published_version_id = saved.latest_version_id
            return saved

        items = {c: item(city, c, "重点") for c in ("SCJG-01", "SCJG-02", "SCJG-03")}
        items["SCJG-04"] = item(city, "SCJG-04", "一般", 1000)
        foreign = item(other, "GXJ-01", "重点")
        s.flush()
        numbers = itertools.count(1)

        def task(plan: Any, name: str, main: Any, start: dt.date, end: dt.date) -> Any:
            row = Task(
                plan_id=plan.id,
                department_id=plan.department_id,
                number=next(numbers),
                name=name,
                window_start=start,
                window_end=end,
            )
            s.add(row)
            s.flush()
            s.add(
                TaskItem(
                    task_id=row.id,
                    item_id=main.id,
                    item_version_id=main.published_version_id,
                    is_main=True,
                )
            )
            return row

        plan = AnnualPlan(
            department_id=city.id, year=2026, title="2026年度部门联合抽查计划", profile_code=""
        )
        # The same registry read under the 淄博工信 rules: a plan naming its profile overrides
        # the adopted one (eligibility.service.profile_of).
        zibo_plan = AnnualPlan(
            department_id=city.id,
            year=2026,
            version=2,
            title="按淄博工信细则评估",
            profile_code="zibo-gxj",
        )
        their_plan = AnnualPlan(
            department_id=other.id, year=2026, title="2026年度抽查计划", profile_code=""
        )
        s.add_all([plan, zibo_plan, their_plan])
        s.flush()
        december = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
        world.plan = plan.id
        world.tasks["xinzhou"] = task(plan, "企业年报公示信息抽查", items["SCJG-01"], *december).id
        task(plan, "食品安全抽查", items["SCJG-02"], dt.date(2026, 6, 1), dt.date(2026, 7, 31))
        task(plan, "产品质量抽查", items["SCJG-03"], dt.date(2026, 9, 1), dt.date(2026, 10, 31))
        world.tasks["zibo"] = task(zibo_plan, "一般事项抽查", items["SCJG-04"], *december).id
        theirs = task(
            their_plan,
            "工业产品生产许可抽查",
            foreign,
            dt.date(2026, 11, 15),
            dt.date(2026, 12, 20),
        )
        s.flush()

        world.counts["targets"] = _bulk(
            s, Target, _targets(rng, rows, city.id, [c.id for c in counties])
        )
        keys = list(s.scalars(select(Target.key).order_by(Target.id)))
        world.counts["check records"] = _bulk(
            s, CheckRecord, _history(rng, keys, rows * 6 // 10, section.id, other.id)
        )
        holders = [city.id, city.id, city.id, *[c.id for c in counties], other.id]
        world.counts["exemptions"] = _bulk(s, Exemption, _exemptions(rng, keys, holders))
        drawn = rng.sample(sorted(set(keys)), min(DRAWN, len(keys)))
        world.counts["drawn by another department"] = _bulk(
            s, DrawnTarget, ({"task_id": theirs.id, "target_key": k} for k in drawn)
        )
        s.commit()
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    else:
        # What autovacuum does shortly after bulk loading: statistics and the visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return world
