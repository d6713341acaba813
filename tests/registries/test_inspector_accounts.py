"""Inspector registry entries linked to login accounts: the form, the import, their refusals."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role, User
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.models import Inspector, InspectorHistory
from spotcheck.tabular.specs import INSPECTORS
from tests.conftest import Org, csrf_of, post_form
from tests.registries.conftest import csv_bytes, inspector_row


def _entry(db: Session, org: Org, name: str, cert: str) -> Inspector:
    inspector, _ = inspectors_service.upsert(
        db,
        SYSTEM,
        org.own,
        {"name": name, "category": "行政执法类公务员", "cert_no": cert},
        "t",
        [org.own.id],
    )
    assert inspector is not None
    db.commit()
    return inspector


def _form(inspector: Inspector, org: Org, account: str) -> dict[str, object]:
    return {
        "name": inspector.name,
        "department_id": str(org.own.id),
        "category": "行政执法类公务员",
        "certificate_no": inspector.cert_no,
        "status": "在岗",
        "account_id": account,
    }


def _reloaded(db: Session, inspector_id: int) -> Inspector:
    db.expire_all()
    found = db.get(Inspector, inspector_id)
    assert found is not None
    return found


def test_it_links_an_account_on_the_form_with_history_and_audit(
    editor: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    li = _entry(db, org, "李明", "37000000001")
    account = make_user("liming", org.own, Role.INSPECTOR)
    make_user("officer2", org.own, Role.OFFICER)  # no inspector role: not offered
    make_user("other_insp", org.other, Role.INSPECTOR)  # another department: not offered
    form = editor.get(f"/inspectors/{li.id}/edit").text
    offered = set(re.findall(r'<option value="(\d+)"[^>]*>[^<]*（([a-z0-9_]+)）', form))
    assert {name for _, name in offered} == {"liming"}
    response = post_form(
        editor, f"/inspectors/{li.id}/edit", _form(li, org, str(account.id)), "/inspectors"
    )
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    assert _reloaded(db, li.id).user_id == account.id
    page = editor.get(f"/inspectors/{li.id}").text
    assert 'id="linked-account"' in page and "liming" in page
    history = db.scalars(
        select(InspectorHistory).where(InspectorHistory.inspector_id == li.id)
    ).all()
    assert any(h.changes.get("登录账号") == [None, "liming"] for h in history)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(li.id)))
    assert "inspector.link" in set(actions)
    # Choosing 不关联 unlinks, again with history.
    response = post_form(editor, f"/inspectors/{li.id}/edit", _form(li, org, ""), "/inspectors")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert _reloaded(db, li.id).user_id is None


def test_it_refuses_accounts_that_may_not_be_linked_on_the_form(
    editor: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    li = _entry(db, org, "李明", "37000000001")
    wang = _entry(db, org, "王强", "37000000002")
    account = make_user("liming", org.own, Role.INSPECTOR)
    plain = make_user("clerk", org.own, Role.OFFICER)
    post_form(editor, f"/inspectors/{li.id}/edit", _form(li, org, str(account.id)), "/inspectors")
    assert _reloaded(db, li.id).user_id == account.id
    taken = post_form(
        editor, f"/inspectors/{wang.id}/edit", _form(wang, org, str(account.id)), "/inspectors"
    )
    assert taken.status_code == 400  # type: ignore[attr-defined]
    assert "已关联人员“李明”" in taken.text and "一个账号只能关联一名人员" in taken.text  # type: ignore[attr-defined]
    no_role = post_form(
        editor, f"/inspectors/{wang.id}/edit", _form(wang, org, str(plain.id)), "/inspectors"
    )
    assert no_role.status_code == 400 and "执法检查人员" in no_role.text  # type: ignore[attr-defined]
    outsider = make_user("faraway", org.other, Role.INSPECTOR)
    hidden = post_form(
        editor, f"/inspectors/{wang.id}/edit", _form(wang, org, str(outsider.id)), "/inspectors"
    )
    assert hidden.status_code == 400 and "未找到该登录账号" in hidden.text  # type: ignore[attr-defined]
    assert _reloaded(db, wang.id).user_id is None
    assert _reloaded(db, wang.id).version == 1  # nothing half-written


def test_only_registry_editors_link_accounts(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    from tests.conftest import login

    li = _entry(db, org, "李明", "37000000001")
    account = make_user("liming", org.own, Role.INSPECTOR)
    login(client, "liming")
    response = client.post(
        f"/inspectors/{li.id}/edit",
        data={**_form(li, org, str(account.id)), "csrf_token": csrf_of(client, "/")},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _reloaded(db, li.id).user_id is None


def _import(client: TestClient, rows: list[list[str]]) -> str:
    token = csrf_of(client, "/imports/inspectors")
    response = client.post(
        "/imports/inspectors",
        data={"csrf_token": token},
        files={"file": ("人员.csv", csv_bytes(INSPECTORS.headers, rows), "text/csv")},
    )
    page = response.text
    match = re.search(r'action="/imports/inspectors/([0-9a-f]{32})/confirm"', page)
    if match is None:
        return page
    done = client.post(
        f"/imports/inspectors/{match.group(1)}/confirm",
        data={"csrf_token": csrf_of(client, "/imports/inspectors")},
    )
    return done.text


def test_it_links_accounts_by_the_import_column(
    editor: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    make_user("liming", org.own, Role.INSPECTOR)
    page = _import(editor, [inspector_row("李明", org.own.name, "37000000001", 登录账号="liming")])
    assert "未导入任何数据" not in page, page
    li = db.scalar(select(Inspector).where(Inspector.key == "37000000001"))
    assert li is not None and li.user is not None and li.user.username == "liming"
    # An empty cell on a later import leaves the link as it is.
    _import(editor, [inspector_row("李明", org.own.name, "37000000001", 职务="副科长")])
    assert _reloaded(db, li.id).user_id is not None
    export = editor.get("/inspectors/export.csv").content.decode("utf-8-sig")
    assert "登录账号" in export.splitlines()[0] and "liming" in export


def test_it_refuses_unknown_foreign_and_taken_accounts_in_the_import(
    editor: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    make_user("liming", org.own, Role.INSPECTOR)
    make_user("clerk", org.own, Role.OFFICER)
    make_user("faraway", org.other, Role.INSPECTOR)
    wang = _entry(db, org, "王强", "37000000002")
    _import(editor, [inspector_row("王强", org.own.name, "37000000002", 登录账号="liming")])
    assert _reloaded(db, wang.id).user_id is not None
    rows = [
        inspector_row("张三", org.own.name, "37000000003", 登录账号="nobody"),
        inspector_row("李四", org.own.name, "37000000004", 登录账号="clerk"),
        inspector_row("赵五", org.own.name, "37000000005", 登录账号="faraway"),
        inspector_row("钱六", org.own.name, "37000000006", 登录账号="liming"),
    ]
    page = _import(editor, rows)
    assert "未导入任何数据" in page
    assert "<td>2</td><td>登录账号</td>" in page and "系统中没有登录账号“nobody”" in page
    assert "<td>3</td><td>登录账号</td>" in page and "没有“执法检查人员”角色" in page
    assert "<td>4</td><td>登录账号</td>" in page and "与人员所在部门不同" in page
    assert "<td>5</td><td>登录账号</td>" in page and "已关联人员“王强”" in page
    assert db.scalar(select(Inspector).where(Inspector.key == "37000000003")) is None
    # The same account twice in one file.
    make_user("zhangsan", org.own, Role.INSPECTOR)
    twice = [
        inspector_row("张三", org.own.name, "37000000003", 登录账号="zhangsan"),
        inspector_row("李四", org.own.name, "37000000004", 登录账号="zhangsan"),
    ]
    page = _import(editor, twice)
    assert "未导入任何数据" in page and "与第 2 行填写了同一登录账号" in page
