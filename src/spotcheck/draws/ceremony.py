"""Computing a committed draw with the engine, and the 检查日程和人员安排表 (004 二（五）)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.draws.models import Draw, DrawnTarget, DrawStatus
from spotcheck.draws.service import move, profile_of, require_status, task_of
from spotcheck.errors import DomainError
from spotcheck.gcpause import paused_gc
from spotcheck.inspectors.models import Inspector
from spotcheck.sampling import DrawError, canonical_json, compute_record
from spotcheck.sampling.canonical import parse_json
from spotcheck.targets.models import Target


def _revealed_in_plan_order(draw: Draw, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    by_kind = {item["kind"]: item for item in draw.revealed}
    missing = [p["kind"] for p in manifest["entropy"] if p["kind"] not in by_kind]
    if missing:
        names = {"drand-quicknet": "drand 随机数", "dice": "骰子数字"}
        raise DomainError("随机数尚未齐全：缺少" + "、".join(names.get(k, k) for k in missing))
    return [by_kind[p["kind"]] for p in manifest["entropy"]]


def record(draw: Draw, auditor: bool = False) -> dict[str, Any]:
    """The stored public (or auditor's) record of a computed draw."""
    text = draw.auditor_record_text if auditor else draw.record_text
    if not text:
        raise DomainError(f"抽取 {draw.code} 尚未完成，没有抽取记录")
    value: dict[str, Any] = parse_json(text)
    return value


def records(
    draw: Draw, events: list[dict[str, Any]] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The public and the auditor's record of the committed draw with these events (DrawError)."""
    manifest = parse_json(draw.manifest_text)
    entropy = _revealed_in_plan_order(draw, manifest)
    with paused_gc():
        both = [
            compute_record(
                manifest,
                entropy,
                events or [],
                openings=draw.openings,
                manifest_digest=draw.digest,
                audience=audience,
                require_signature=True,
            )
            for audience in ("public", "auditor")
        ]
    return both[0], both[1]


def compute(session: Session, actor: Actor, draw: Draw) -> Draw:
    """Compute the draw once: the public and auditor records, then the drawn targets."""
    require_status(session, actor, draw, {DrawStatus.COMMITTED}, "计算抽取结果")
    witnesses = profile_of(session, draw).witnesses
    if len(draw.witnesses) < witnesses.required:
        kinds = "、".join(witnesses.kinds)
        raise DomainError(
            f"依据 {witnesses.article}：须有 {witnesses.required} 名监督人到场"
            f"（{kinds}），现登记 {len(draw.witnesses)} 名"
        )
    try:
        public, auditor = records(draw)
    except DrawError as exc:
        raise DomainError(f"抽取计算被拒绝：{exc.zh}") from exc
    draw.record_text = canonical_json(public)
    draw.auditor_record_text = canonical_json(auditor)
    draw.computed_at = utcnow()
    draw.computed_by = actor.name[:60]
    task = task_of(session, draw)
    names = target_names(session, draw, [o["key"] for o in public["openings"].values()])
    selected = [c for row in public["selected"].values() for c in row]
    move(
        session,
        actor,
        draw,
        DrawStatus.COMPUTED,
        f"{draw.code}：抽取完成，抽中 {len(selected)} 个对象，种子 {public['seed']}",
        {"seed": public["seed"], "selected": len(selected)},
    )
    for c in selected:
        key = draw.openings[c]["key"]
        session.add(DrawnTarget(task_id=task.id, target_key=key, target_name=names.get(key, "")))
    session.flush()
    return draw


def target_names(session: Session, draw: Draw, keys: list[str]) -> dict[str, str]:
    """Names of targets by key, from the initiating agency's registries."""
    department = session.get(Department, draw.department_id)
    if department is None or not keys:
        return {}
    scope = departments_service.acting_scope(session, department)
    rows = session.execute(
        select(Target.key, Target.name).where(Target.department_id.in_(scope), Target.key.in_(keys))
    )
    return {key: name for key, name in rows}


def schedule(session: Session, draw: Draw) -> list[dict[str, Any]]:
    """检查日程和人员安排表: visit order, target, and per slot the inspectors with certificates."""
    rec = record(draw)
    keys = {i for a in rec["assignments"] for _, i in a["inspectors"]}
    people = {p.key: p for p in session.scalars(select(Inspector).where(Inspector.key.in_(keys)))}
    openings = rec["openings"]
    names = target_names(session, draw, [o["key"] for o in openings.values()])
    rows = []
    for n, assignment in enumerate(rec["assignments"], start=1):
        key = openings[assignment["target"]]["key"]
        members = []
        for position, (slot, inspector) in enumerate(assignment["inspectors"]):
            person = people.get(inspector)
            members.append(
                {
                    "slot": slot,
                    "key": inspector,
                    "name": person.name if person else inspector,
                    "cert_no": person.cert_no if person else "",
                    "leader": position == 0,
                }
            )
        rows.append(
            {
                "order": n,
                "target_key": key,
                "target_name": names.get(key, ""),
                "inspectors": members,
            }
        )
    return rows
