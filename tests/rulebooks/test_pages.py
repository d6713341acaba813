"""The rulebook pages: every profile rendered with every article, copies edited and adopted."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.models import CustomProfile
from tests.conftest import Org, login, post_form
from tests.rulebooks.conftest import BREAKAGES, BUILTIN, articles, line_of


@pytest.mark.parametrize("code", BUILTIN)
def test_it_renders_every_article_of_each_builtin_profile(
    admin: TestClient, db: Session, code: str
) -> None:
    page = admin.get(f"/rulebooks/{code}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    profile = rulebooks_service.get(db, code)
    cited = articles(profile.model_dump(mode="json"))
    assert len(cited) >= 5
    missing = [a for a in cited if f">{a}</span>" not in text]
    assert missing == []
    assert profile.profile.name in text
    for title in ("基本信息", "抽查分层", "排除规则", "检查组组成", "时限（工作日）", "审批"):
        assert title in text
    for stratum in profile.strata:
        assert stratum.name in text


def test_it_warns_in_red_that_zibo_expired(admin: TestClient) -> None:
    page = admin.get("/rulebooks/zibo-gxj").text
    assert 'class="flash error" id="rulebook-warning"' in page
    assert "有效期至 2025-06-05" in page and "已于 2025-06-06 失效" in page
    assert "rulebook-warning" not in admin.get("/rulebooks/luan-daj").text
    listing = admin.get("/rulebooks").text
    row = listing.split('/rulebooks/zibo-gxj">zibo-gxj')[1].split("</tr>")[0]
    assert "已失效" in row


def test_it_lists_profiles_and_each_departments_adoption(
    admin: TestClient, db: Session, org: Org
) -> None:
    rulebooks_service.adopt(db, SYSTEM, org.own, "zibo-gxj")
    rulebooks_service.copy(db, SYSTEM, "luan-daj", "luan-daj-2026")
    db.commit()
    page = admin.get("/rulebooks").text
    assert page.index("shanxi-daj") < page.index('luan-daj"') < page.index("luan-daj-2026")
    adoptions = page.split('id="adoptions"')[1]
    own = adoptions.split("CITY-A</td>")[1].split("</tr>")[0]
    child = adoptions.split("CITY-A-S1</td>")[1].split("</tr>")[0]
    other = adoptions.split("CITY-B</td>")[1].split("</tr>")[0]
    assert "本部门采用" in own and "/rulebooks/zibo-gxj" in own
    assert "沿用 甲市局" in child
    assert "未采用" in other


def test_it_copies_then_refuses_broken_edits_naming_the_line(
    admin: TestClient, db: Session
) -> None:
    copied = post_form(
        admin, "/rulebooks/zibo-gxj/copy", {"new_code": "zibo-2026"}, "/rulebooks/zibo-gxj"
    )
    assert copied.status_code == 303 and copied.headers["location"] == "/rulebooks/zibo-2026/edit"
    custom = db.scalar(select(CustomProfile).where(CustomProfile.code == "zibo-2026"))
    assert custom is not None and custom.based_on == "zibo-gxj"
    original = custom.text
    for what, breaks, needle, words in BREAKAGES:
        broken = breaks(original)
        assert broken != original, what
        response = post_form(
            admin, "/rulebooks/zibo-2026/edit", {"text": broken}, "/rulebooks/zibo-2026/edit"
        )
        assert response.status_code == 400, what
        body = html.unescape(response.text)
        assert f"第 {line_of(broken, needle)} 行" in body, what
        assert words in body, what
        kept = response.text.split('name="text"')[1].split(">", 1)[1].split("</textarea>")[0]
        assert html.unescape(kept) == broken, what
    db.expire_all()
    assert (
        db.scalar(select(CustomProfile.text).where(CustomProfile.code == "zibo-2026")) == original
    )
    actions = db.scalars(select(AuditEvent.action)).all()
    assert "rulebook.copy" in actions and "rulebook.update" not in actions


def test_it_refuses_a_taken_code_on_the_page(admin: TestClient) -> None:
    response = post_form(
        admin, "/rulebooks/zibo-gxj/copy", {"new_code": "luan-daj"}, "/rulebooks/zibo-gxj"
    )
    assert response.status_code == 400
    assert "已被使用" in html.unescape(response.text)


def test_it_saves_a_valid_edit_and_shows_it_in_the_diff(admin: TestClient, db: Session) -> None:
    custom = rulebooks_service.copy(db, SYSTEM, "zibo-gxj", "zibo-2026")
    db.commit()
    assert "与原细则完全相同" in admin.get("/rulebooks/zibo-2026/diff").text
    text = custom.text.replace("max_checks = 2", "max_checks = 3")
    saved = post_form(
        admin, "/rulebooks/zibo-2026/edit", {"text": text}, "/rulebooks/zibo-2026/edit"
    )
    assert saved.status_code == 303
    diff = admin.get("/rulebooks/zibo-2026/diff").text
    rows = diff.split('id="rulebook-diff"')[1].split("</tr>")[1:-1]
    assert len(rows) == 1
    assert "排除规则 › 频次规则第 1 条 › 最多次数" in rows[0]
    assert "<td>2</td>" in rows[0] and "<strong>3</strong>" in rows[0]
    assert "最多 3 次" in admin.get("/rulebooks/zibo-2026").text


def test_it_adopts_a_profile_for_a_department_in_scope(
    admin: TestClient, db: Session, org: Org
) -> None:
    done = post_form(
        admin, "/rulebooks/luan-daj/adopt", {"department_id": org.own.id}, "/rulebooks/luan-daj"
    )
    assert done.status_code == 303
    db.expire_all()
    assert rulebooks_service.profile_for(db, org.child).code == "luan-daj"
    post_form(
        admin,
        "/rulebooks/xinzhou-joint/adopt",
        {"department_id": org.own.id},
        "/rulebooks/luan-daj",
    )
    db.expire_all()
    assert rulebooks_service.profile_for(db, org.child).code == "xinzhou-joint"
    assert "甲市局" in admin.get("/rulebooks/xinzhou-joint").text.split("采用本配置的部门")[1]


def test_it_hides_departments_outside_the_admins_scope(
    app, db: Session, org: Org, make_user: Callable[..., object]
) -> None:  # type: ignore[no-untyped-def]
    make_user("cityadmin", org.own, Role.ADMIN)
    with TestClient(app) as client:
        login(client, "cityadmin")
        response = post_form(
            client, "/rulebooks/luan-daj/adopt", {"department_id": org.other.id}, "/rulebooks"
        )
        assert response.status_code == 404
        assert "乙市局" not in client.get("/rulebooks").text
    db.expire_all()
    assert rulebooks_service.adoption_for(db, org.other) is None


def test_it_keeps_changes_from_non_admins(coordinator: TestClient, db: Session, org: Org) -> None:
    rulebooks_service.copy(db, SYSTEM, "zibo-gxj", "zibo-2026")
    db.commit()
    assert coordinator.get("/rulebooks/zibo-gxj").status_code == 200
    assert "复制为新配置" not in coordinator.get("/rulebooks/zibo-gxj").text
    assert coordinator.get("/rulebooks/zibo-2026/edit").status_code == 403
    attempts = [
        ("/rulebooks/zibo-gxj/copy", {"new_code": "mine"}),
        ("/rulebooks/zibo-gxj/adopt", {"department_id": org.own.id}),
        ("/rulebooks/zibo-2026/edit", {"text": "x"}),
    ]
    for path, data in attempts:
        assert post_form(coordinator, path, data, "/rulebooks").status_code == 403, path
    assert rulebooks_service.adoption_for(db, org.own) is None
    assert db.scalar(select(CustomProfile).where(CustomProfile.code == "mine")) is None


def test_it_refuses_to_edit_a_builtin_profile(admin: TestClient) -> None:
    response = admin.get("/rulebooks/zibo-gxj/edit")
    assert response.status_code == 400 and "请先" in response.text
    assert admin.get("/rulebooks/nope").status_code == 404
    assert admin.get("/rulebooks/nope/diff").status_code == 404
    builtin_diff = admin.get("/rulebooks/zibo-gxj/diff")
    assert builtin_diff.status_code == 400 and "副本才有差异" in builtin_diff.text


def test_it_serves_the_toml_as_text_and_as_a_download(admin: TestClient) -> None:
    shown = admin.get("/rulebooks/luan-daj/toml")
    assert shown.headers["content-type"].startswith("text/plain")
    assert shown.text == rulebooks_service.builtin_text("luan-daj")
    downloaded = admin.get("/rulebooks/luan-daj/toml", params={"download": 1})
    assert 'filename="luan-daj.toml"' in downloaded.headers["content-disposition"]
    assert downloaded.text == shown.text
