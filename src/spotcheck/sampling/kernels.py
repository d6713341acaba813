"""Chunk kernels of the scan: validate, hash and filter thousands of commitments per call.

Every loop here runs inside C (str.join, binascii, struct, map, itertools.compress), because
the per-item cost of a Python-level loop would exceed the cost of the SHA-256 call itself.
The same kernels run in the parent process for small draws and in worker processes for large
ones, so both paths compute exactly the same thing.
"""

from __future__ import annotations

import binascii
import collections
import hashlib
import importlib
import itertools
import operator
import struct
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

from .tickets import TAG_COMMIT, TAG_INSPECTOR


def _compiled() -> Any:
    """The compiled kernels (setup.py builds them from _native.c), or None without them.

    Looked up by name, not imported: this module is also part of the standalone verifier
    script (standalone_verifier), which has no package and runs the pure-Python code.
    """
    if not __package__:
        return None
    try:
        return importlib.import_module(f"{__package__}._native")
    except ImportError:  # pragma: no cover - no compiler where the package was installed
        return None


_native = _compiled()

#: Whether the compiled kernels are used; tests switch it off to compare both paths.
NATIVE = _native is not None

_STRIDE = 67  # 64 hex digits and the separator '","'
_BLOCK = 512
_BLOCKS: dict[str, struct.Struct] = {}
_sha256 = hashlib.sha256
_digest = type(hashlib.sha256()).digest
_copy = type(hashlib.sha256()).copy
_update = type(hashlib.sha256()).update

_LAST = operator.itemgetter(-1)

Survivor = tuple[bytes, bytes]  # (target ticket, commitment as 32 bytes)


def encode_chunk(candidates: Sequence[str]) -> bytes:
    """The candidates joined by '","' as ASCII: their canonical JSON without the outer quotes.

    Raises TypeError (a non-string) or UnicodeEncodeError (non-ASCII); both mean invalid input.
    """
    return '","'.join(candidates).encode("ascii")


def split_fixed(data: bytes, width: int, count: int, skip: int = 0) -> list[bytes]:
    """Cut `count` items of `width` bytes, each but the last followed by `skip` ignored
    bytes, out of data.

    struct does the cutting in C; its formats are compiled once per block size and reused,
    since compiling a format for every chunk size costs as much as the cutting itself.
    """
    fmt = f"{width}s{skip}x" if skip else f"{width}s"
    block = _block_struct(fmt)
    out: list[bytes] = []
    offset = 0
    # Whole blocks while more than a block remains (so the block's trailing skip exists);
    # the last item of the tail has no skip after it.
    while count - len(out) > _BLOCK:
        out.extend(block.unpack_from(data, offset))
        offset += block.size
    rest = count - len(out)
    if rest:
        out.extend(struct.unpack_from(fmt * (rest - 1) + f"{width}s", data, offset))
    return out


def _block_struct(fmt: str) -> struct.Struct:
    compiled = _BLOCKS.get(fmt)
    if compiled is None:
        compiled = _BLOCKS[fmt] = struct.Struct(fmt * _BLOCK)
    return compiled


def decode_chunk(encoded: bytes, count: int) -> bytes | None:
    """The `count` commitments of an encoded chunk as 32 bytes each, or None if any of them is
    not exactly 64 lowercase hex digits or they are not strictly ascending."""
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
    # Dropping the separators with struct is much faster than bytes.replace or translate;
    # lowercase hex digits compare like the numbers they spell, so the order check is here.
    pieces = split_fixed(encoded, 64, count, skip=3)
    if not strictly_ascending(pieces):
        return None
    try:
        return binascii.a2b_hex(b"".join(pieces))
    except binascii.Error:
        return None


def split32(raw: bytes) -> list[bytes]:
    """Cut concatenated 32-byte commitments into separate bytes objects."""
    return split_fixed(raw, 32, len(raw) // 32)


def strictly_ascending(items: Sequence[Any]) -> bool:
    """True when every item is smaller than the next (sorted and duplicate-free)."""
    return all(map(operator.lt, items, itertools.islice(items, 1, None)))


def disjoint(groups: Sequence[Sequence[bytes]]) -> bool:
    """True when no item occurs in two of the (each duplicate-free) groups."""
    filled = [g for g in groups if g]
    if len(filled) < 2:
        return True
    # A set of all items is smaller than their number exactly when two groups share one;
    # hashing 32-byte items is cheaper here than merging the sorted runs.
    seen = set(filled[0])
    for group in filled[1:]:
        seen.update(group)
    return len(seen) == sum(map(len, filled))


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
    if not commitments:
        return []
    tickets = _tickets(prefix, commitments)
    if bound is None:
        return list(zip(tickets, commitments, strict=True))
    # operator.gt over itertools.repeat is faster than the bound method bound.__gt__.
    below = map(operator.gt, itertools.repeat(bound), tickets)
    kept = list(itertools.compress(commitments, below))
    # Recomputing the few kept tickets is cheaper than keeping all of them.
    return [(_sha256(prefix + c).digest(), c) for c in kept]


def _tickets(prefix: bytes, items: Sequence[bytes]) -> Iterator[bytes]:
    """H(prefix ‖ item) for every item, lazily.

    Copying a hash state that has absorbed the prefix and feeding it the item, all through
    map() in C, is cheaper than building every message and hashing it from scratch; the
    compiled kernel, when built, hashes all items in one call.
    """
    if NATIVE and items:
        joined = b"".join(items)
        if len(joined) == 32 * len(items):
            return iter(split32(_native.digests(prefix, joined, 32)))
    start = _sha256(prefix)
    states = list(map(_copy, itertools.repeat(start, len(items))))
    collections.deque(map(_update, states, items), maxlen=0)
    return map(_digest, states)


def rank_targets(
    seed: bytes, targets: Sequence[bytes], lp_keys: Sequence[Sequence[bytes]]
) -> list[tuple[bytes, ...]]:
    """For each target and slot, the working pool's indices ranked by inspector ticket.

    Each ranking is packed as bytes: one byte per index for pools up to 256, else 4 bytes.
    Ties (equal tickets) go to the smaller index, which is the smaller key. Everything runs
    in C-level maps over all targets at once: each target's hash state after
    T("inspector") ‖ seed ‖ c is computed once and copied for every inspector, and each
    ticket is suffixed with its index so that plain sorting ranks it.
    """
    head = TAG_INSPECTOR + seed
    if NATIVE and targets:
        joined = b"".join(targets)
        if len(joined) == 32 * len(targets):
            ranked = [_native.rank(head, joined, list(keys)) for keys in lp_keys]
            return list(zip(*ranked, strict=True)) if ranked else [() for _ in targets]
    out: list[tuple[bytes, ...]] = []
    # Small batches keep the hash states' memory warm and reused; one huge batch is slower.
    for at in range(0, len(targets), 256):
        starts = list(map(_sha256, map(head.__add__, targets[at : at + 256])))
        out.extend(zip(*[_rank_slot(starts, keys) for keys in lp_keys], strict=True))
    return out


def _rank_slot(starts: list[Any], keys: Sequence[bytes]) -> list[bytes]:
    size = len(keys)
    if not size:
        return [b""] * len(starts)
    repeated = itertools.chain.from_iterable(map(itertools.repeat, starts, itertools.repeat(size)))
    states = list(map(_copy, repeated))
    collections.deque(map(_update, states, itertools.cycle(keys)), maxlen=0)
    wide = size > 256
    suffixes = [i.to_bytes(4 if wide else 1, "big") for i in range(size)]
    marked = map(operator.add, map(_digest, states), itertools.cycle(suffixes))
    ranked = map(sorted, zip(*[marked] * size, strict=True))  # groups of `size`, per target
    if not wide:
        return list(map(bytes, map(map, itertools.repeat(_LAST), ranked)))
    return [pack_order([int.from_bytes(t[32:], "big") for t in r], size) for r in ranked]


def commitments(secret: bytes, keys: bytes) -> tuple[bytes, bytes]:
    """The compiled kernel's salts and hex commitments of NUL-terminated UTF-8 keys
    (build.commit_all is the caller; it checks NATIVE first)."""
    assert _native is not None
    salts, hexes = _native.commitments(secret, keys, TAG_COMMIT)
    return bytes(salts), bytes(hexes)


def pack_order(order: Sequence[int], size: int) -> bytes:
    """Pack a ranking of indices into bytes (see rank_targets)."""
    return bytes(order) if size <= 256 else array("I", order).tobytes()


def unpack_order(packed: bytes, size: int) -> Sequence[int]:
    """Undo pack_order."""
    if size <= 256:
        return packed
    return array("I", packed)
