"""Building a manifest from plain inputs, with salted commitments and the private openings."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .canonical import check_string
from .entropy import to_timestamp, utc_text
from .errors import ManifestError
from .manifest import DICE, DRAND, REQUIRED_FIELDS, feasibility_problem, parse_manifest
from .tickets import SPEC, TAG_COMMIT, lp

MIN_SECRET_BYTES = 16


def drand_plan(number: int) -> dict[str, Any]:
    """An entropy plan item for drand quicknet round `number`."""
    return {"kind": DRAND, "round": number}


def dice_plan(digits: int) -> dict[str, Any]:
    """An entropy plan item for `digits` ten-sided dice digits."""
    return {"kind": DICE, "digits": digits}


def salt_for(secret: bytes, key: str) -> bytes:
    """The salt of a target in a draw: HMAC-SHA256(per-draw secret, key)."""
    return hmac.digest(secret, key.encode("utf-8"), "sha256")


def build_manifest(
    *,
    task: str,
    policy: str,
    committed_at: str | dt.datetime,
    strata: Sequence[Mapping[str, Any]],
    slots: Sequence[Mapping[str, Any]],
    entropy: Sequence[Mapping[str, Any]],
    secret: bytes,
    conflicts: Iterable[tuple[str, str]] = (),
    extra: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Build a well-formed, feasible manifest and its private openings.

    `strata`: [{"name", "quota", "keys": target keys}]; `slots`: [{"name", "count", "pool":
    inspector keys, optional "draw"}] in group order; `conflicts`: (inspector key, target key)
    pairs; `entropy`: the plan (see drand_plan, dice_plan); `secret`: a per-draw secret of at
    least 16 random bytes, from which each salt is HMAC-SHA256(secret, key). A datetime
    `committed_at` with a fraction of a second is rounded up, so that the stated time is never
    earlier than the real one. Returns (manifest, openings {commitment: {key, salt}}); raises
    ManifestError (or InfeasibleError) naming the stratum, slot or key at fault.
    """
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the per-draw secret must have at least {MIN_SECRET_BYTES} bytes")
    openings: dict[str, dict[str, str]] = {}
    by_key: dict[str, tuple[str, str]] = {}  # target key -> (commitment, stratum name)
    built_strata = []
    for n, stratum in enumerate(strata):
        name = stratum.get("name")
        keys = stratum.get("keys")
        if not isinstance(keys, Sequence) or isinstance(keys, str):
            raise ManifestError(
                f"分层 {name!r} 的 keys 应为对象标识列表", f"stratum {name!r}: keys must be a list"
            )
        candidates = []
        for key in keys:
            check_string(key, f"strata[{n}] key")
            if not key:
                raise ManifestError(f"分层 {name!r} 有空的对象标识", f"stratum {name!r}: empty key")
            if key in by_key:
                where = by_key[key][1]
                raise ManifestError(
                    f"对象 {key!r} 同时出现在分层 {where!r} 和 {name!r}（或在同一分层出现两次）",
                    f"target {key!r} appears in both strata {where!r} and {name!r} "
                    "(or twice in one stratum)",
                )
            salt = salt_for(secret, key)
            commitment = hashlib.sha256(TAG_COMMIT + salt + lp(key.encode("utf-8"))).hexdigest()
            by_key[key] = (commitment, str(name))
            openings[commitment] = {"key": key, "salt": salt.hex()}
            candidates.append(commitment)
        candidates.sort()
        built_strata.append({"name": name, "quota": stratum.get("quota"), "candidates": candidates})
    manifest: dict[str, Any] = {
        "spec": SPEC,
        "task": task,
        "policy": policy,
        "committed_at": _utc(committed_at),
        "strata": built_strata,
        "slots": [_slot(slot) for slot in slots],
        "conflicts": _conflicts(conflicts, by_key),
        "entropy": [dict(item) for item in entropy],
    }
    for field_name, value in (extra or {}).items():
        if field_name in REQUIRED_FIELDS:
            raise ValueError(f"extra cannot replace the field {field_name!r}")
        manifest[field_name] = value
    parsed = parse_manifest(manifest)
    problem = feasibility_problem(parsed)
    if problem is not None:
        raise problem
    return manifest, openings


def _utc(moment: str | dt.datetime) -> str:
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise ValueError("committed_at must be timezone-aware (UTC)")
        whole = to_timestamp(moment) + (1 if moment.microsecond else 0)
        return utc_text(whole)
    return utc_text(to_timestamp(moment))


def _slot(slot: Mapping[str, Any]) -> dict[str, Any]:
    pool = slot.get("pool")
    if not isinstance(pool, Sequence) or isinstance(pool, str):
        raise ManifestError(
            f"岗位 {slot.get('name')!r} 的 pool 应为人员列表",
            f"slot {slot.get('name')!r}: pool must be a list of inspector keys",
        )
    ordered = sorted(pool)
    for a, b in itertools.pairwise(ordered):
        if a == b:
            raise ManifestError(
                f"岗位 {slot.get('name')!r} 的人员库中 {a!r} 出现两次",
                f"slot {slot.get('name')!r}: inspector {a!r} is in the pool twice",
            )
    out: dict[str, Any] = {"name": slot.get("name"), "count": slot.get("count"), "pool": ordered}
    if slot.get("draw") is not None:
        out["draw"] = slot["draw"]
    return out


def _conflicts(
    pairs: Iterable[tuple[str, str]], by_key: Mapping[str, tuple[str, str]]
) -> list[list[str]]:
    found: set[tuple[str, str]] = set()
    for inspector, target_key in pairs:
        if target_key not in by_key:
            raise ManifestError(
                f"回避关系中的对象 {target_key!r} 不在任何分层中",
                f"the conflict names target {target_key!r}, which is in no stratum",
            )
        found.add((inspector, by_key[target_key][0]))
    return [list(pair) for pair in sorted(found)]
