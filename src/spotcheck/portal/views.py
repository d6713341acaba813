"""Public pages under /public: published draws with their drawn targets, inspectors, digest,
entropy and events, and downloads of the public record, the 抽取记录 PDF and the verifier.

Built from the public record only (draws/outcome.py): no stratum labels, no unselected targets;
resident ID numbers are masked and phones are never read.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import OrderedDict
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from spotcheck.departments.models import Department
from spotcheck.draws import appendix, ceremony, record_pdf, visits
from spotcheck.draws import outcome as outcome_mod
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.errors import NotFound
from spotcheck.ids import Page
from spotcheck.portal import access
from spotcheck.sampling.entropy import round_time
from spotcheck.sampling.standalone_verifier import build_script
from spotcheck.web.security import Db, PublicUser
from spotcheck.web.templating import render

router = APIRouter(prefix="/public")
VERIFIER_NAME = "ssj_verify.py"


LIST_PAGE = 50
# Public outputs of a draw change only with an event after the draw; browsers and proxies keep
# them for a minute and then revalidate with the ETag (304 when nothing changed).
PUBLIC_CACHE = "public, max-age=60"
_PDF_CACHE: OrderedDict[str, bytes] = OrderedDict()
_PDF_CACHE_SIZE = 8


def _download(
    body: str | bytes, media_type: str, name: str, etag: str = "", cache: str = PUBLIC_CACHE
) -> Response:
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    if etag:
        headers["ETag"] = etag
        headers["Cache-Control"] = cache
    return Response(body, media_type=media_type, headers=headers)


def etag_of(draw: Draw) -> str:
    """A validator for everything the portal shows of a draw: it changes with any event."""
    stamp = draw.published_at.isoformat() if draw.published_at else ""
    raw = f"{draw.id}|{draw.code}|{stamp}|{draw.list_sha256}|{len(draw.events)}|{draw.status}"
    return '"' + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> Response | None:
    wanted = request.headers.get("if-none-match", "")
    if etag and etag in {t.strip() for t in wanted.split(",")}:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE})
    return None


@router.get("/draws", response_class=HTMLResponse)
def draw_list(request: Request, _principal: PublicUser, db: Db, page: Page = 1) -> HTMLResponse:
    """Published draws, newest first, 50 a page: task code, department, date, number drawn."""
    published = Draw.status == DrawStatus.PUBLISHED
    total = db.scalar(select(func.count()).select_from(Draw).where(published)) or 0
    pages = max(1, -(-total // LIST_PAGE))
    page = min(max(1, page), pages)
    draws = db.execute(
        select(
            Draw.code, Draw.department_id, Draw.published_at, Draw.selected_count, Department.name
        )
        .join(Department, Department.id == Draw.department_id)
        .where(published)
        .order_by(Draw.published_at.desc(), Draw.id.desc())
        .offset((page - 1) * LIST_PAGE)
        .limit(LIST_PAGE)
    ).all()
    rows = [
        {
            "code": code,
            "department": name,
            "published": outcome_mod.local_time(published_at)[:10],
            "count": count,
        }
        for code, _department_id, published_at, count, name in draws
    ]
    response = render(request, "portal/list.html", rows=rows, page=page, pages=pages, total=total)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@router.get("/commitments", response_class=HTMLResponse)
def commitments(request: Request, _principal: PublicUser, db: Db) -> HTMLResponse:
    """Every committed draw's digest and entropy plan, published BEFORE the entropy exists."""
    # The commitment is public from the moment it is made (spec "Commit"): anyone can later
    # check that the published record carries this very digest and the planned entropy.
    draws = db.scalars(
        select(Draw)
        .where(Draw.status != DrawStatus.PREPARED)
        .order_by(Draw.committed_at.desc(), Draw.id.desc())
        .limit(500)
    ).all()
    departments = {
        d.id: d.name
        for d in db.scalars(
            select(Department).where(Department.id.in_({d.department_id for d in draws}))
        )
    }
    rows = []
    for draw in draws:
        plan = draw.entropy_plan
        parts = []
        for item in plan:
            if item["kind"] == "dice":
                parts.append(f"现场掷骰 {item['digits']} 位")
            else:
                moment = round_time(item["round"])
                when = dt.datetime.fromtimestamp(moment, dt.UTC)
                parts.append(
                    f"drand quicknet 第 {item['round']} 轮（{outcome_mod.local_time(when)} 发布）"
                )
        rows.append(
            {
                "draw": draw,
                "department": departments.get(draw.department_id, ""),
                "committed": outcome_mod.local_time(draw.committed_at),
                "entropy": "；".join(parts),
                "published": draw.status == DrawStatus.PUBLISHED,
            }
        )
    return render(request, "portal/commitments.html", rows=rows)


@router.get("/draws/{code}", response_class=HTMLResponse)
def draw_detail(
    request: Request,
    _principal: PublicUser,
    db: Db,
    code: str,
    page: Page = 1,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """One published draw as the public may see it; its drawn targets 50 a page, searchable by
    target name or code and by inspector."""
    draw = access.published_draw_or_404(db, code)
    etag = etag_of(draw)
    if not q and page == 1 and (unchanged := _not_modified(request, etag)):
        return unchanged
    department = db.get(Department, draw.department_id)
    visits.backfill(db, draw)
    response = render(
        request,
        "portal/detail.html",
        draw=draw,
        o=outcome_mod.build(db, draw),
        visits=visits.page(db, draw, page, q),
        base=f"/public/draws/{quote(draw.code)}",
        public=True,
        department=department.name if department else "",
        published=outcome_mod.local_time(draw.published_at),
        committed=outcome_mod.local_time(draw.committed_at),
        verifier_name=VERIFIER_NAME,
    )
    response.headers["Cache-Control"] = PUBLIC_CACHE
    if not q and page == 1:
        response.headers["ETag"] = etag
    return response


@router.get("/draws/{code}/record.json")
def draw_record(request: Request, _principal: PublicUser, db: Db, code: str) -> Response:
    """The public record (spec "The published record"), to check with `spotcheck verify`."""
    draw = access.published_draw_or_404(db, code)
    etag = etag_of(draw)
    if unchanged := _not_modified(request, etag):
        return unchanged
    text = ceremony.record_text(db, draw)
    return _download(text, "application/json; charset=utf-8", f"{draw.code}.json", etag)


@router.get("/draws/{code}/record.pdf")
def draw_record_pdf(request: Request, _principal: PublicUser, db: Db, code: str) -> Response:
    """The 抽取记录 as PDF (made once per version of the draw and kept)."""
    draw = access.published_draw_or_404(db, code)
    etag = etag_of(draw)
    if unchanged := _not_modified(request, etag):
        return unchanged
    data = _PDF_CACHE.get(etag)
    if data is None:
        data = record_pdf.record_pdf(db, draw)
        _PDF_CACHE[etag] = data
        while len(_PDF_CACHE) > _PDF_CACHE_SIZE:
            _PDF_CACHE.popitem(last=False)
    return _download(data, "application/pdf", f"{draw.code}-抽取记录.pdf", etag)


@router.get("/draws/{code}/appendix.{fmt}")
def draw_appendix(
    request: Request, _principal: PublicUser, db: Db, code: str, fmt: str
) -> Response:
    """The record's appendix: every drawn target and its group (CSV or Excel), resident ID
    numbers masked; the CSV's SHA-256 is the one the record prints."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound("只提供 CSV 或 xlsx 格式")
    draw = access.published_draw_or_404(db, code)
    etag = etag_of(draw)
    if unchanged := _not_modified(request, etag):
        return unchanged
    if fmt == "csv":
        data, media = appendix.csv_bytes(db, draw), "text/csv; charset=utf-8"
    else:
        data = appendix.xlsx_bytes(db, draw)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(data, media, appendix.filename(draw, fmt), etag)


@router.get("/verifier.py")
def verifier_script(request: Request, _principal: PublicUser) -> Response:
    """The standalone public verifier (the output of `spotcheck verifier-script`)."""
    script = _verifier()
    etag = '"' + hashlib.sha256(script.encode("utf-8")).hexdigest()[:32] + '"'
    if unchanged := _not_modified(request, etag):
        return unchanged
    return _download(
        script, "text/x-python; charset=utf-8", VERIFIER_NAME, etag, "public, max-age=3600"
    )


@functools.cache
def _verifier() -> str:
    # The script is made from this version's code: it changes only with a new release.
    return build_script(VERIFIER_NAME)
