"""The scan: digest, commitment checks and ranking of every stratum, serial or on all cores.

One pass over the candidates does three things: it streams the canonical JSON into SHA-256
(the manifest digest), checks every commitment (64 lowercase hex digits, sorted, unique in
its stratum and across strata) and, once the digest gives the seed, computes every target
ticket and keeps only the lowest ones of each stratum: the quota plus the alternates that
are needed, never all tickets. Large manifests are cut into ranges of commitment values;
worker processes check and hash the ranges while the parent computes the digest.
"""

from __future__ import annotations

import bisect
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .canonical import Splice, iter_canonical
from .kernels import encode_chunk, rank_targets, threshold
from .manifest import Manifest, explain_candidates
from .tickets import target_prefix
from .workers import (
    WARM_LIMIT,
    Found,
    Worker,
    _State,
    acquire,
    handle,
    release,
    scan_ranges,
)

PARALLEL_MIN_CANDIDATES = 250_000
PARALLEL_MIN_HASHES = 40_000
CHUNK = 2048

Ranked = list[tuple[bytes, str]]  # (target ticket, commitment) in ticket order


@dataclass
class ScanResult:
    """The digest, the seed, each stratum's lowest-ticket prefix of its ranking, and the
    inspector rankings already computed for some of those commitments."""

    digest: bytes
    seed: bytes
    ranked: list[Ranked]
    orders: dict[str, tuple[bytes, ...]]


def default_workers() -> int:
    """How many worker processes to use: one per available core."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Bad(Exception):
    """Some chunk is malformed; the slow explainer finds and names the exact commitment."""


class Scanner:
    """Runs the scan serially or with worker processes; use as a context manager."""

    def __init__(self, manifest: Manifest, workers: int | None = None) -> None:
        self.manifest = manifest
        wanted = default_workers() if workers is None else workers
        self.parallel = wanted >= 2 and manifest.total_candidates >= PARALLEL_MIN_CANDIDATES
        self.wanted = wanted
        self.pool: list[Worker] = []
        self.local = _State()
        self.pending = 0  # replies asked for and not yet read
        if self.parallel:
            try:
                self.pool = acquire(wanted)
            except OSError:  # cannot start processes here: do the same work serially
                self.close(reusable=False)
                self.parallel = False

    def __enter__(self) -> Scanner:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(reusable=kind is None)

    def close(self, reusable: bool = False) -> None:
        """Give the worker processes back (warm, if they finished cleanly) or stop them."""
        clean = reusable and self.pending == 0
        release(self.pool, clean and self.manifest.total_candidates <= WARM_LIMIT)
        self.pool = []

    def run(
        self,
        seed_for: Callable[[bytes], bytes],
        keep: Sequence[int | None],
        keys_for: Callable[[bytes], list[list[bytes]]] | None = None,
    ) -> ScanResult:
        """Digest, check and rank; `keep[s]` is how much of stratum s's ranking to keep
        (None: all of it); `keys_for(seed)` gives each slot's working pool as length-prefixed
        keys, to rank inspectors for the kept commitments on the way. Raises ManifestError
        naming a bad commitment."""
        try:
            return self._run(seed_for, keep, keys_for)
        except (RuntimeError, OSError):  # a worker process failed: do it all again alone
            self._go_serial()
            return self._run(seed_for, keep, keys_for)

    def _run(
        self,
        seed_for: Callable[[bytes], bytes],
        keep: Sequence[int | None],
        keys_for: Callable[[bytes], list[list[bytes]]] | None,
    ) -> ScanResult:
        try:
            digest = self._digest_and_dispatch()
            seed = seed_for(digest)
            lp_keys = keys_for(seed) if keys_for is not None else None
            ranked, orders = self._rank_strata(seed, keep, lp_keys)
        except _Bad:
            raise explain_candidates(self.manifest) from None
        return ScanResult(digest, seed, ranked, orders)

    def _go_serial(self) -> None:
        release(self.pool, False)
        self.pool = []
        self.pending = 0
        self.parallel = False
        self.local = _State()

    def validate(self) -> bytes:
        """Only digest and check the commitments; no seed, no tickets."""
        for attempt in (1, 2):
            try:
                digest = self._digest_and_dispatch()
                self._scan(None, [None] * len(self.manifest.strata), [], None)
                return digest
            except _Bad:
                raise explain_candidates(self.manifest) from None
            except (RuntimeError, OSError):
                if attempt == 2:
                    raise
                self._go_serial()
        raise AssertionError("unreachable")

    def _parts(self, candidates: Sequence[str], bounds: Sequence[str]) -> list[int]:
        positions = [0]
        for bound in bounds:
            try:
                positions.append(bisect.bisect_left(candidates, bound, lo=positions[-1]))
            except TypeError:  # a non-string among the candidates
                raise _Bad from None
        positions.append(len(candidates))
        return positions

    def _digest_and_dispatch(self) -> bytes:
        strata = self.manifest.strata
        largest = max((len(s.candidates) for s in strata), default=0)
        ranges = max(1, -(-largest // CHUNK))
        if self.parallel:
            ranges = max(ranges, 4 * len(self.pool))
        bounds = [format((j << 256) // ranges, "064x") for j in range(1, ranges)]
        hasher = hashlib.sha256()
        for piece in iter_canonical(self.manifest.raw, splice=("strata", "candidates")):
            if not isinstance(piece, Splice):
                hasher.update(piece.encode("utf-8"))
                continue
            index = piece.path[1]
            assert isinstance(index, int)
            candidates = strata[index].candidates
            positions = self._parts(candidates, bounds)
            hasher.update(b"[")
            previous: str | None = None
            for part in range(ranges):
                start, stop = positions[part], positions[part + 1]
                if start == stop:
                    continue
                chunk = candidates[start:stop]
                try:
                    encoded = encode_chunk(chunk)
                    if previous is not None and not previous < chunk[0]:
                        raise _Bad
                except (TypeError, UnicodeEncodeError):
                    raise _Bad from None
                hasher.update(b',"' if previous is not None else b'"')
                hasher.update(encoded)
                hasher.update(b'"')
                previous = chunk[-1]
                message = ("chunk", index, part, stop - start, encoded)
                if self.parallel:
                    self.pool[part % len(self.pool)].send(message)
                else:
                    handle(self.local, message)
            hasher.update(b"]")
        return hasher.digest()

    def _scan(
        self,
        prefix: bytes | None,
        bounds: list[bytes | None],
        strata: list[int],
        lp_keys: list[list[bytes]] | None,
    ) -> list[list[Found]]:
        if self.parallel:
            for worker in self.pool:
                worker.send(("tickets", prefix, bounds, strata, lp_keys))
            self.pending += len(self.pool)
            replies = []
            for worker in self.pool:
                replies.append(worker.receive())
                self.pending -= 1
        else:
            replies = [scan_ranges(self.local, prefix, bounds, strata, lp_keys)]
        found: list[list[Found]] = [[] for _ in bounds]
        for bad, shared, part_found in replies:
            if bad or shared:
                raise _Bad
            for s in strata:
                found[s].extend(part_found[s])
        return found

    def _rank_strata(
        self, seed: bytes, keep: Sequence[int | None], lp_keys: list[list[bytes]] | None
    ) -> tuple[list[Ranked], dict[str, tuple[bytes, ...]]]:
        strata = self.manifest.strata
        sizes = [len(s.candidates) for s in strata]
        need = [n if k is None else min(n, k) for n, k in zip(sizes, keep, strict=True)]
        bounds = [threshold(k, n) for k, n in zip(need, sizes, strict=True)]
        prefix = target_prefix(seed)
        found = self._scan(prefix, bounds, list(range(len(strata))), lp_keys)
        short = [s for s in range(len(strata)) if len(found[s]) < need[s]]
        if short:  # the margin was not enough (practically never): keep everything there
            bounds = [None if s in short else b for s, b in enumerate(bounds)]
            again = self._scan(prefix, bounds, short, lp_keys)
            for s in short:
                found[s] = again[s]
        ranked: list[Ranked] = []
        orders: dict[str, tuple[bytes, ...]] = {}
        for s, items in enumerate(found):
            items.sort()  # by ticket, then commitment (unique within a stratum)
            row = []
            for ticket, c, order in items[: need[s]]:
                text = c.hex()
                row.append((ticket, text))
                if order is not None:
                    orders[text] = order
            ranked.append(row)
        return ranked, orders

    def rank(
        self, seed: bytes, lp_keys: Sequence[Sequence[bytes]], targets: Sequence[str]
    ) -> Iterator[list[tuple[bytes, ...]]]:
        # Targets whose rankings came with the scan are not in `targets`.
        """Per target, each slot's working pool ranked by inspector ticket, in target order.

        Yields lists part by part, so the caller can match while workers still hash.
        """
        if not targets:
            return
        raw = [bytes.fromhex(t) for t in targets]
        keys = [list(k) for k in lp_keys]
        hashes = len(raw) * sum(len(k) for k in keys)
        if not (self.parallel and self.pool and hashes >= PARALLEL_MIN_HASHES):
            yield rank_targets(seed, raw, keys)
            return
        parts = 4 * len(self.pool)
        size = -(-len(raw) // parts)
        pieces = [raw[i : i + size] for i in range(0, len(raw), size)]
        for n, piece in enumerate(pieces):
            self.pool[n % len(self.pool)].send(("rank", seed, keys, piece))
        self.pending += len(pieces)
        done = 0
        try:
            for n in range(len(pieces)):
                reply: list[tuple[bytes, ...]] = self.pool[n % len(self.pool)].receive()
                self.pending -= 1
                done += 1
                yield reply
        except (RuntimeError, OSError):  # a worker process failed: finish here
            self._go_serial()
            for piece in pieces[done:]:
                yield rank_targets(seed, piece, keys)


def check_manifest_candidates(manifest: Manifest, workers: int | None = None) -> bytes:
    """Validate all commitments (format, order, uniqueness) and return the manifest digest."""
    with Scanner(manifest, workers) as scanner:
        return scanner.validate()
