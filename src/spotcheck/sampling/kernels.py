"""Chunk kernels of the scan: validate, hash and filter thousands of commitments per call.

Every loop here runs inside C (str.join, binascii, struct, map, itertools.compress), because
the per-item cost of a Python-level loop would exceed the cost of the SHA-256 call itself.
The same kernels run in the parent process for small draws and in worker processes for large
ones, so both paths compute exactly the same thing.
"""

from __future__ import annotations

import binascii
import hashlib
import itertools
import operator
import struct
from array import array
from collections.abc import Sequence
from typing import Any

from .tickets import TAG_INSPECTOR

_STRIDE = 67  # 64 hex digits and the separator '","'
_sha256 = hashlib.sha256
_digest = type(hashlib.sha256()).digest

Survivor = tuple[bytes, bytes]  # (target ticket, commitment as 32 bytes)


def encode_chunk(candidates: list[str]) -> bytes:
    """The candidates joined by '","' as ASCII: their canonical JSON without the outer quotes.

    Raises TypeError (a non-string) or UnicodeEncodeError (non-ASCII); both mean invalid input.
    """
    return '","'.join(candidates).encode("ascii")


def decode_chunk(encoded: bytes, count: int) -> bytes | None:
    """The `count` commitments of an encoded chunk as 32 bytes each, or None if any of them is
    not exactly 64 lowercase hex digits."""
    if count == 0:
        return b"" if not encoded else None
    if len(encoded) != _STRIDE * count - 3:
        return None
    if count > 1:
        # With the total length right, separators at every stride mean every item is 64 long.
        quotes = b'"' * (count - 1)
        if (
            encoded[64::_STRIDE] != quotes
            or encoded[66::_STRIDE] != quotes
            or encoded[65::_STRIDE] != b"," * (count - 1)
        ):
            return None
    if encoded.lower() != encoded:  # a2b_hex below accepts A-F, the spec does not
        return None
    # struct skips the 3 separator bytes of every stride (checked above): much faster than
    # bytes.replace or bytes.translate.
    digits = b"".join(struct.unpack("64s3x" * (count - 1) + "64s", encoded))
    try:
        return binascii.a2b_hex(digits)
    except binascii.Error:
        return None


def split32(raw: bytes) -> tuple[bytes, ...]:
    """Cut concatenated 32-byte commitments into separate bytes objects."""
    count = len(raw) // 32
    return struct.unpack("32s" * count, raw) if count else ()


def strictly_ascending(items: Sequence[Any]) -> bool:
    """True when every item is smaller than the next (sorted and duplicate-free)."""
    return all(map(operator.lt, items, itertools.islice(items, 1, None)))


def disjoint(groups: Sequence[Sequence[bytes]]) -> bool:
    """True when no item occurs in two of the (each duplicate-free) groups."""
    filled = [g for g in groups if g]
    if len(filled) < 2:
        return True
    merged = list(itertools.chain.from_iterable(filled))
    merged.sort()  # timsort merges the already sorted runs in C
    return strictly_ascending(merged)


def threshold(keep: int, total: int) -> bytes | None:
    """A ticket bound below which about `keep` plus a wide margin of `total` tickets fall.

    None means "keep everything". The margin (8 standard deviations and 64 more) makes a
    shortfall practically impossible; the caller still checks and re-scans if it happens.
    """
    if keep >= total:
        return None
    expected = keep + 8 * int(keep**0.5) + 64
    if expected >= total:
        return None
    bound = -(-(expected << 256) // total)
    return bound.to_bytes(32, "big") if bound < 1 << 256 else None


def survivors(prefix: bytes, commitments: Sequence[bytes], bound: bytes | None) -> list[Survivor]:
    """Target tickets of the commitments that fall below `bound` (all when bound is None)."""
    count = len(commitments)
    if not count:
        return []
    width = len(prefix) + 32
    messages = struct.unpack(f"{width}s" * count, prefix + prefix.join(commitments))
    tickets = map(_digest, map(_sha256, messages))
    if bound is None:
        return list(zip(tickets, commitments, strict=True))
    # operator.gt over itertools.repeat is faster than the bound method bound.__gt__.
    below = map(operator.gt, itertools.repeat(bound), tickets)
    kept = list(itertools.compress(commitments, below))
    # Recomputing the few kept tickets is cheaper than keeping all of them.
    return [(_sha256(prefix + c).digest(), c) for c in kept]


def rank_targets(
    seed: bytes, targets: Sequence[bytes], lp_keys: Sequence[Sequence[bytes]]
) -> list[tuple[bytes, ...]]:
    """For each target and slot, the working pool's indices ranked by inspector ticket.

    Each ranking is packed as bytes: one byte per index for pools up to 256, else 4 bytes.
    Ties (equal tickets) go to the smaller index, which is the smaller key.
    """
    out: list[tuple[bytes, ...]] = []
    head = TAG_INSPECTOR + seed
    for target in targets:
        prefix = head + target
        per_slot: list[bytes] = []
        for keys in lp_keys:
            tickets = list(map(_digest, map(_sha256, map(prefix.__add__, keys))))
            order = sorted(range(len(keys)), key=tickets.__getitem__)
            per_slot.append(pack_order(order, len(keys)))
        out.append(tuple(per_slot))
    return out


def pack_order(order: Sequence[int], size: int) -> bytes:
    """Pack a ranking of indices into bytes (see rank_targets)."""
    return bytes(order) if size <= 256 else array("I", order).tobytes()


def unpack_order(packed: bytes, size: int) -> Sequence[int]:
    """Undo pack_order."""
    if size <= 256:
        return packed
    return array("I", packed)
