"""The department tree: levels, unique codes, subtree scoping, admin pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.errors import DomainError
from tests.conftest import Org, login, post_form


def test_it_scopes_a_department_to_itself_and_its_children(db: Session, org: Org) -> None:
    assert set(departments_service.subtree_ids(db, org.own)) == {org.own.id, org.child.id}
    assert set(departments_service.subtree_ids(db, org.root)) == {
        org.root.id,
        org.own.id,
        org.child.id,
        org.other.id,
    }
    assert departments_service.subtree_ids(db, org.other) == [org.other.id]


def test_it_does_not_confuse_sibling_paths(db: Session, org: Org) -> None:
    # "/1/2/" must not match "/1/23/": paths end with a slash for that reason.
    many = [
        departments_service.create(
            db, SYSTEM, code=f"S{i}", name=f"科{i}", level=DepartmentLevel.SECTION, parent=org.own
        )
        for i in range(12)
    ]
    db.commit()
    assert set(departments_service.subtree_ids(db, many[1])) == {many[1].id}


def test_it_refuses_impossible_placements_and_duplicate_codes(db: Session, org: Org) -> None:
    with pytest.raises(DomainError, match="科室部门“甲市局一科”下不能设立县级部门"):
        departments_service.create(
            db, SYSTEM, code="X", name="县局", level=DepartmentLevel.COUNTY, parent=org.child
        )
    with pytest.raises(DomainError, match="已存在"):
        departments_service.create(
            db, SYSTEM, code="CITY-A", name="重复", level=DepartmentLevel.SECTION, parent=org.own
        )
    with pytest.raises(DomainError, match="科室不能作为顶级部门"):
        departments_service.create(
            db, SYSTEM, code="Y", name="孤立科室", level=DepartmentLevel.SECTION, parent=None
        )


def test_it_lets_an_admin_create_and_edit_departments_with_audit(
    client: TestClient, db: Session, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", org.own, Role.ADMIN)
    login(client, "boss")
    created = post_form(
        client,
        "/admin/departments/new",
        {
            "code": "CITY-A-S2",
            "name": "甲市局二科",
            "level": "section",
            "parent_id": org.own.id,
            "industry": "档案",
            "region_code": "140100",
        },
    )
    assert created.status_code == 303  # type: ignore[attr-defined]
    new = db.execute(select(Department).where(Department.code == "CITY-A-S2")).scalar_one()
    assert new.path == f"{org.own.path}{new.id}/"
    outside = post_form(
        client,
        "/admin/departments/new",
        {"code": "B-S1", "name": "乙市局一科", "level": "section", "parent_id": org.other.id},
    )
    assert outside.status_code == 404  # type: ignore[attr-defined]
    duplicate = post_form(
        client,
        "/admin/departments/new",
        {"code": "CITY-A-S2", "name": "又一个", "level": "section", "parent_id": org.own.id},
    )
    assert duplicate.status_code == 400 and "已存在" in duplicate.text  # type: ignore[attr-defined]
    renamed = post_form(
        client, f"/admin/departments/{new.id}", {"name": "甲市局法规科", "active": "on"}
    )
    assert renamed.status_code == 303  # type: ignore[attr-defined]
    actions = (
        db.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(new.id)))
        .scalars()
        .all()
    )
    assert actions == ["department.create", "department.update"]


def test_it_lets_an_admin_create_users_who_must_change_their_password(
    client: TestClient, db: Session, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", org.own, Role.ADMIN)
    login(client, "boss")
    weak = post_form(
        client,
        "/admin/users/new",
        {
            "username": "carol",
            "full_name": "卡萝",
            "department_id": org.child.id,
            "roles": ["inspector"],
            "password": "123",
        },
    )
    assert weak.status_code == 400 and "至少 10 位" in weak.text  # type: ignore[attr-defined]
    made = post_form(
        client,
        "/admin/users/new",
        {
            "username": "carol",
            "full_name": "卡萝",
            "department_id": org.child.id,
            "roles": ["inspector", "witness"],
            "password": "Kalu#Start2026x",
        },
    )
    assert made.status_code == 303  # type: ignore[attr-defined]
    login(client, "carol", "Kalu#Start2026x")
    assert client.get("/", follow_redirects=False).headers["location"] == "/account/password"


def test_it_stops_an_admin_from_locking_themselves_out(
    client: TestClient, db: Session, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    boss = make_user("boss", org.own, Role.ADMIN)
    login(client, "boss")
    response = post_form(
        client,
        f"/admin/users/{boss.id}",
        {"full_name": "BOSS", "department_id": org.own.id, "roles": ["officer"], "active": "on"},
    )
    assert response.status_code == 400 and "不能停用自己" in response.text  # type: ignore[attr-defined]


def test_it_ends_sessions_of_a_deactivated_user(
    client: TestClient, app, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", org.own, Role.ADMIN)
    victim = make_user("victim", org.child, Role.OFFICER)
    with TestClient(app) as other:
        login(other, "victim")
        assert other.get("/", follow_redirects=False).status_code == 200
        login(client, "boss")
        post_form(
            client,
            f"/admin/users/{victim.id}",
            {"full_name": "V", "department_id": org.child.id, "roles": ["officer"]},
        )
        assert other.get("/", follow_redirects=False).status_code == 303
