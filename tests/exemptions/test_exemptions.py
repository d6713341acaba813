"""The 免检免扰 list pages and API: add and revoke with audit, scoping, the target detail lines."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.clock import BEIJING
from spotcheck.history import service as history_service
from spotcheck.tabular.codes import make_uscc
from spotcheck.targets import bulk as targets_bulk
from spotcheck.targets import exemptions
from spotcheck.targets.models import Exemption, Target
from tests.conftest import Org, csrf_of, login, post_form

KEY = make_uscc(11, region="370303")
OTHER_KEY = make_uscc(12, region="140902")
TODAY = dt.datetime.now(BEIJING).date()


@pytest.fixture
def officer(app, org: Org, make_user) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A task officer of the owner department, logged in."""
    make_user("officer", org.own, Role.OFFICER)
    with TestClient(app) as client:
        login(client, "officer")
        yield client


def _target(db: Session, org: Org) -> Target:
    record = {"key": KEY, "name": "淄博免检测试有限公司", "target_type": "企业"}
    targets_bulk.apply_import(db, SYSTEM, org.own, [record], filename="t", sha256="x")
    db.commit()
    target = db.scalar(select(Target).where(Target.key == KEY))
    assert target is not None
    return target


def _outsider_entry(db: Session, org: Org) -> Exemption:
    row = exemptions.add(
        db,
        SYSTEM,
        org.other,
        target_key=OTHER_KEY,
        target_name="乙市免检企业",
        valid_from=dt.date(2026, 1, 1),
        valid_until=None,
        basis="乙市文件",
    )
    db.commit()
    return row


def test_it_adds_an_entry_with_the_registry_name_and_an_audit_event(
    officer: TestClient, db: Session, org: Org
) -> None:
    _target(db, org)
    lookup = officer.get("/targets/exemptions/lookup", params={"target_key": KEY.lower()})
    assert 'value="淄博免检测试有限公司"' in lookup.text
    added = post_form(
        officer,
        "/targets/exemptions",
        {
            "target_key": KEY,
            "target_name": "",
            "valid_from": "2026-01-01",
            "valid_until": "2030-12-31",
            "basis": "淄工信发〔2026〕1号",
            "department_id": org.own.id,
        },
        "/targets/exemptions",
    )
    assert added.status_code == 303  # type: ignore[attr-defined]
    row = db.scalar(select(Exemption))
    assert row is not None and row.target_name == "淄博免检测试有限公司"
    assert row.created_by == "OFFICER" and row.department_id == org.own.id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "exemption.add"))
    assert event is not None and event.actor_name == "OFFICER"
    page = officer.get("/targets/exemptions").text
    listed = page.split('id="exemption-list"')[1]
    assert KEY in listed and "2026-01-01 至 2030-12-31" in listed and ">有效<" in listed
    assert "淄工信发〔2026〕1号" in listed and "甲市局" in listed


def test_it_shows_each_status(officer: TestClient, db: Session, org: Org) -> None:
    year = dt.timedelta(days=365)
    periods = [(TODAY - 2 * year, TODAY - year), (TODAY + year, None), (TODAY - year, None)]
    for n, (start, end) in enumerate(periods):
        exemptions.add(
            db,
            SYSTEM,
            org.child,
            target_key=make_uscc(20 + n, region="370303"),
            target_name=f"企业{n}",
            valid_from=start,
            valid_until=end,
            basis="文件",
        )
    db.commit()
    last = db.scalars(select(Exemption).order_by(Exemption.id)).all()[-1]
    exemptions.revoke(db, SYSTEM, last)
    db.commit()
    page = officer.get("/targets/exemptions").text.split('id="exemption-list"')[1]
    rows = {r.split("<td>")[1].split("<")[0]: r for r in page.split("<tr>")[2:]}
    assert "已过期" in rows["企业0"] and "未生效" in rows["企业1"] and "已撤销" in rows["企业2"]
    assert "长期" in rows["企业1"]


def test_it_refuses_bad_input_naming_the_field(officer: TestClient, db: Session) -> None:
    bad = post_form(
        officer,
        "/targets/exemptions",
        {"target_key": KEY, "valid_from": "2026-05-01", "valid_until": "2026-01-01", "basis": "x"},
        "/targets/exemptions",
    )
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "免检截止日期不能早于起始日期" in bad.text  # type: ignore[attr-defined]
    assert f'value="{KEY}"' in bad.text  # type: ignore[attr-defined]
    no_basis = post_form(
        officer,
        "/targets/exemptions",
        {"target_key": KEY, "valid_from": "2026-05-01", "basis": " "},
        "/targets/exemptions",
    )
    assert "列入免检免扰名单的依据" in no_basis.text  # type: ignore[attr-defined]
    bad_date = post_form(
        officer,
        "/targets/exemptions",
        {"target_key": KEY, "valid_from": "明天", "basis": "x"},
        "/targets/exemptions",
    )
    assert "免检起始日期应为日期" in bad_date.text  # type: ignore[attr-defined]
    assert db.scalar(select(Exemption)) is None


def test_it_revokes_with_an_audit_event_and_hides_outsiders(
    officer: TestClient, db: Session, org: Org
) -> None:
    mine = exemptions.add(
        db,
        SYSTEM,
        org.own,
        target_key=KEY,
        target_name="甲",
        valid_from=dt.date(2026, 1, 1),
        valid_until=None,
        basis="文件",
    )
    db.commit()
    theirs = _outsider_entry(db, org)
    assert "乙市免检企业" not in officer.get("/targets/exemptions").text
    path = f"/targets/exemptions/{theirs.id}/revoke"
    assert post_form(officer, path, {}, "/targets/exemptions").status_code == 404  # type: ignore[attr-defined]
    done = post_form(officer, f"/targets/exemptions/{mine.id}/revoke", {}, "/targets/exemptions")
    assert done.status_code == 303  # type: ignore[attr-defined]
    again = post_form(officer, f"/targets/exemptions/{mine.id}/revoke", {}, "/targets/exemptions")
    assert again.status_code == 400 and "已撤销" in again.text  # type: ignore[attr-defined]
    db.expire_all()
    assert db.get(Exemption, mine.id).revoked_by == "OFFICER"  # type: ignore[union-attr]
    assert db.get(Exemption, theirs.id).revoked_at is None  # type: ignore[union-attr]
    revokes = db.scalars(select(AuditEvent).where(AuditEvent.action == "exemption.revoke")).all()
    assert [e.object_id for e in revokes] == [str(mine.id)]


def test_it_lets_only_editors_change_the_list(app, db: Session, org: Org, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("insp", org.own, Role.INSPECTOR)
    row = exemptions.add(
        db,
        SYSTEM,
        org.own,
        target_key=KEY,
        target_name="甲",
        valid_from=dt.date(2026, 1, 1),
        valid_until=None,
        basis="文件",
    )
    db.commit()
    with TestClient(app) as client:
        login(client, "insp")
        page = client.get("/targets/exemptions")
        assert page.status_code == 200 and "列入名单" not in page.text and KEY in page.text
        data = {"target_key": KEY, "valid_from": "2026-01-01", "basis": "x"}
        assert (
            post_form(client, "/targets/exemptions", data, "/targets/exemptions").status_code == 403
        )  # type: ignore[attr-defined]
        revoke = f"/targets/exemptions/{row.id}/revoke"
        assert post_form(client, revoke, {}, "/targets/exemptions").status_code == 403  # type: ignore[attr-defined]
        headers = {"X-CSRF-Token": csrf_of(client, "/")}
        assert client.post("/api/v1/exemptions", json=data, headers=headers).status_code == 403


def test_it_shows_check_history_and_the_exemption_on_the_target(
    officer: TestClient, db: Session, org: Org
) -> None:
    target = _target(db, org)
    assert "没有检查记录" in officer.get(f"/targets/{target.id}").text
    history_service.record(
        db,
        SYSTEM,
        target_key=KEY,
        department_id=org.own.id,
        completed_on=dt.date(2025, 3, 2),
        item_code="GX-001",
        found_problem=True,
    )
    history_service.record(
        db,
        SYSTEM,
        target_key=KEY,
        department_id=org.other.id,
        completed_on=dt.date(2026, 4, 5),
        item_code="SJ-009",
        random=False,
        published=False,
        found_problem=True,
    )
    exemptions.add(
        db,
        SYSTEM,
        org.own,
        target_key=KEY,
        target_name="",
        valid_from=dt.date(2026, 1, 1),
        valid_until=None,
        basis="淄工信发〔2026〕1号",
    )
    db.commit()
    page = html.unescape(officer.get(f"/targets/{target.id}").text)
    checks = page.split('id="check-history"')[1].split("</table>")[0]
    rows = checks.split("<tr>")[2:]
    assert len(rows) == 2
    assert "2026-04-05" in rows[0] and "乙市局" in rows[0] and "非随机检查" in rows[0]
    # Another department's withheld result is not shown to this department.
    assert "发现问题" not in rows[0] and "未公示" in rows[0]
    assert "2025-03-02" in rows[1] and "GX-001" in rows[1] and "发现问题" in rows[1]
    assert "随机抽查" in rows[1] and "已公示" in rows[1]
    line = page.split('id="exemption-line"')[1].split("</tr>")[0]
    assert "免检免扰名单内" in line and "淄工信发〔2026〕1号" in line


def test_it_serves_the_list_through_the_api(officer: TestClient, db: Session, org: Org) -> None:
    _outsider_entry(db, org)
    headers = {"X-CSRF-Token": csrf_of(officer, "/")}
    made = officer.post(
        "/api/v1/exemptions",
        json={"target_key": KEY.lower(), "valid_from": "2026-01-01", "basis": "文件"},
        headers=headers,
    )
    assert made.status_code == 201
    body = made.json()
    assert body["target_key"] == KEY and body["status"] == "有效"
    assert body["department_id"] == org.own.id
    listed = officer.get("/api/v1/exemptions").json()
    assert [r["target_key"] for r in listed] == [KEY]
    bad = officer.post(
        "/api/v1/exemptions",
        json={
            "target_key": KEY,
            "valid_from": "2026-05-01",
            "valid_until": "2026-01-01",
            "basis": "x",
        },
        headers=headers,
    )
    assert bad.status_code == 400 and "不能早于" in bad.json()["detail"]
    outside = officer.post(
        "/api/v1/exemptions",
        json={
            "target_key": KEY,
            "valid_from": "2026-01-01",
            "basis": "x",
            "department_id": org.other.id,
        },
        headers=headers,
    )
    assert outside.status_code == 404
    revoked = officer.post(f"/api/v1/exemptions/{body['id']}/revoke", headers=headers).json()
    assert revoked["status"] == "已撤销"
    assert (
        db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("exemption.%")))
        .all()
        .count("exemption.add")
        == 2
    )
