"""Public pages under /public: published draws with their drawn targets, inspectors, digest,
entropy and events, and downloads of the public record, the 抽取记录 PDF and the verifier.

Built from the public record only (draws/outcome.py): no stratum labels, no unselected targets;
resident ID numbers are masked and phones are never read.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from spotcheck.departments.models import Department
from spotcheck.draws import outcome as outcome_mod
from spotcheck.draws import record_pdf
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.portal import access
from spotcheck.sampling.entropy import round_time
from spotcheck.sampling.standalone_verifier import build_script
from spotcheck.web.security import Db, PublicUser
from spotcheck.web.templating import render

router = APIRouter(prefix="/public")
VERIFIER_NAME = "ssj_verify.py"


def _download(body: str | bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/draws", response_class=HTMLResponse)
def draw_list(request: Request, _principal: PublicUser, db: Db) -> HTMLResponse:
    """Every published draw: task code, department, date, number drawn."""
    draws = db.scalars(
        select(Draw)
        .where(Draw.status == DrawStatus.PUBLISHED)
        .order_by(Draw.published_at.desc(), Draw.id.desc())
    ).all()
    departments = {
        d.id: d.name
        for d in db.scalars(
            select(Department).where(Department.id.in_({d.department_id for d in draws}))
        )
    }
    rows = [
        {
            "draw": draw,
            "department": departments.get(draw.department_id, ""),
            "published": outcome_mod.local_time(draw.published_at)[:10],
            "count": len(json.loads(draw.record_text)["assignments"]),
        }
        for draw in draws
    ]
    return render(request, "portal/list.html", rows=rows)


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
        plan = json.loads(draw.manifest_text)["entropy"]
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
def draw_detail(request: Request, _principal: PublicUser, db: Db, code: str) -> HTMLResponse:
    """One published draw as the public may see it."""
    draw = access.published_draw_or_404(db, code)
    department = db.get(Department, draw.department_id)
    return render(
        request,
        "portal/detail.html",
        draw=draw,
        o=outcome_mod.build(db, draw),
        department=department.name if department else "",
        published=outcome_mod.local_time(draw.published_at),
        committed=outcome_mod.local_time(draw.committed_at),
        verifier_name=VERIFIER_NAME,
    )


@router.get("/draws/{code}/record.json")
def draw_record(_principal: PublicUser, db: Db, code: str) -> Response:
    """The public record (spec "The published record"), to check with `spotcheck verify`."""
    draw = access.published_draw_or_404(db, code)
    return _download(draw.record_text, "application/json; charset=utf-8", f"{draw.code}.json")


@router.get("/draws/{code}/record.pdf")
def draw_record_pdf(_principal: PublicUser, db: Db, code: str) -> Response:
    """The 抽取记录 as PDF."""
    draw = access.published_draw_or_404(db, code)
    return _download(
        record_pdf.record_pdf(db, draw), "application/pdf", f"{draw.code}-抽取记录.pdf"
    )


@router.get("/verifier.py")
def verifier_script(_principal: PublicUser) -> Response:
    """The standalone public verifier (the output of `spotcheck verifier-script`)."""
    return _download(build_script(VERIFIER_NAME), "text/x-python; charset=utf-8", VERIFIER_NAME)
