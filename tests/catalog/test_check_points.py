"""Check points (检查要点) of an item version: service, freezing, the form, import/export, API."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM
from spotcheck.catalog import points
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import CheckItem, CheckPoint
from spotcheck.errors import DomainError
from spotcheck.tabular.specs import ITEMS
from tests.conftest import Org, login, post_form
from tests.registries.conftest import csv_bytes

DA = "《中华人民共和国档案法》"
TWO = [
    {"text": "查看档案库房", "legal_basis": f"{DA}第十九条", "method": "实地核查", "materials": ""},
    {"text": "检查管理制度", "legal_basis": f"{DA}第四十二条", "method": "", "materials": "制度"},
]


def _item(db: Session, org: Org, pts: list[dict[str, str]], code: str = "T-1") -> CheckItem:
    item, _ = catalog_service.save(
        db, SYSTEM, org.own, code, {"name": "档案执法检查", "check_points": pts}
    )
    assert item is not None
    db.commit()
    return item


def _publish(db: Session, org: Org, leader: User) -> None:
    release = catalog_service.submit(db, SYSTEM, org.own)
    catalog_service.decide(db, SYSTEM, leader, release, approve=True, opinion="同意")
    db.commit()


# ---- the pure rules ------------------------------------------------------------------------


def test_it_names_the_point_and_the_field_in_every_error() -> None:
    _ok, errors = points.clean(
        [
            {"text": "甲", "legal_basis": "依据"},
            {"text": "乙", "legal_basis": ""},
            {"text": "", "legal_basis": "依据", "method": "拍脑袋"},
            {"text": "", "legal_basis": "", "materials": ""},  # empty: dropped, not an error
        ]
    )
    assert [str(e) for e in errors] == [
        "第2个检查要点：请填写法律依据",
        "第3个检查要点：请填写要点内容（检查什么）",
        "第3个检查要点：检查方法“拍脑袋”不在可选范围（书面检查、实地核查、网络检查、网络监测、"
        "检验检测、委托专业机构、采用其他部门结论），可留空",
    ]


def test_it_orders_by_the_numbers_typed_and_drops_deleted_rows() -> None:
    cleaned, errors = points.clean(
        [
            {"number": "2", "text": "甲", "legal_basis": "a"},
            {"number": "1", "text": "乙", "legal_basis": "b"},
            {"number": "3", "text": "丙", "legal_basis": "c", "delete": "1"},
        ]
    )
    assert errors == [] and [p["text"] for p in cleaned] == ["乙", "甲"]


def test_a_cell_of_lines_reads_back_what_was_written() -> None:
    cell = points.format_lines(TWO)
    assert cell.splitlines()[0] == f"1. 查看档案库房｜{DA}第十九条｜实地核查"
    assert points.parse_lines(cell) == (TWO, [])
    _pts, errors = points.parse_lines("1. 只有要点\n2、要点｜依据｜书面检查｜材料｜多余")
    assert [str(e) for e in errors][:2] == [
        "第2个检查要点：字段过多（最多 4 段，用“｜”分隔：要点｜法律依据｜检查方法（可空）｜材料（可空））",
        "第1个检查要点：请填写法律依据",
    ]


# ---- service: versions and freezing --------------------------------------------------------


def test_it_versions_points_and_freezes_a_released_version(
    db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    item = _item(db, org, TWO)
    first = item.latest
    assert first is not None and [p.number for p in first.points] == [1, 2]
    # A draft's points change in place (the draft is the author's working copy).
    _item(db, org, list(reversed(TWO)))
    assert item.latest_version_id == first.id
    assert [p.text for p in catalog_service.check_points(db, first.id, frozen_only=False)] == [
        "检查管理制度",
        "查看档案库房",
    ]
    with pytest.raises(DomainError, match="仍是草稿"):
        catalog_service.check_points(db, first.id)
    _publish(db, org, make_user("boss", org.own, Role.LEADER))
    frozen = [p.as_dict() for p in catalog_service.check_points(db, first.id)]
    # Editing after publication makes version 2 with its own points; version 1 stays as it was.
    _item(db, org, TWO[:1])
    db.expire_all()
    item = db.get(CheckItem, item.id)
    assert item is not None and item.latest is not None and item.latest.version == 2
    assert [p.as_dict() for p in item.latest.points] == TWO[:1]
    assert [p.as_dict() for p in catalog_service.check_points(db, first.id)] == frozen
    # Unchanged content is not a new version.
    assert (
        catalog_service.save(
            db, SYSTEM, org.own, "T-1", {"name": "档案执法检查", "check_points": TWO[:1]}
        )[1]
        == "unchanged"
    )
    # A caller that says nothing of points keeps them.
    catalog_service.save(db, SYSTEM, org.own, "T-1", {"name": "档案执法检查（修订）"})
    db.commit()
    assert [p.as_dict() for p in item.latest.points] == TWO[:1]
    # The guard itself: points of a version in a release cannot be replaced.
    published = db.get(type(item.latest), first.id)
    assert published is not None
    with pytest.raises(DomainError, match="不能修改"):
        catalog_service._set_points(db, published, TWO[:1])
    db.rollback()
    assert len(db.execute(select(CheckPoint)).scalars().all()) == 3


def test_the_service_refuses_a_point_without_legal_basis(db: Session, org: Org) -> None:
    with pytest.raises(DomainError, match="第1个检查要点：请填写法律依据"):
        catalog_service.save(
            db, SYSTEM, org.own, "T-9", {"name": "x", "check_points": [{"text": "y"}]}
        )


# ---- the form ------------------------------------------------------------------------------


def _form(**rows: str) -> dict[str, object]:
    return {"name": "档案执法检查", "list_type": "本部门", "kind": "一般", **rows}


def test_the_form_adds_orders_and_removes_points_without_javascript(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    make_user("editor", org.own, Role.COORDINATOR)
    login(client, "editor")
    page = client.get("/items/new").text
    assert 'name="points-0-text"' in page and 'name="points-1-legal_basis"' in page
    bad = post_form(
        client,
        "/items/new",
        _form(
            code="T-2",
            point_rows="3",
            **{"points-0-number": "1", "points-0-text": "甲", "points-0-legal_basis": "依据甲"},
            **{"points-1-number": "2", "points-1-text": "乙", "points-1-legal_basis": ""},
        ),
        "/items/new",
    )
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "第2个检查要点：请填写法律依据" in bad.text  # type: ignore[attr-defined]
    assert db.execute(select(CheckItem)).first() is None  # nothing half-written
    # Without JavaScript another row is a round trip that keeps what was typed.
    more = post_form(
        client,
        "/items/new",
        _form(
            code="T-2",
            point_rows="1",
            action="add_point",
            **{"points-0-number": "1", "points-0-text": "甲", "points-0-legal_basis": "依据甲"},
        ),
        "/items/new",
    )
    assert more.status_code == 200 and 'name="points-1-text"' in more.text  # type: ignore[attr-defined]
    assert ">甲</textarea>" in more.text and db.execute(select(CheckItem)).first() is None  # type: ignore[attr-defined]
    ok = post_form(
        client,
        "/items/new",
        _form(
            code="T-2",
            point_rows="3",
            **{"points-0-number": "2", "points-0-text": "甲", "points-0-legal_basis": "依据甲"},
            **{"points-1-number": "1", "points-1-text": "乙", "points-1-legal_basis": "依据乙"},
            **{"points-1-method": "书面检查", "points-1-materials": "台账"},
            **{"points-2-number": "3", "points-2-text": "丙", "points-2-legal_basis": "依据丙"},
            **{"points-2-delete": "1"},
        ),
        "/items/new",
    )
    assert ok.status_code == 303, ok.text  # type: ignore[attr-defined]
    item = db.execute(select(CheckItem)).scalar_one()
    assert item.latest is not None
    assert [(p.number, p.text, p.method, p.materials) for p in item.latest.points] == [
        (1, "乙", "书面检查", "台账"),
        (2, "甲", "", ""),
    ]
    detail = client.get(f"/items/{item.id}").text
    assert (
        '<ol class="check-points">' in detail and "法律依据：依据乙；检查方法：书面检查" in detail
    )
    edit = client.get(f"/items/{item.id}/edit").text
    assert ">乙</textarea>" in edit and 'name="points-2-text"' in edit  # two points + a blank row


# ---- import / export -----------------------------------------------------------------------


def _bearer(db: Session, user: User) -> dict[str, str]:
    _token, plain = accounts_service.create_api_token(db, SYSTEM, user, "数据对接")
    db.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_items_round_trip_through_excel_with_their_points(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    _item(db, org, TWO)
    make_user("editor", org.own, Role.COORDINATOR)
    login(client, "editor")
    exported = client.get("/items/export.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("检查要点") + 1).value
    assert cell == points.format_lines(TWO)
    headers_auth = _bearer(db, make_user("api", org.own, Role.COORDINATOR))
    again = client.post(
        "/api/v1/imports/items",
        headers=headers_auth,
        files={"file": ("items.xlsx", exported.content, "application/octet-stream")},
    )
    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 1 and again.json()["updated"] == 0


def test_an_import_names_row_point_and_field(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    headers_auth = _bearer(db, make_user("api", org.own, Role.COORDINATOR))
    header = ["事项编码", "事项名称", "检查要点"]
    good = '"1. 查看库房｜《中华人民共和国档案法》第十九条｜实地核查\n2. 检查制度｜《中华人民共和国档案法》第四十二条"'
    bad = '"1. 查看库房｜《中华人民共和国档案法》第十九条\n2. 检查制度"'
    refused = client.post(
        "/api/v1/imports/items",
        headers=headers_auth,
        files={
            "file": (
                "i.csv",
                csv_bytes(header, [["A-1", "甲", good], ["A-2", "乙", bad]]),
                "text/csv",
            )
        },
    )
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert error["row"] == 3 and error["column"] == "检查要点"
    assert error["rule"].startswith("第2个检查要点：请填写法律依据")
    assert db.execute(select(CheckItem)).first() is None
    done = client.post(
        "/api/v1/imports/items",
        headers=headers_auth,
        files={"file": ("i.csv", csv_bytes(header, [["A-1", "甲", good]]), "text/csv")},
    )
    assert done.status_code == 200, done.text
    item = db.execute(select(CheckItem)).scalar_one()
    assert item.latest is not None
    assert [(p.number, p.method) for p in item.latest.points] == [(1, "实地核查"), (2, "")]
    assert ITEMS.column("检查要点").example  # the template's example validates (test_writer)


# ---- API -----------------------------------------------------------------------------------


def test_the_api_exposes_points_within_scope(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    item = _item(db, org, TWO)
    assert item.latest is not None
    own = _bearer(db, make_user("own", org.own, Role.OFFICER))
    listing = client.get("/api/v1/items", headers=own).json()
    assert listing[0]["check_points"][0] == {
        "number": 1,
        "text": "查看档案库房",
        "method": "实地核查",
        "legal_basis": f"{DA}第十九条",
        "materials": "",
    }
    url = f"/api/v1/item-versions/{item.latest.id}/check-points"
    body = client.get(url, headers=own).json()
    assert body["frozen"] is False and [p["number"] for p in body["check_points"]] == [1, 2]
    outsider = _bearer(db, make_user("other", org.other, Role.OFFICER))
    assert client.get(url, headers=outsider).status_code == 404
    assert client.get("/api/v1/item-versions/999999/check-points", headers=own).status_code == 404
