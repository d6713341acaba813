"""我的任务: an inspector with a linked account sees the visits they are drawn for, after the
events, and reads only the draws they are drawn for."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM
from spotcheck.demo import inspector_accounts
from spotcheck.demo.data import DEMO_PASSWORD
from spotcheck.draws import events
from spotcheck.draws.models import Draw
from spotcheck.inspectors import links
from spotcheck.inspectors.models import Inspector
from spotcheck.plans.models import Task
from tests.conftest import login
from tests.draws_ceremony.conftest import department, who
from tests.draws_events.conftest import computed

PASSWORD = "Inspector#Kestrel26"


def _account(db: Session, username: str, code: str) -> User:
    return accounts_service.create(
        db,
        SYSTEM,
        username=username,
        full_name=username.upper(),
        department=department(db, code),
        roles=[Role.INSPECTOR],
        password=PASSWORD,
    )


def _entry(db: Session, key: str) -> Inspector:
    found = db.scalar(select(Inspector).where(Inspector.key == key))
    assert found is not None, key
    return found


def _mine(draw_visits: list[events.Current], key: str) -> list[events.Current]:
    return [v for v in draw_visits if key in {k for _, k in v.members}]


def _shown_targets(page: str) -> list[str]:
    return re.findall(r"检查对象（第 \d+ 个）：</strong>([^<]+?) <span", page)


def test_it_lists_the_visits_of_the_linked_entry_and_follows_the_events(
    client: TestClient, demo: Session, task: Task
) -> None:
    db = demo
    officer = who(db, "officer")
    draw = computed(db, officer, task)
    drawn = events.current(db, draw)
    leader_key = drawn[0].members[0][1]
    member_key = drawn[0].members[1][1]
    leader, member = _entry(db, leader_key), _entry(db, member_key)
    leader_user = _account(db, "insp_leader", "370300-GXJ")
    member_user = _account(db, "insp_member", "370300-GXJ")
    _account(db, "insp_none", "370300-GXJ")
    # Accounts of the entry's department; the link itself is the service's (audited) verb.
    leader_user.department_id = leader.department_id
    member_user.department_id = member.department_id
    db.flush()
    links.link(db, officer, leader, leader_user, "测试")
    links.link(db, officer, member, member_user, "测试")
    db.commit()

    client.cookies.clear()
    log_in_with(client, "insp_none")
    assert 'id="nav-my-tasks"' not in client.get("/").text
    empty = client.get("/my/tasks").text
    assert 'id="no-entry"' in empty

    log_in_with(client, "insp_leader")
    assert 'id="nav-my-tasks"' in client.get("/").text
    page = client.get("/my/tasks").text
    expected = _mine(drawn, leader_key)
    assert f"共 {len(expected)} 项" in page
    assert _shown_targets(page)[: len(expected)] == [v.name for v in expected][:20]
    assert draw.code in page and f'href="/draws/{draw.id}"' in page
    assert "组长" in page and member.name in page  # the other members of the group

    # Replace the member out of the first group: the visit leaves their list.
    before = len(_mine(drawn, member_key))
    row = events.replace_inspector(
        db,
        officer,
        draw,
        target_key=drawn[0].key,
        inspector_key=member_key,
        reason="利害关系回避",
        statement="与该企业负责人系亲属",
        approved_by="王科长",
    )
    replacement = _entry(db, row.payload["replacement"])
    substitute = _account(db, "insp_substitute", "370300-GXJ")
    substitute.department_id = replacement.department_id
    db.flush()
    links.link(db, officer, replacement, substitute, "测试")
    db.commit()
    log_in_with(client, "insp_member")
    page = client.get("/my/tasks").text
    assert f"共 {before - 1} 项" in page
    assert drawn[0].name not in _shown_targets(page)
    log_in_with(client, "insp_substitute")
    page = client.get("/my/tasks").text
    assert drawn[0].name in _shown_targets(page)


def log_in_with(client: TestClient, username: str) -> None:
    """Log in an account made here (its own password, not the demo one)."""
    login(client, username, PASSWORD)


def test_a_drawn_inspector_of_another_department_reads_only_that_draw(
    client: TestClient, demo: Session, task: Task
) -> None:
    db = demo
    officer = who(db, "officer")
    draw = computed(db, officer, task)
    drawn = events.current(db, draw)
    key = drawn[0].members[0][1]
    mine = _mine(drawn, key)
    # A person on loan from 忻州 with a 忻州 account (the link arranged directly).
    borrowed = _account(db, "loaned", "140900-SCJ")
    entry = _entry(db, key)
    entry.user_id = borrowed.id
    not_drawn_user = _account(db, "idle", "140900-SCJ")
    drawn_keys = {k for v in drawn for _, k in v.members}
    idle = db.scalar(
        select(Inspector).where(
            Inspector.department_id == entry.department_id,
            Inspector.key.not_in(drawn_keys),
            Inspector.user_id.is_(None),
        )
    )
    assert idle is not None
    idle.user_id = not_drawn_user.id
    db.commit()

    log_in_with(client, "loaned")
    page = client.get(f"/draws/{draw.id}")
    assert page.status_code == 200
    assert 'id="member-only"' in page.text
    assert f"共 {len(mine)} 个对象" in page.text  # only the visits of their own groups
    assert "record.pdf" not in page.text and "各层对应的真实分层" not in page.text
    assert f'href="/tasks/{draw.task_id}"' not in page.text
    for path in (
        f"/tasks/{draw.task_id}",
        f"/draws/{draw.id}/record.pdf",
        f"/draws/{draw.id}/schedule.csv",
        f"/draws/{draw.id}/appendix.csv",
        "/draws",
    ):
        response = client.get(path)
        assert response.status_code == 404 or draw.code not in response.text, path
    assert client.get("/my/tasks").text.count('class="panel my-task"') == min(len(mine), 20)

    log_in_with(client, "idle")
    assert client.get(f"/draws/{draw.id}").status_code == 404
    assert 'id="no-tasks"' in client.get("/my/tasks").text
    assert db.get(Draw, draw.id) is not None


def test_the_demo_inspectors_are_linked_and_the_demo_draw_draws_zibos(
    client: TestClient, demo: Session, task: Task
) -> None:
    db = demo
    for username, _code, _agency in inspector_accounts.INSPECTOR_ACCOUNTS:
        user = accounts_service.get_by_username(db, username)
        assert user is not None and user.has_role(Role.INSPECTOR), username
        entry = links.of_user(db, user.id)
        assert entry is not None and entry.name == user.full_name, username
    draw = computed(db, who(db, "officer"), task)
    db.commit()
    login(client, "zibo_insp", DEMO_PASSWORD)
    page = client.get("/my/tasks").text
    assert draw.code in page and 'class="panel my-task"' in page
