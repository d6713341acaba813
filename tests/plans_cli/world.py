"""A joint-inspection agency for CLI and API tests: 甲市局 (CITY-A, xinzhou-joint profile) with a
section, 乙市局 (CITY-B) taking part, 丙市局 (CITY-C) outside; published and unpublished items,
targets in and out of a drawable status, and an account for every role."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import CheckItem
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.eligibility import service as eligibility
from spotcheck.plans.models import Task
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.targets.models import Target
from tests.conftest import Org

PROFILE = "xinzhou-joint"
YEAR = 2027


class World:
    """Everything committed, built through the services where they exist."""

    def __init__(self, db: Session, org: Org, make_user: Callable[..., User]) -> None:
        self.db = db
        self.org = org
        self._keys = itertools.count(1)
        self.outside = departments_service.create(
            db, SYSTEM, code="CITY-C", name="丙市局", level=DepartmentLevel.CITY, parent=org.root
        )
        rulebooks_service.adopt(db, SYSTEM, org.own, PROFILE)
        rulebooks_service.adopt(db, SYSTEM, self.outside, PROFILE)
        self.main = self.item("JG-001", kind="重点")
        self.other_item = self.item("JG-002", kind="重点")
        self.unpublished = self.item("JG-009", published=False)
        self.partner_item = self.item("YB-001", department=org.other, kind="重点")
        self.live = [self.target(risk_class=r) for r in ("A", "B", "B", "C", "D")]
        self.closed = [self.target(status="注销"), self.target(status="吊销")]
        db.commit()
        self.coordinator = make_user("coord", org.child, Role.COORDINATOR)
        self.officer = make_user("officer", org.child, Role.OFFICER)
        self.leader = make_user("leader", org.own, Role.LEADER)
        self.partner = make_user("partner", org.other, Role.OFFICER, Role.COORDINATOR)
        self.outsider = make_user(
            "outsider", self.outside, Role.COORDINATOR, Role.OFFICER, Role.LEADER
        )

    def item(
        self,
        code: str,
        *,
        department: Department | None = None,
        kind: str = "一般",
        published: bool = True,
    ) -> CheckItem:
        """An item saved through the catalog service; published unless told otherwise."""
        item, _ = catalog_service.save(
            self.db,
            SYSTEM,
            department or self.org.child,
            code,
            {"name": f"事项{code}", "kind": kind, "ratio_bp": 500, "list_type": "本部门"},
        )
        assert item is not None
        if published:
            item.published_version_id = item.latest_version_id
        self.db.flush()
        return item

    def target(self, **fields: Any) -> Target:
        """A target of 甲市局's registry."""
        n = next(self._keys)
        values: dict[str, Any] = {
            "key": f"91140900CLI{n:07d}",
            "name": f"联合检查企业{n}",
            "target_type": "企业",
            "status": "存续",
        }
        values.update(fields)
        row = Target(department_id=self.org.own.id, **values)
        self.db.add(row)
        self.db.flush()
        return row

    def token(self, user: User) -> dict[str, str]:
        """Bearer headers for the user (a token made through the accounts service)."""
        _token, plain = accounts_service.create_api_token(self.db, SYSTEM, user, "数据对接")
        self.db.commit()
        return {"Authorization": f"Bearer {plain}"}

    def task_doc(self, **fields: Any) -> dict[str, Any]:
        """A valid joint task document: items and departments by code."""
        doc: dict[str, Any] = {
            "name": "工业企业联合抽查",
            "main_item": "JG-001",
            "other_items": ["JG-002", "YB-001"],
            "participants": ["CITY-B"],
            "window_start": f"{YEAR}-03-01",
            "window_end": f"{YEAR}-10-31",
            "methods": ["实地核查", "书面检查"],
            "strata_settings": {"d": {"ratio": 1.0}},
            "requirements": "进一次门、查多项事",
        }
        doc.update(fields)
        return doc

    def candidate_keys(self, task_id: int) -> set[str]:
        """Who the eligibility engine would put in the strata (never to be shown)."""
        self.db.expire_all()
        task = self.db.get(Task, task_id)
        assert task is not None
        result = eligibility.evaluate(self.db, task)
        return {c.key for s in result.strata for c in s.candidates}


def item_rule_article(db: Session) -> str:
    """The article the profile gives for “清单之外无抽查” (its item-list approval rule)."""
    profile = rulebooks_service.get(db, PROFILE)
    rule = profile.approvals.get("item_list")
    return rule.article if rule else profile.scope.article
