"""Zip bombs and Big5 text through the three doors of an import: the wizard, the API, the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM
from spotcheck.config import Settings
from spotcheck.tabular.limits import Limits
from spotcheck.targets.models import Target
from tests.conftest import Org, csrf_of
from tests.registries.conftest import target_row, targets_csv
from tests.tabular.bombs import bomb, lying

BIG5_NAMES = ["臺北市測試科技股份有限公司", "香港鴻運貿易有限公司", "高雄港灣實業有限公司"]
UNPACKED = Limits().unpacked_message()
RATIO = "超过 100 倍的上限"


TRADITIONAL = {
    "对象类型": "企業",
    "法定代表人": "王偉",
    "经营范围": "化工產品銷售",
    "登记状态": "存續",
}


def _big5_csv() -> bytes:
    """The template's header (GB18030) over rows pasted from a Big5 (Taiwan, Hong Kong) file."""
    rows = [
        target_row(i, 名称=name, 住所="台北市中正區", **TRADITIONAL)
        for i, name in enumerate(BIG5_NAMES, 1)
    ]
    header = targets_csv([], encoding="gb18030")
    return header + "".join(",".join(row) + "\r\n" for row in rows).encode("big5")


def _count(db: Session) -> int:
    return db.execute(select(func.count(Target.id))).scalar_one()


def _wizard(client: TestClient, data: bytes, name: str, department_id: int) -> tuple[int, str]:
    token = csrf_of(client, "/imports/targets")
    response = client.post(
        "/imports/targets",
        data={"csrf_token": token, "department_id": str(department_id)},
        files={"file": (name, data, "application/octet-stream")},
    )
    return response.status_code, response.text


def _api(
    client: TestClient, db: Session, user: User, data: bytes, name: str
) -> tuple[int, dict[str, object]]:
    _token, plain = accounts_service.create_api_token(db, SYSTEM, user, "数据对接")
    db.commit()
    response = client.post(
        "/api/v1/imports/targets",
        headers={"Authorization": f"Bearer {plain}"},
        files={"file": (name, data, "application/octet-stream")},
    )
    return response.status_code, response.json()


@pytest.fixture
def run(
    settings: Settings, engine: object, org: Org, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Result]]:
    """`spotcheck …` in-process against the test database."""
    from spotcheck.cli import app
    from spotcheck.config import get_settings

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    yield invoke
    get_settings.cache_clear()


def test_the_wizard_refuses_big5_naming_it_and_the_rows(
    editor: TestClient, db: Session, org: Org
) -> None:
    status, page = _wizard(editor, _big5_csv(), "台湾对象.csv", org.own.id)
    assert status == 400
    assert "文件无法读取：文件编码看起来是 Big5（繁体中文），不是 UTF-8 或 GB18030：" in page
    assert f"第 2 行“{target_row(1)[0]},{BIG5_NAMES[0]}" in page
    assert "检查通过" not in page and "confirm-import" not in page
    assert _count(db) == 0


def test_the_api_refuses_big5(
    client: TestClient, db: Session, org: Org, make_user: Callable[..., User]
) -> None:
    status, body = _api(client, db, make_user("api", org.own, Role.OFFICER), _big5_csv(), "t.csv")
    assert status == 422 and body["ok"] is False
    assert str(body["file_error"]).startswith("文件编码看起来是 Big5（繁体中文）")
    assert BIG5_NAMES[1] in str(body["file_error"])
    assert _count(db) == 0


def test_the_cli_refuses_big5(run: Callable[..., Result], db: Session, tmp_path: Path) -> None:
    path = tmp_path / "台湾对象.csv"
    path.write_bytes(_big5_csv())
    result = run("import", "targets", str(path), "--department", "CITY-A")
    assert result.exit_code == 1
    assert "文件编码看起来是 Big5（繁体中文），不是 UTF-8 或 GB18030" in result.output
    assert BIG5_NAMES[2] in result.output
    assert _count(db) == 0


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_the_wizard_previews_the_decoded_names_before_confirming(
    editor: TestClient, db: Session, org: Org, encoding: str
) -> None:
    names = ["淄博鑫源医药有限公司", "临淄齐鲁石化工程有限公司", "张店区王记烧烤店"]
    rows = [target_row(i, 名称=name) for i, name in enumerate(names, 1)]
    status, page = _wizard(editor, targets_csv(rows, encoding), "对象.csv", org.own.id)
    assert status == 200, page
    assert "检查通过：共 3 行" in page
    preview = page.split('id="import-preview"')[1].split("</table>")[0]
    label = {"gb18030": "GB18030", "utf-8": "UTF-8", "utf-8-sig": "UTF-8（带 BOM）"}[encoding]
    assert f"按 {label} 读取的前 3 行数据" in page
    assert all(f"<td>{name}</td>" in preview for name in names)
    assert "<td>2</td>" in preview and "<th>名称</th>" in preview
    assert page.index("import-preview") < page.index("confirm-import")
    assert _count(db) == 0


@pytest.mark.parametrize(("make", "fragment"), [(bomb, UNPACKED), (lambda: lying(bomb()), RATIO)])
def test_the_wizard_refuses_a_zip_bomb(
    editor: TestClient, db: Session, org: Org, make: Callable[[], bytes], fragment: str
) -> None:
    status, page = _wizard(editor, make(), "对象.xlsx", org.own.id)
    assert status == 400 and fragment in page
    assert "文件无法读取" in page and _count(db) == 0


@pytest.mark.parametrize(("make", "fragment"), [(bomb, UNPACKED), (lambda: lying(bomb()), RATIO)])
def test_the_api_refuses_a_zip_bomb(
    client: TestClient,
    db: Session,
    org: Org,
    make_user: Callable[..., User],
    make: Callable[[], bytes],
    fragment: str,
) -> None:
    user = make_user("api", org.own, Role.OFFICER)
    status, body = _api(client, db, user, make(), "t.xlsx")
    assert status == 422 and fragment in str(body["file_error"])
    assert _count(db) == 0


@pytest.mark.parametrize(("make", "fragment"), [(bomb, UNPACKED), (lambda: lying(bomb()), RATIO)])
def test_the_cli_refuses_a_zip_bomb(
    run: Callable[..., Result],
    db: Session,
    tmp_path: Path,
    make: Callable[[], bytes],
    fragment: str,
) -> None:
    path = tmp_path / "对象.xlsx"
    path.write_bytes(make())
    result = run("import", "targets", str(path), "--department", "CITY-A")
    assert result.exit_code == 1
    assert "文件无法读取" in result.output and fragment in " ".join(result.output.split())
    assert _count(db) == 0


def test_the_limits_are_settings(
    run: Callable[..., Result],
    db: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "对象.csv"
    path.write_bytes(targets_csv([target_row(i) for i in range(1, 13)]))
    monkeypatch.setenv("IMPORT_MAX_ROWS", "11")
    result = run("import", "targets", str(path), "--department", "CITY-A")
    assert result.exit_code == 1 and "数据超过 11 行的上限" in result.output
    monkeypatch.setenv("IMPORT_MAX_ROWS", "12")
    from spotcheck.config import get_settings

    get_settings.cache_clear()
    assert run("import", "targets", str(path), "--department", "CITY-A").exit_code == 0
    assert _count(db) == 12
