"""The hash primitives of SSJ-DRAW-1: tags, length prefixes, commitments and tickets."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

SPEC = "ssj-draw-v1"


def tag(name: str) -> bytes:
    """T(x): the ASCII tag "ssj-draw-v1/" + x that separates the uses of SHA-256."""
    return f"{SPEC}/{name}".encode("ascii")


def lp(data: bytes) -> bytes:
    """lp(b): the length of b as 4-byte unsigned big-endian, then b."""
    return len(data).to_bytes(4, "big") + data


TAG_COMMIT = tag("commit")
TAG_SEED = tag("seed")
TAG_TARGET = tag("target")
TAG_POOL = tag("pool")
TAG_INSPECTOR = tag("inspector")


def commitment(key: str, salt: bytes) -> str:
    """c = H(T("commit") ‖ salt ‖ lp(key)) as 64 lowercase hex digits."""
    return hashlib.sha256(TAG_COMMIT + salt + lp(key.encode("utf-8"))).hexdigest()


def target_prefix(seed: bytes) -> bytes:
    """The bytes every target ticket message starts with: T("target") ‖ seed."""
    return TAG_TARGET + seed


def target_ticket(seed: bytes, target: str) -> bytes:
    """target_ticket(c) = H(T("target") ‖ seed ‖ c as 32 bytes), as 32 bytes."""
    return hashlib.sha256(TAG_TARGET + seed + bytes.fromhex(target)).digest()


def pool_ticket(seed: bytes, slot: str, inspector: str) -> bytes:
    """H(T("pool") ‖ seed ‖ lp(slot name) ‖ lp(inspector)), which ranks a pool for `draw`."""
    message = TAG_POOL + seed + lp(slot.encode("utf-8")) + lp(inspector.encode("utf-8"))
    return hashlib.sha256(message).digest()


def inspector_ticket(seed: bytes, target: str, inspector: str) -> bytes:
    """inspector_ticket(c, i) = H(T("inspector") ‖ seed ‖ c as 32 bytes ‖ lp(i))."""
    message = TAG_INSPECTOR + seed + bytes.fromhex(target) + lp(inspector.encode("utf-8"))
    return hashlib.sha256(message).digest()


def working_pool(seed: bytes, slot: str, pool: Sequence[str], draw: int | None) -> list[str]:
    """The inspectors a slot works with: the `draw` lowest pool tickets, else the whole pool.

    Returned in pool order (sorted keys) so that the result does not depend on ticket order;
    ties between equal tickets go to the smaller key, as the spec says.
    """
    if draw is None:
        return list(pool)
    ranked = sorted(pool, key=lambda inspector: (pool_ticket(seed, slot, inspector), inspector))
    chosen = set(ranked[:draw])
    return [inspector for inspector in pool if inspector in chosen]


def rank_inspectors(seed: bytes, target: str, lp_keys: Sequence[bytes]) -> list[int]:
    """Indices of a working pool ranked by inspector ticket for one target (ties: smaller key).

    `lp_keys` are the length-prefixed UTF-8 keys of the working pool in ascending key order,
    so that sorting (ticket, index) breaks ties by ascending inspector key.
    """
    prefix = TAG_INSPECTOR + seed + bytes.fromhex(target)
    sha = hashlib.sha256
    tickets = [sha(prefix + key).digest() for key in lp_keys]
    return sorted(range(len(lp_keys)), key=tickets.__getitem__)
