"""Targets, inspectors and items through their pages and the JSON API."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import ApiToken, Role
from spotcheck.audit.service import SYSTEM
from spotcheck.catalog.models import CatalogRelease, CheckItem
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.models import Inspector
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.tabular.codes import make_uscc
from spotcheck.targets import bulk as targets_bulk
from spotcheck.targets.models import Target, TargetHistory
from tests.conftest import Org, login, post_form


def _targets(db: Session, org: Org) -> None:
    records = [
        {
            "key": make_uscc(1, region="370303"),
            "name": "淄博钢铁有限公司",
            "target_type": "企业",
            "region_code": "370303",
            "tags": ["重点用能单位"],
        },
        {
            "key": make_uscc(2, region="370305"),
            "name": "临淄化工股份有限公司",
            "target_type": "企业",
            "region_code": "370305",
            "risk_class": "D",
        },
        {
            "key": make_uscc(3, region="140902"),
            "name": "忻州钢铁有限公司",
            "target_type": "企业",
            "region_code": "140902",
        },
    ]
    targets_bulk.apply_import(db, SYSTEM, org.own, records[:2], filename="t", sha256="x")
    targets_bulk.apply_import(db, SYSTEM, org.other, records[2:], filename="t", sha256="x")
    db.commit()


def test_it_searches_by_name_initials_key_region_and_tag(
    editor: TestClient, db: Session, org: Org
) -> None:
    _targets(db, org)
    assert "淄博钢铁" in editor.get("/targets", params={"q": "钢铁"}).text
    assert "忻州钢铁" not in editor.get("/targets", params={"q": "钢铁"}).text  # other department
    assert "淄博钢铁" in editor.get("/targets", params={"q": "zbgt"}).text  # pinyin initials
    by_key = editor.get("/targets", params={"key": make_uscc(2, region="370305")[:12]}).text
    assert "临淄化工" in by_key and "淄博钢铁" not in by_key
    city = editor.get("/targets", params={"region": "370300"}).text
    assert "临淄化工" in city and "淄博钢铁" in city
    assert "淄博钢铁" not in editor.get("/targets", params={"region": "370305"}).text
    assert "临淄化工" not in editor.get("/targets", params={"tag": "重点用能单位"}).text
    assert "共 1 条" in editor.get("/targets", params={"risk": "D"}).text


def test_it_validates_forms_with_the_import_rules_and_keeps_history(
    editor: TestClient, db: Session, org: Org
) -> None:
    bad = post_form(
        editor,
        "/targets/new",
        {
            "key": "91370303000000001X",
            "name": "新公司",
            "target_type": "企业",
            "region_code": "999999",
            "abnormal_operation": "否",
            "serious_dishonesty": "否",
        },
        "/targets/new",
    )
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "校验位" in bad.text and "行政区划" in bad.text  # type: ignore[attr-defined]
    key = make_uscc(77, region="370303")
    made = post_form(
        editor,
        "/targets/new",
        {
            "key": key,
            "name": "新公司",
            "target_type": "企业",
            "status": "存续",
            "abnormal_operation": "否",
            "serious_dishonesty": "否",
        },
        "/targets/new",
    )
    assert made.status_code == 303  # type: ignore[attr-defined]
    target = db.execute(select(Target).where(Target.key == key)).scalar_one()
    edit = post_form(
        editor,
        f"/targets/{target.id}/edit",
        {
            "name": "新公司（更名）",
            "target_type": "企业",
            "status": "存续",
            "risk_class": "C",
            "abnormal_operation": "是",
            "serious_dishonesty": "否",
        },
        "/targets",
    )
    assert edit.status_code == 303  # type: ignore[attr-defined]
    detail = editor.get(f"/targets/{target.id}").text
    assert "新公司（更名）" in detail and "信用风险等级" in detail
    versions = (
        db.execute(select(TargetHistory.version).where(TargetHistory.target_id == target.id))
        .scalars()
        .all()
    )
    assert sorted(versions) == [1, 2]


def test_it_hides_other_departments_targets(editor: TestClient, db: Session, org: Org) -> None:
    _targets(db, org)
    theirs = db.execute(select(Target).where(Target.department_id == org.other.id)).scalar_one()
    assert editor.get(f"/targets/{theirs.id}").status_code == 404
    assert editor.get(f"/targets/{theirs.id}/edit").status_code == 404


def test_it_shows_why_an_inspector_cannot_be_drawn(
    editor: TestClient, db: Session, org: Org
) -> None:
    inspectors_service.upsert(
        db,
        SYSTEM,
        org.own,
        {
            "name": "过期",
            "category": "行政执法类公务员",
            "cert_no": "37000000001",
            "cert_valid_until": dt.date(2020, 1, 1),
        },
        "t",
        [org.own.id],
    )
    inspectors_service.upsert(
        db,
        SYSTEM,
        org.own,
        {
            "name": "有效",
            "category": "行政执法类公务员",
            "cert_no": "37000000002",
            "cert_valid_until": dt.date(2099, 1, 1),
        },
        "t",
        [org.own.id],
    )
    db.commit()
    page = editor.get("/inspectors").text
    assert "执法证已于 2020-01-01 过期" in page
    expired = db.execute(select(Inspector).where(Inspector.name == "过期")).scalar_one()
    declared = post_form(
        editor,
        f"/inspectors/{expired.id}/conflicts",
        {"target_key": make_uscc(1, region="370303"), "reason": "配偶在该企业任职"},
        "/inspectors",
    )
    assert declared.status_code == 303  # type: ignore[attr-defined]
    assert "配偶在该企业任职" in editor.get(f"/inspectors/{expired.id}").text
    again = post_form(
        editor,
        f"/inspectors/{expired.id}/conflicts",
        {"target_key": make_uscc(1, region="370303"), "reason": "重复"},
        "/inspectors",
    )
    assert again.status_code == 400 and "已登记过" in again.text  # type: ignore[attr-defined]


def test_it_refuses_someone_elses_certificate_number(
    editor: TestClient, db: Session, org: Org
) -> None:
    inspectors_service.upsert(
        db,
        SYSTEM,
        org.other,
        {"name": "乙", "category": "行政执法类公务员", "cert_no": "37000000009"},
        "t",
        [org.other.id],
    )
    db.commit()
    response = post_form(
        editor,
        "/inspectors/new",
        {
            "name": "冒名",
            "department_id": str(org.own.id),
            "category": "行政执法类公务员",
            "certificate_no": "37000000009",
            "status": "在岗",
        },
        "/inspectors/new",
    )
    assert response.status_code == 400 and "其他部门" in response.text  # type: ignore[attr-defined]


def test_it_publishes_items_only_after_a_leader_approves(
    editor: TestClient, app, db: Session, org: Org, make_user
) -> None:  # type: ignore[no-untyped-def]
    # The approval rule shown comes from the department's adopted rulebook (002 第五条 here).
    rulebooks_service.adopt(db, SYSTEM, org.own, "zibo-gxj")
    db.commit()
    made = post_form(
        editor,
        "/items/new",
        {
            "code": "T-001",
            "name": "节能监察",
            "list_type": "本部门",
            "kind": "重点",
            "ratio_bp": "20%",
            "methods": "实地核查",
            "domains": "环保",
        },
        "/items/new",
    )
    assert made.status_code == 303  # type: ignore[attr-defined]
    item = db.execute(select(CheckItem)).scalar_one()
    assert item.published_version_id is None
    submitted = post_form(editor, "/items/releases", {"note": "2027 年清单"}, "/items")
    assert submitted.status_code == 303  # type: ignore[attr-defined]
    release = db.execute(select(CatalogRelease)).scalar_one()
    denied = post_form(
        editor, f"/items/releases/{release.id}/decide", {"decision": "approve"}, "/items"
    )
    assert denied.status_code == 403  # type: ignore[attr-defined]
    make_user("boss", org.own, Role.LEADER)
    with TestClient(app) as leader:
        login(leader, "boss")
        no_reason = post_form(
            leader, f"/items/releases/{release.id}/decide", {"decision": "reject"}, "/items"
        )
        assert no_reason.status_code == 400 and "审批意见" in no_reason.text  # type: ignore[attr-defined]
        ok = post_form(
            leader,
            f"/items/releases/{release.id}/decide",
            {"decision": "approve", "opinion": "同意"},
            "/items",
        )
        assert ok.status_code == 303  # type: ignore[attr-defined]
        twice = post_form(
            leader, f"/items/releases/{release.id}/decide", {"decision": "approve"}, "/items"
        )
        assert twice.status_code == 409 and "已发布" in twice.text  # type: ignore[attr-defined]
    db.expire_all()
    item = db.execute(select(CheckItem)).scalar_one()
    assert item.published_version_id == item.latest_version_id
    first = item.published_version_id
    post_form(
        editor,
        f"/items/{item.id}/edit",
        {"name": "节能监察（修订）", "list_type": "本部门", "kind": "重点", "ratio_bp": "30%"},
        "/items",
    )
    db.expire_all()
    item = db.execute(select(CheckItem)).scalar_one()
    assert item.published_version_id == first and item.latest_version_id != first
    assert (
        "依据 002 第五条第一款：随机抽查事项清单由局领导审定后公布"
        in editor.get(f"/items/releases/{release.id}").text
    )


def test_it_serves_the_api_to_bearer_tokens(app, editor: TestClient, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    _targets(db, org)
    page = post_form(editor, "/account/tokens", {"name": "省级平台同步"}, "/account/tokens")
    token = page.text.split('id="new-token">')[1].split("<")[0]  # type: ignore[attr-defined]
    client = TestClient(app)  # another system: no cookies, only the token
    headers = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/v1/targets", params={"q": "钢铁"}, headers=headers).json()
    assert [t["name"] for t in listing["items"]] == ["淄博钢铁有限公司"]
    assert client.get("/api/v1/inspectors", headers=headers).status_code == 200
    assert (
        client.get("/targets", headers=headers, follow_redirects=False).status_code == 303
    )  # API only
    assert (
        client.get("/api/v1/targets", headers={"Authorization": "Bearer sct_wrong"}).status_code
        == 401
    )
    token_id = db.execute(select(ApiToken.id)).scalar_one()
    post_form(editor, f"/account/tokens/{token_id}/revoke", {}, "/account/tokens")
    assert client.get("/api/v1/targets", headers=headers).status_code == 401


def test_it_imports_files_through_the_api(app, editor: TestClient, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    from tests.registries.conftest import target_row, targets_csv

    page = post_form(editor, "/account/tokens", {"name": "对接"}, "/account/tokens")
    token = page.text.split('id="new-token">')[1].split("<")[0]  # type: ignore[attr-defined]
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    rows = [target_row(i) for i in range(1, 4)]
    rows[1][2] = "未知类型"
    bad = api.post(
        "/api/v1/imports/targets",
        headers=headers,
        data={"department_id": str(org.own.id)},
        files={"file": ("t.csv", targets_csv(rows), "text/csv")},
    )
    assert bad.status_code == 422
    refused = bad.json()
    assert refused["code"] == "validation_failed" and "1 处错误" in refused["message"]
    rule = refused["errors"][0]["rule"]
    assert refused["errors"] == [
        {
            "field": "对象类型",
            "message": f"第 3 行（对象类型）：{rule}",
            "row": 3,
            "column": "对象类型",
            "value": "未知类型",
            "rule": rule,
        }
    ]
    assert db.execute(select(Target)).first() is None
    rows[1][2] = "企业"
    good = api.post(
        "/api/v1/imports/targets",
        headers=headers,
        data={"department_id": str(org.own.id)},
        files={"file": ("t.csv", targets_csv(rows), "text/csv")},
    )
    assert good.status_code == 200 and good.json()["created"] == 3
    other = api.post(
        "/api/v1/imports/targets",
        headers=headers,
        data={"department_id": str(org.other.id)},
        files={"file": ("t.csv", targets_csv(rows), "text/csv")},
    )
    assert other.status_code == 404
