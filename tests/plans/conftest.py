"""An agency for plan tests: a department with a section, an adopted profile, published items,
targets, and the users of each role (a coordinator and an officer sit in the section)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM, Actor
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import CheckItem
from spotcheck.departments.models import Department
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.plans.tasks import TaskInput
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.targets.models import Target
from tests.conftest import Org


def actor(user: User) -> Actor:
    """The user as the audit log names them."""
    return Actor(user.id, user.full_name, user.department_id)


class Agency:
    """Builders over the real database for one agency (甲市局) and its neighbours."""

    def __init__(self, db: Session, org: Org, make_user: Callable[..., User]) -> None:
        self.db = db
        self.org = org
        self._keys = itertools.count(1)
        self.coordinator = make_user("coord", org.child, Role.COORDINATOR)
        self.officer = make_user("officer", org.child, Role.OFFICER)
        self.leader = make_user("leader", org.own, Role.LEADER)
        self.section_leader = make_user("sleader", org.child, Role.LEADER)
        self.outsider = make_user(
            "outsider", org.other, Role.COORDINATOR, Role.OFFICER, Role.LEADER
        )

    def adopt(self, code: str, department: Department | None = None) -> None:
        """The department (default 甲市局) adopts the profile."""
        rulebooks_service.adopt(self.db, SYSTEM, department or self.org.own, code)
        self.db.flush()

    def item(
        self,
        code: str,
        *,
        department: Department | None = None,
        kind: str = "重点",
        list_type: str = "本部门",
        published: bool = True,
    ) -> CheckItem:
        """An item saved through the catalog service; published by a leader's release."""
        department = department or self.org.child
        item, _ = catalog_service.save(
            self.db,
            SYSTEM,
            department,
            code,
            {"name": f"事项{code}", "kind": kind, "ratio_bp": 500, "list_type": list_type},
        )
        assert item is not None
        if published:
            item.published_version_id = item.latest_version_id
        self.db.flush()
        return item

    def targets(
        self, count: int, department: Department | None = None, **fields: Any
    ) -> list[Target]:
        """Target rows in the agency's registry."""
        rows = []
        for _ in range(count):
            n = next(self._keys)
            values: dict[str, Any] = {
                "key": f"91370300PLAN{n:06d}",
                "name": f"计划测试企业{n}",
                "target_type": "企业",
                "status": "存续",
                "risk_class": "B",
            }
            values.update(fields)
            row = Target(department_id=(department or self.org.own).id, **values)
            self.db.add(row)
            rows.append(row)
        self.db.flush()
        return rows

    def plan(self, year: int = 2026, department: Department | None = None) -> AnnualPlan:
        """A draft plan made by the coordinator through the service."""
        return plans_service.create(
            self.db,
            actor(self.coordinator),
            department or self.org.own,
            year=year,
            title=f"{year}年度抽查计划",
        )

    def task_input(
        self, main: CheckItem, *others: CheckItem, year: int = 2026, **fields: Any
    ) -> TaskInput:
        """A valid task input for the year."""
        values: dict[str, Any] = {
            "name": "工业节能专项抽查",
            "main_item_id": main.id,
            "other_item_ids": [o.id for o in others],
            "window_start": dt.date(year, 12, 1),
            "window_end": dt.date(year, 12, 31),
            "methods": ["实地核查"],
        }
        values.update(fields)
        return TaskInput(**values)

    def task(self, plan: AnnualPlan, main: CheckItem, *others: CheckItem, **fields: Any) -> Task:
        """A task added to the plan by the officer through the service."""
        return tasks_service.create(
            self.db,
            actor(self.officer),
            plan,
            self.task_input(main, *others, year=plan.year, **fields),
        )

    def to_state(self, plan: AnnualPlan, state: str, document_no: str = "") -> None:
        """Walk the plan through the workflow up to the state (approved/filed/published)."""
        plans_service.submit(self.db, actor(self.coordinator), plan)
        plans_service.approve(
            self.db, actor(self.leader), self.leader, plan, "同意", document_no=document_no
        )
        if state in ("filed", "published"):
            plans_service.file(self.db, actor(self.coordinator), plan)
        if state == "published":
            plans_service.publish(self.db, actor(self.coordinator), plan)
        self.db.flush()


@pytest.fixture
def agency(db: Session, org: Org, make_user: Callable[..., User]) -> Agency:
    """The agency with its users (nothing adopted yet)."""
    return Agency(db, org, make_user)
