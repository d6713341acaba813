"""The 抽取记录's appendix (the full list, bound by its SHA-256), the paginated and searchable
lists of the staff and the portal, and the portal's validators."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.draws import appendix, publish, record_pdf, visits
from tests.draws_record.conftest import Made


def test_the_appendix_csv_is_the_list_its_hash_names_and_the_excel_says_so(
    db: Session, made: Made
) -> None:
    draw = made.draw
    data = appendix.csv_bytes(db, draw)
    assert hashlib.sha256(data).hexdigest() == draw.list_sha256 and len(draw.list_sha256) == 64
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == list(visits.APPENDIX_HEADERS)
    assert len(lines) == 1 + draw.selected_count == 1 + len(made.record["assignments"])
    names = {t.key: t.name for t in made.targets}
    first_key = made.key_of(made.record["assignments"][0]["target"])
    assert lines[1][:3] == ["1", names[first_key], first_key]
    sheet = openpyxl.load_workbook(io.BytesIO(appendix.xlsx_bytes(db, draw))).active
    assert sheet is not None
    rows = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    assert draw.list_sha256 in str(rows[0][0])
    assert rows[1:] == lines  # the same list in both files
    # The signed record prints the hash on its first page, and lists a small draw too.
    html = record_pdf.render_html(db, draw)
    assert draw.list_sha256 in html.split("一、抽查任务")[0]
    assert names[first_key] in html


def test_the_lists_are_paged_and_searchable_by_target_and_inspector(
    db: Session, made: Made
) -> None:
    draw = made.draw
    everything = list(visits.every(db, draw))
    first = visits.page(db, draw, 1, per_page=3)
    assert [v.order for v in first.visits] == [1, 2, 3] and first.pages == 2
    assert [v.order for v in visits.page(db, draw, 9, per_page=3).visits] == [4]  # last page
    one = everything[2]
    assert [v.key for v in visits.page(db, draw, 1, one.name).visits] == [one.key]
    assert [v.key for v in visits.page(db, draw, 1, one.key.lower()).visits] == [one.key]
    person = one.members[0]
    by_person = visits.page(db, draw, 1, person.cert_no).visits
    assert by_person and all(person.key in {m.key for m in v.members} for v in by_person)
    assert visits.page(db, draw, 1, "没有这个%_对象").total == 0


def test_the_portal_pages_a_draw_and_revalidates_its_downloads(
    client: TestClient, db: Session, made: Made
) -> None:
    publish.publish(db, SYSTEM, made.draw)
    db.commit()
    code = made.draw.code
    page = client.get(f"/public/draws/{code}")
    etag = page.headers["etag"]
    assert page.status_code == 200 and "public" in page.headers["cache-control"]
    assert "set-cookie" not in page.headers and "X-CSRF-Token" not in page.text
    assert made.draw.list_sha256 in page.text and 'id="outcome-search"' in page.text
    again = client.get(f"/public/draws/{code}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    record = client.get(f"/public/draws/{code}/record.json")
    assert record.headers["etag"] == etag
    assert (
        client.get(f"/public/draws/{code}/record.json", headers={"If-None-Match": etag}).status_code
        == 304
    )
    listed = client.get(f"/public/draws/{code}/appendix.csv")
    assert hashlib.sha256(listed.content).hexdigest() == made.draw.list_sha256
    name = made.targets[0].name
    found = client.get(f"/public/draws/{code}", params={"q": "不存在的对象"})
    assert "没有符合条件的对象" in found.text and name not in found.text.split("outcome")[-1]
