"""The 抽取记录 as a PDF (WeasyPrint, Noto CJK): what the witnesses sign (002 第九条).

Built from the public outcome only (draws/outcome.py), so the document can be handed out and
published: strata appear by neutral name, and only drawn targets are named.

The record is a summary that fits on a few pages whatever the size of the draw: it binds the full
list of drawn targets and groups by its SHA-256 (printed on the first page), and that list is an
appendix (Excel and CSV, `draws.visits`). Up to LIST_IN_PDF targets it is printed here as well.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from spotcheck.departments.models import Department
from spotcheck.draws import outcome as outcome_mod
from spotcheck.draws import service as draws_service
from spotcheck.draws import visits
from spotcheck.draws.models import Draw
from spotcheck.rulebooks.schema import Profile

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
ROUNDING = {"ceil": "向上取整", "floor": "向下取整", "round": "四舍五入"}
BLANK_SIGNATURE_ROWS = 3  # other people present sign too (所有到场人员)
# Up to this many drawn targets the list is also printed in the record (about 40 pages); a
# larger list is the appendix alone: thousands of pages would not be read or signed.
LIST_IN_PDF = 2_000


def profile_articles(profile: Profile) -> list[tuple[str, str]]:
    """The rules of the profile that govern a draw, as (what, article); never the strata.

    A platform rule (the rulebook is silent) shows its note beside it.
    """
    rows: list[tuple[str, str]] = []
    group = profile.group
    rows.append(
        (f"检查组：每个对象不少于 {group.min_certified} 名执法人员；{group.leader}", group.citation)
    )
    if group.certificate_required and group.certificate_article:
        rows.append(("检查人员须持有有效行政执法证件", group.certificate_article))
    for slot in group.slots:
        role = "辅助人员，不计入检查组" if slot.role == "auxiliary" else "检查组成员"
        if slot.on_request:
            role += "，由任务选择是否配备"
        rows.append((f"岗位“{slot.name}”：每个对象 {slot.count} 人（{role}）", slot.citation))
        if slot.leader:
            rows.append(
                (
                    f"岗位“{slot.name}”出组长，须持有效执法证",
                    slot.certificate_article or "平台规则（细则未规定）",
                )
            )
    rounding = ROUNDING[profile.quota.rounding]
    rows.append((f"按比例计算抽取数量时{rounding}", profile.quota.citation))
    witnesses = profile.witnesses
    kinds = "、".join(witnesses.kinds) or "—"
    rows.append((f"到场监督：至少 {witnesses.required} 方（{kinds}）", witnesses.citation))
    for name in ("swap_inspector", "exchange_targets", "direct_assign", "borrow"):
        approval = profile.approvals.get(name)
        if approval is not None:
            what = {
                "swap_inspector": "更换检查人员",
                "exchange_targets": "回避时交换检查对象（调换检查对象）",
                "direct_assign": "直接委派",
                "borrow": "借调人员",
            }
            rows.append((f"{what[name]}由{approval.by}批准", approval.citation))
    for channel in profile.channels:
        if channel.stage == "draw":
            rows.append((f"抽取结果报送：{channel.name}", channel.citation))
    return rows


def _utc_text(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def context(session: Session, draw: Draw) -> dict[str, Any]:
    """What the record shows, as template variables."""
    result = outcome_mod.build(session, draw)
    task = result.task
    profile = draws_service.profile_of(session, draw)
    initiating = session.get(Department, task.department_id)
    participants = [
        d.name
        for d in (session.get(Department, p.department_id) for p in task.participants)
        if d is not None
    ]
    items = []
    from spotcheck.catalog.models import CheckItemVersion  # a leaf import: names of the items

    for position, item in enumerate(task.items):
        version = session.get(CheckItemVersion, item.item_version_id)
        label = "主事项" if item.is_main or position == 0 else "关联事项"
        items.append((label, version.name if version else f"#{item.item_id}"))
    listed = list(visits.every(session, draw)) if draw.selected_count <= LIST_IN_PDF else None
    return {
        "o": result,
        "draw": draw,
        "task": task,
        "profile": profile,
        "profile_version": draws_service.version_of(session, draw),
        "articles": profile_articles(profile),
        "initiating": initiating.name if initiating else "",
        "participants": participants,
        "items": items,
        "plan_title": task.plan.title if task.plan else "专项检查（计划外）",
        "committed_at_utc": _utc_text(draw.committed_at),
        "committed_at_local": outcome_mod.local_time(draw.committed_at),
        "computed_at_local": outcome_mod.local_time(draw.computed_at),
        "computed_at_utc": _utc_text(draw.computed_at),
        "entropy_plan": draw.entropy_plan,
        "visits": listed,
        "list_in_pdf": LIST_IN_PDF,
        "witnesses": list(draw.witnesses),
        "blank_rows": range(BLANK_SIGNATURE_ROWS),
        "seed": draw.seed,
    }


def render_html(session: Session, draw: Draw) -> str:
    """The record as HTML (the PDF's source; also handy in tests)."""
    return _env.get_template("portal/record_pdf.html").render(**context(session, draw))


def record_pdf(session: Session, draw: Draw) -> bytes:
    """The 抽取记录 of a computed draw as PDF bytes."""
    from weasyprint import HTML  # heavy: loaded only when a PDF is made

    pdf: bytes = HTML(string=render_html(session, draw), base_url=str(TEMPLATE_DIR)).write_pdf()
    return pdf
