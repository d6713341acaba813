"""Public pages under /public: published draws with their drawn targets, inspectors, digest,
entropy and events, and downloads of the public record, the 抽取记录 PDF and the verifier.

Built from the public record only (draws/outcome.py): no stratum labels, no unselected targets;
resident ID numbers are masked and phones are never read.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from spotcheck.departments.models import Department
from spotcheck.draws import appendix, ceremony, changes, record_pdf, visits
from spotcheck.draws import outcome as outcome_mod
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.errors import NotFound
from spotcheck.ids import Page
from spotcheck.portal import access
from spotcheck.sampling.entropy import round_time
from spotcheck.sampling.standalone_verifier import build_script
from spotcheck.web.security import Anonymous, Db, PublicUser
from spotcheck.web.templating import render

router = APIRouter(prefix="/public")
VERIFIER_NAME = "ssj_verify.py"


LIST_PAGE = 50
# Public outputs of a draw change only with an event after the draw; browsers and proxies keep
# them for a minute and then revalidate with the ETag (304 when nothing changed).
PUBLIC_CACHE = "public, max-age=60"
_PDF_CACHE: OrderedDict[str, bytes] = OrderedDict()
_PDF_CACHE_SIZE = 8
# Rendered portal pages by (page, validator): a published draw changes only with an event, the
# list only with a publication, so the HTML is made once per version and then served as bytes.
# Portal pages carry nothing per visitor (portal/layout.html), so one copy serves everyone.
_PAGES: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_PAGES_SIZE = 256
_PAGES_LOCK = threading.Lock()


# Which version of a page was current, and when that was checked: for FRESH_SECONDS a request
# is answered from memory without a query (a publication or an event shows within a second).
FRESH_SECONDS = 1.0
_CHECKED: dict[tuple[Any, ...], tuple[float, int, tuple[Any, ...], str]] = {}


def _checked(short: tuple[Any, ...], key: tuple[Any, ...], etag: str) -> None:
    with _PAGES_LOCK:
        _CHECKED[short] = (time.monotonic(), changes.current(), key, etag)
        if len(_CHECKED) > 4 * _PAGES_SIZE:
            _CHECKED.clear()


def _hot(request: Request, short: tuple[Any, ...]) -> Response | None:
    """The page from memory when its version was checked less than FRESH_SECONDS ago."""
    with _PAGES_LOCK:
        seen = _CHECKED.get(short)
        if seen is None or time.monotonic() - seen[0] > FRESH_SECONDS:
            return None
        if seen[1] != changes.current():  # this process changed a draw since
            return None
        body = _PAGES.get(seen[2])
    if body is None:
        return None
    etag = seen[3]
    if etag and (unchanged := _not_modified(request, etag)):
        return unchanged
    headers = {"Cache-Control": PUBLIC_CACHE, **({"ETag": etag} if etag else {})}
    return HTMLResponse(body, headers=headers)


def _cached(key: tuple[object, ...], make: Callable[[], Response]) -> Response:
    with _PAGES_LOCK:
        body = _PAGES.get(key)
        if body is not None:
            _PAGES.move_to_end(key)
    if body is None:
        made = make()
        if made.status_code != 200:
            return made
        body = bytes(made.body)
        with _PAGES_LOCK:
            _PAGES[key] = body
            while len(_PAGES) > _PAGES_SIZE:
                _PAGES.popitem(last=False)
    return HTMLResponse(body, headers={"Cache-Control": PUBLIC_CACHE})


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
    # Every event after the draw changes the list (and so its SHA-256): no need to count them.
    raw = f"{draw.id}|{draw.code}|{stamp}|{draw.list_sha256}|{draw.status}"
    return '"' + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> Response | None:
    wanted = request.headers.get("if-none-match", "")
    if etag and etag in {t.strip() for t in wanted.split(",")}:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE})
    return None


@router.get("/draws", response_class=HTMLResponse)
async def draw_list(request: Request, _anyone: Anonymous, page: Page = 1) -> Response:
    """Published draws, newest first, 50 a page: task code, department, date, number drawn."""
    hit = _hot(request, ("list", page))
    return hit if hit is not None else await run_in_threadpool(_list, request, page)


def _list(request: Request, page: int) -> Response:
    with request.app.state.session_factory() as db:
        published = Draw.status == DrawStatus.PUBLISHED
        total, latest, highest = db.execute(
            select(func.count(), func.max(Draw.published_at), func.max(Draw.id)).where(published)
        ).one()
        pages = max(1, -(-total // LIST_PAGE))
        number = min(max(1, page), pages)
        key = ("list", number, total, latest, highest)
        _checked(("list", page), key, "")
        return _cached(key, lambda: _draw_list(request, db, number, pages, total))


def _draw_list(request: Request, db: Session, page: int, pages: int, total: int) -> HTMLResponse:
    published = Draw.status == DrawStatus.PUBLISHED
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
                "abandoned": draw.status == DrawStatus.ABANDONED,
                "abandoned_at": outcome_mod.local_time(draw.abandoned_at)
                if draw.abandoned_at
                else "",
            }
        )
    return render(request, "portal/commitments.html", rows=rows)


@router.get("/draws/{code}", response_class=HTMLResponse)
async def draw_detail(
    request: Request,
    _anyone: Anonymous,
    code: str,
    page: Page = 1,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """One published draw as the public may see it; its drawn targets 50 a page, searchable by
    target name or code and by inspector."""
    short = ("draw", code, page, q.strip())
    hit = _hot(request, short)
    return hit if hit is not None else await run_in_threadpool(_detail, request, short)


def _detail(request: Request, short: tuple[Any, ...]) -> Response:
    _kind, code, page, q = short
    with request.app.state.session_factory() as db:
        draw = access.published_draw_or_404(db, code)
        etag = etag_of(draw)
        key = ("draw", draw.code, etag, page, q)
        # Only the unfiltered first page carries the ETag: it is what links and browsers reload.
        shown = etag if not q and page == 1 else ""
        _checked(short, key, shown)
        if shown and (unchanged := _not_modified(request, shown)):
            return unchanged
        response = _cached(key, lambda: _draw_detail(request, db, draw, page, q))
    if shown:
        response.headers["ETag"] = shown
    return response


def _draw_detail(request: Request, db: Session, draw: Draw, page: int, q: str) -> HTMLResponse:
    department = db.get(Department, draw.department_id)
    return render(
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


@router.get("/draws/{code}/record.json")
def draw_record(request: Request, _principal: PublicUser, db: Db, code: str) -> Response:
    """The public record (spec "The published record"), to check with `spotcheck verify`."""
    draw = access.published_draw_or_404(db, code)
    etag = etag_of(draw)
    if unchanged := _not_modified(request, etag):
        return unchanged
    body = ceremony.record_bytes(db, draw)
    return _download(body, "application/json; charset=utf-8", f"{draw.code}.json", etag)


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
