"""Building a manifest from plain inputs, with salted commitments and the private openings."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from . import kernels
from .canonical import _FORBIDDEN_CHARS, check_string
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


def commit_all(secret: bytes, keys: Sequence[str]) -> tuple[list[bytes], list[str]]:
    """The salts (salt_for) and the hex commitments of keys, in the order of keys.

    The compiled kernel does all of them in one call when it is built and no key holds a NUL
    character (its separator); otherwise each goes through hmac and hashlib.
    """
    joined = "\x00".join(keys)
    if kernels.NATIVE and keys and joined.count("\x00") == len(keys) - 1:
        raw_salts, hexes = kernels.commitments(secret, (joined + "\x00").encode("utf-8"))
        text = hexes.decode("ascii")
        return kernels.split32(raw_salts), [text[i : i + 64] for i in range(0, len(text), 64)]
    salts = [salt_for(secret, key) for key in keys]
    commitments = [
        hashlib.sha256(TAG_COMMIT + salt + lp(key.encode("utf-8"))).hexdigest()
        for salt, key in zip(salts, keys, strict=True)
    ]
    return salts, commitments


class Openings(Mapping[str, dict[str, str]]):
    """The private openings of a built manifest: commitment -> {"key", "salt"}.

    Held as three parallel lists, not a million small dicts; the index by commitment is made
    on first lookup. `lines()` gives the stored form (draws.openings).
    """

    def __init__(self) -> None:
        self._commitments: list[str] = []
        self._keys: list[str] = []
        self._salts: list[bytes] = []
        self._index: dict[str, int] | None = None

    def extend(self, commitments: list[str], keys: Sequence[str], salts: list[bytes]) -> None:
        """Add openings (parallel lists)."""
        self._commitments.extend(commitments)
        self._keys.extend(keys)
        self._salts.extend(salts)
        self._index = None

    def _position(self, commitment: str) -> int:
        if self._index is None:
            self._index = dict(zip(self._commitments, itertools.count(), strict=False))
        return self._index[commitment]

    def __getitem__(self, commitment: str) -> dict[str, str]:
        at = self._position(commitment)
        return {"key": self._keys[at], "salt": self._salts[at].hex()}

    def __contains__(self, commitment: object) -> bool:
        try:
            self._position(commitment)  # type: ignore[arg-type]
        except (KeyError, TypeError):
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._commitments)

    def __len__(self) -> int:
        return len(self._commitments)

    def lines(self) -> str:
        """One line "commitment<TAB>key" per opening, in commitment order."""
        # A line sorts like its commitment (64 hex digits, then the tab): sorting the lines
        # themselves is twice as fast as looking each key up in commitment order.
        lines = list(map("{}\t{}\n".format, self._commitments, self._keys))
        lines.sort()
        return "".join(lines)


def _check_keys(name: object, keys: Sequence[Any], n: int) -> None:
    """Refuse a non-string, empty or non-canonical key, naming it.

    All keys are checked at once on their join (a space separates them: it is allowed and
    changes neither check); only when that finds a problem is each key checked to name it.
    """
    try:
        joined = " ".join(keys)
    except TypeError:
        joined = None
    if joined is not None and all(keys) and check_joined(joined):
        return
    for key in keys:
        check_string(key, f"strata[{n}] key")
        if not key:
            raise ManifestError(f"分层 {name!r} 有空的对象标识", f"stratum {name!r}: empty key")


def check_joined(text: str) -> bool:
    """True when text has no forbidden character and is in NFC (canonical.string_problem)."""
    return _FORBIDDEN_CHARS.search(text) is None and unicodedata.is_normalized("NFC", text)


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
) -> tuple[dict[str, Any], Openings]:
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
    openings = Openings()
    by_key: dict[str, str] = {}  # target key -> commitment
    built_strata = []
    for n, stratum in enumerate(strata):
        name = stratum.get("name")
        keys = stratum.get("keys")
        if not isinstance(keys, Sequence) or isinstance(keys, str):
            raise ManifestError(
                f"分层 {name!r} 的 keys 应为对象标识列表", f"stratum {name!r}: keys must be a list"
            )
        _check_keys(name, keys, n)
        salts, candidates = commit_all(secret, keys)
        before = len(by_key)
        by_key.update(zip(keys, candidates, strict=True))
        if len(by_key) != before + len(keys):
            _refuse_duplicate(strata[: n + 1])
        ordered = sorted(candidates)
        openings.extend(candidates, keys, salts)
        built_strata.append({"name": name, "quota": stratum.get("quota"), "candidates": ordered})
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


def _refuse_duplicate(strata: Sequence[Mapping[str, Any]]) -> None:
    """Name the first key found twice among the strata, and where."""
    seen: dict[str, str] = {}
    for stratum in strata:
        name = str(stratum.get("name"))
        for key in stratum["keys"]:
            if key in seen:
                raise ManifestError(
                    f"对象 {key!r} 同时出现在分层 {seen[key]!r} 和 {name!r}（或在同一分层出现两次）",
                    f"target {key!r} appears in both strata {seen[key]!r} and {name!r} "
                    "(or twice in one stratum)",
                )
            seen[key] = name
    raise AssertionError("a duplicate was counted but not found")  # pragma: no cover


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


def _conflicts(pairs: Iterable[tuple[str, str]], by_key: Mapping[str, str]) -> list[list[str]]:
    found: set[tuple[str, str]] = set()
    for inspector, target_key in pairs:
        if target_key not in by_key:
            raise ManifestError(
                f"回避关系中的对象 {target_key!r} 不在任何分层中",
                f"the conflict names target {target_key!r}, which is in no stratum",
            )
        found.add((inspector, by_key[target_key]))
    return [list(pair) for pair in sorted(found)]
