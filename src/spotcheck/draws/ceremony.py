"""Computing a committed draw with the engine, and the 检查日程和人员安排表 (004 二（五）)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.draws import documents, visits
from spotcheck.draws import openings as openings_mod
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.draws.service import move, profile_of, refuse, require_status
from spotcheck.errors import DomainError
from spotcheck.gcpause import paused_gc
from spotcheck.rulebooks.schema import cite
from spotcheck.sampling import DrawError, canonical_json, compute_records
from spotcheck.sampling.canonical import parse_json


def _revealed_in_plan_order(draw: Draw, plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_kind = {item["kind"]: item for item in draw.revealed}
    missing = [p["kind"] for p in plan if p["kind"] not in by_kind]
    if missing:
        names = {"drand-quicknet": "drand 随机数", "dice": "骰子数字"}
        raise DomainError("随机数尚未齐全：缺少" + "、".join(names.get(k, k) for k in missing))
    return [by_kind[p["kind"]] for p in plan]


# The stored public record holds this in place of the manifest; the auditor's record is the
# public one with every opening and `"audience":"auditor"` (spec "The published record").
_NO_MANIFEST = b'"manifest":0,"manifest_digest":'
_OPENINGS, _AFTER_OPENINGS = b',"openings":{', b'},"seed":"'
_ENTROPY = b',"entropy":['


def record_core(public: dict[str, Any]) -> str:
    """The public record's canonical text without the manifest (what is stored)."""
    return canonical_json({**public, "manifest": 0})


def _once(text: documents.Stored, marker: bytes, start: int = 0) -> int:
    at = text.find(marker, start)
    if at < 0:
        raise RuntimeError(f"a stored record lacks {marker!r}")
    return at


def assemble(core: bytes, manifest: bytes, openings: bytes | None = None) -> bytes:
    """The record's canonical UTF-8 text from the stored parts (see pieces)."""
    return b"".join(pieces(core, manifest, openings))


def pieces(
    core: documents.Stored, manifest: documents.Stored, openings: bytes | None = None
) -> list[bytes | memoryview]:
    """The record's canonical UTF-8 text from the stored parts, in pieces to join or write one
    after the other: the core with the manifest put back, and for the auditor's copy every
    opening and its audience.

    Canonical JSON sorts keys and escapes every quote inside strings, so each marker below can
    only be the top-level key it names, and the first match is that key (tests compare the result
    with the engine's own auditor record, byte for byte). Done on bytes and without joining: a
    national draw's record is hundreds of megabytes, which every copy costs time for."""
    # (where, how many bytes of the core it replaces, what goes there), in any order
    edits: list[tuple[int, int, list[bytes | memoryview]]] = [
        (_once(core, _NO_MANIFEST), len(b'"manifest":0'), [b'"manifest":', memoryview(manifest)])
    ]
    if openings is not None:
        start = _once(core, _OPENINGS) + len(_OPENINGS) - 1
        end = _once(core, _AFTER_OPENINGS, start) + 1
        edits.append((start, end - start, [openings]))
        edits.append((_once(core, _ENTROPY), 0, [b',"audience":"auditor"']))
    out: list[bytes | memoryview] = []
    at = 0
    whole = memoryview(core)  # slices of a view are not copies
    for where, cut, insert in sorted(edits, key=lambda edit: edit[0]):
        out.append(whole[at:where])
        out += insert
        at = where + cut
    out.append(whole[at:])
    return out


def record_pieces(session: Session, draw: Draw, auditor: bool = False) -> list[bytes | memoryview]:
    """The public (or auditor's) record of a computed draw, as canonical JSON in UTF-8, in
    pieces (see pieces): write them one after the other."""
    if draw.computed_at is None or not documents.has(session, draw, documents.RECORD):
        raise DomainError(f"抽取 {draw.code} 尚未完成，没有抽取记录")
    kinds = [documents.RECORD, documents.MANIFEST] + ([documents.OPENINGS] if auditor else [])
    texts = documents.views(session, draw, kinds)
    every = None
    if auditor:
        secret = bytes.fromhex(draw.secret_hex)
        every = openings_mod.canonical(bytes(texts[documents.OPENINGS]), secret)
    return pieces(texts[documents.RECORD], texts[documents.MANIFEST], every)


def record_bytes(session: Session, draw: Draw, auditor: bool = False) -> bytes:
    """The public (or auditor's) record of a computed draw, as canonical JSON in UTF-8."""
    return b"".join(record_pieces(session, draw, auditor))


def record_text(session: Session, draw: Draw, auditor: bool = False) -> str:
    """record_bytes as text."""
    return record_bytes(session, draw, auditor).decode("utf-8")


def record(session: Session, draw: Draw, auditor: bool = False) -> dict[str, Any]:
    """The public (or auditor's) record of a computed draw."""
    value: dict[str, Any] = parse_json(record_text(session, draw, auditor))
    return value


def records(
    session: Session, draw: Draw, events: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The public record of the committed draw with these events, from one run of the engine
    (DrawError). The auditor's record is the same run with every opening: `assemble`."""
    manifest = documents.value(session, draw, documents.MANIFEST)
    entropy = _revealed_in_plan_order(draw, manifest["entropy"])
    stored = documents.text(session, draw, documents.OPENINGS)
    openings = openings_mod.Openings(stored, bytes.fromhex(draw.secret_hex))
    with paused_gc():
        (public,) = compute_records(
            manifest,
            entropy,
            events or [],
            openings=openings,
            manifest_digest=draw.digest,
            audiences=("public",),
            require_signature=True,
        )
    return public


def store_record(session: Session, draw: Draw, public: dict[str, Any]) -> None:
    """Store the public record (without its manifest, which is stored already)."""
    documents.put(session, draw, documents.RECORD, record_core(public))


def compute(session: Session, actor: Actor, draw: Draw) -> Draw:
    """Compute the draw once: one engine run, the public record (the auditor's is put together
    from it and the openings when asked for), then the drawn targets."""
    require_status(session, actor, draw, {DrawStatus.COMMITTED}, "计算抽取结果")
    witnesses = profile_of(session, draw).witnesses
    lacking = witnesses.shortfall([w.kind for w in draw.witnesses])
    if lacking:
        raise refuse(
            session,
            actor,
            draw,
            "计算抽取结果",
            f"{cite(witnesses.article)}：监督人不足，还须到场并登记 {'；'.join(lacking)}"
            f"（身份：{'、'.join(witnesses.choices)}）",
        )
    try:
        public = records(session, draw)
    except DrawError as exc:
        raise DomainError(f"抽取计算被拒绝：{exc.zh}") from exc
    store_record(session, draw, public)
    documents.forget(session)
    draw.computed_at = utcnow()
    draw.computed_by = actor.name[:60]
    draw.seed = public["seed"]
    visits.write(session, draw, public)
    move(
        session,
        actor,
        draw,
        DrawStatus.COMPUTED,
        f"{draw.code}：抽取完成，抽中 {draw.selected_count} 个对象，种子 {public['seed']}",
        {"seed": public["seed"], "selected": draw.selected_count, "list": draw.list_sha256},
    )
    session.flush()
    return draw


def target_names(session: Session, draw: Draw, keys: list[str]) -> dict[str, str]:
    """Names of targets by key, from the initiating agency's registries (batched lookups)."""
    return visits.target_names(session, draw, keys)


def schedule(session: Session, draw: Draw) -> Iterator[dict[str, Any]]:
    """检查日程和人员安排表: visit order, target, and per slot the inspectors with certificates."""
    for visit in visits.every(session, draw):
        yield {
            "order": visit.order,
            "target_key": visit.key,
            "target_name": visit.name,
            "inspectors": [
                {
                    "slot": m.slot,
                    "key": m.key,
                    "name": m.name,
                    "cert_no": m.cert_no,
                    "leader": m.leader,
                }
                for m in visit.members
            ],
        }
