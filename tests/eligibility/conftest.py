"""A seeded world for eligibility tests: departments, an adopted profile, targets, items, history."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import CheckItem
from spotcheck.departments.models import Department
from spotcheck.draws.models import DrawnTarget
from spotcheck.eligibility import service as eligibility
from spotcheck.eligibility.exclusions import Exclusion
from spotcheck.history import service as history_service
from spotcheck.plans.models import AnnualPlan, Task, TaskDepartment, TaskItem
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.targets import exemptions
from spotcheck.targets.models import Exemption, Target
from tests.conftest import Org

ON = dt.date(2026, 11, 24)
START = dt.date(2026, 12, 1)
END = dt.date(2026, 12, 31)


class World:
    """Builders over the real database; every row goes through a service or a plain ORM row."""

    def __init__(self, db: Session, org: Org) -> None:
        self.db = db
        self.org = org
        self._keys = itertools.count(1)
        self._numbers = itertools.count(1)
        self.plans: dict[int, AnnualPlan] = {}

    def adopt(self, code: str, department: Department | None = None) -> None:
        """The department (default: 甲市局) adopts the profile."""
        rulebooks_service.adopt(self.db, SYSTEM, department or self.org.own, code)

    def target(self, department: Department | None = None, **fields: Any) -> Target:
        """A target row; key and name are generated unless given."""
        n = next(self._keys)
        values: dict[str, Any] = {
            "key": f"91370300TEST{n:06d}",
            "name": f"测试企业{n}",
            "target_type": "企业",
            "status": "存续",
        }
        values.update(fields)
        row = Target(department_id=(department or self.org.own).id, **values)
        self.db.add(row)
        self.db.flush()
        return row

    def targets(self, count: int, **fields: Any) -> list[Target]:
        """Many target rows with the same fields."""
        return [self.target(**fields) for _ in range(count)]

    def item(
        self,
        code: str,
        *,
        kind: str = "一般",
        ratio_bp: int | None = None,
        domains: tuple[str, ...] = (),
        department: Department | None = None,
    ) -> CheckItem:
        """A check item saved through the catalog service, then published."""
        item, _ = catalog_service.save(
            self.db,
            SYSTEM,
            department or self.org.own,
            code,
            {
                "name": f"事项{code}",
                "kind": kind,
                "ratio_bp": ratio_bp,
                "domains": list(domains),
                "list_type": "本部门",
            },
        )
        assert item is not None
        item.published_version_id = item.latest_version_id
        self.db.flush()
        return item

    def plan(self, department: Department, year: int = 2026) -> AnnualPlan:
        """The department's plan of the year (one per department here)."""
        if department.id not in self.plans:
            plan = AnnualPlan(
                department_id=department.id, year=year, title=f"{year}年度抽查计划", profile_code=""
            )
            self.db.add(plan)
            self.db.flush()
            self.plans[department.id] = plan
        return self.plans[department.id]

    def task(
        self,
        items: list[CheckItem] | None = None,
        *,
        department: Department | None = None,
        start: dt.date = START,
        end: dt.date = END,
        participants: tuple[Department, ...] = (),
        **fields: Any,
    ) -> Task:
        """A task of the department's plan; the first item is the main one."""
        department = department or self.org.own
        plan = self.plan(department)
        task = Task(
            plan_id=plan.id,
            department_id=department.id,
            number=next(self._numbers),
            name=fields.pop("name", f"抽查任务{len(plan.tasks) + 1}"),
            window_start=start,
            window_end=end,
            **fields,
        )
        self.db.add(task)
        self.db.flush()
        for position, item in enumerate(items or []):
            self.db.add(
                TaskItem(
                    task_id=task.id,
                    item_id=item.id,
                    item_version_id=item.published_version_id,
                    is_main=position == 0,
                    position=position,
                )
            )
        for other in participants:
            self.db.add(TaskDepartment(task_id=task.id, department_id=other.id))
        self.db.flush()
        self.db.refresh(task)
        return task

    def check(
        self,
        target: Target,
        on: dt.date,
        *,
        department: Department | None = None,
        item: str = "",
        found_problem: bool = False,
        random: bool = True,
    ) -> None:
        """A completed check recorded through the history service."""
        history_service.record(
            self.db,
            SYSTEM,
            target_key=target.key,
            target_name=target.name,
            department_id=(department or self.org.own).id,
            completed_on=on,
            item_code=item,
            found_problem=found_problem,
            random=random,
        )

    def exempt(
        self,
        target: Target,
        valid_from: dt.date,
        valid_until: dt.date | None,
        department: Department | None = None,
    ) -> Exemption:
        """An exemption list entry added through the exemptions service."""
        return exemptions.add(
            self.db,
            SYSTEM,
            department or self.org.own,
            target_key=target.key,
            target_name=target.name,
            valid_from=valid_from,
            valid_until=valid_until,
            basis="淄工信发〔2026〕1号",
        )

    def drawn(self, task: Task, *targets: Target) -> None:
        """Targets the task's draw selected."""
        for target in targets:
            self.db.add(
                DrawnTarget(task_id=task.id, target_key=target.key, target_name=target.name)
            )
        self.db.flush()

    def evaluate(self, task: Task, on: dt.date = ON) -> eligibility.Eligibility:
        """Commit what was built, then evaluate the task."""
        self.db.commit()
        return eligibility.evaluate(self.db, task, on)


def stratum_of(result: eligibility.Eligibility, target: Target) -> str:
    """The key of the stratum the target is a candidate in ("" when it is not)."""
    for stratum in result.strata:
        if any(c.target_id == target.id for c in stratum.candidates):
            return stratum.key
    return ""


def excluded(result: eligibility.Eligibility, target: Target) -> Exclusion | None:
    """The exclusion of the target, if any."""
    return next((e for e in result.exclusions if e.target_id == target.id), None)


@pytest.fixture
def world(db: Session, org: Org) -> World:
    """An empty world on the Org tree: 甲市局 (with 一科), 乙市局, 省厅."""
    return World(db, org)
