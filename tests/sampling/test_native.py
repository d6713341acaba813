"""The compiled kernels (_native.c) compute exactly what the pure-Python code computes.

Both SHA-256 implementations of the extension (the x86 SHA extensions where the CPU has them,
and the portable code) are compared with hashlib/hmac on inputs of every length around the
block boundaries, and the ranking with tickets.rank_inspectors. The extension must be built:
`make test` installs the package with it, so a missing build fails here instead of silently
running the slow path.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from array import array
from collections.abc import Iterator

import pytest

from spotcheck.sampling import _native, kernels
from spotcheck.sampling.tickets import TAG_COMMIT, TAG_INSPECTOR, TAG_TARGET, lp, rank_inspectors


def test_extension_is_built_and_used() -> None:
    assert kernels.NATIVE
    assert _native.implementation() in {"sha-ni", "portable"}


@pytest.fixture(params=["best", "portable"])
def implementation(request: pytest.FixtureRequest) -> Iterator[str]:
    _native.use_portable(request.param == "portable")
    yield request.param
    _native.use_portable(False)


def test_digests_match_hashlib(implementation: str) -> None:
    rng = random.Random(1)
    for prefix_len in range(0, 140, 3):
        prefix = rng.randbytes(prefix_len)
        for width in (1, 31, 32, 55, 56, 64, 119, 130):
            items = [rng.randbytes(width) for _ in range(4)]
            got = _native.digests(prefix, b"".join(items), width)
            assert got == b"".join(hashlib.sha256(prefix + item).digest() for item in items)


def test_digests_refuse_partial_items() -> None:
    with pytest.raises(ValueError):
        _native.digests(b"p", b"abc", 2)


def _pool(rng: random.Random, size: int) -> list[str]:
    keys: set[str] = set()
    while len(keys) < size:
        # ASCII and Chinese keys of many lengths: tails of one, two and three blocks
        keys.add(f"insp-{rng.randrange(10**6)}" + "忻" * rng.randrange(0, 45))
    return sorted(keys)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 16, 17, 255, 256, 257, 300])
def test_rank_matches_rank_inspectors(implementation: str, size: int) -> None:
    rng = random.Random(size)
    seed = rng.randbytes(32)
    lp_keys = [lp(k.encode()) for k in _pool(rng, size)]
    targets = [rng.randbytes(32) for _ in range(12)]
    ranked = _native.rank(TAG_INSPECTOR + seed, b"".join(targets), lp_keys)
    assert len(ranked) == len(targets)
    for target, packed in zip(targets, ranked, strict=True):
        order = list(packed) if size <= 256 else list(array("I", packed))
        assert order == rank_inspectors(seed, target.hex(), lp_keys)


def test_rank_breaks_equal_tickets_by_index() -> None:
    # The same key twice gives equal tickets: the smaller index must come first.
    lp_keys = [lp(b"same"), lp(b"other"), lp(b"same")]
    (packed,) = _native.rank(TAG_INSPECTOR + bytes(32), bytes(32), lp_keys)
    order = list(packed)
    assert order.index(0) < order.index(2)


@pytest.mark.parametrize("secret_len", [16, 32, 64, 65, 100])
def test_commitments_match_hmac_and_hashlib(implementation: str, secret_len: int) -> None:
    rng = random.Random(secret_len)
    secret = rng.randbytes(secret_len)
    keys = [f"91140900MA{n:07d}" + "晋" * rng.randrange(0, 30) for n in range(40)]
    salts, hexes = _native.commitments(
        secret, b"".join(k.encode() + b"\0" for k in keys), TAG_COMMIT
    )
    for n, key in enumerate(keys):
        salt = hmac.digest(secret, key.encode(), "sha256")
        assert salts[32 * n : 32 * n + 32] == salt
        expected = hashlib.sha256(TAG_COMMIT + salt + lp(key.encode())).hexdigest()
        assert hexes[64 * n : 64 * n + 64].decode() == expected


def test_commitments_need_terminated_keys() -> None:
    with pytest.raises(ValueError):
        _native.commitments(b"s" * 16, b"unterminated", TAG_COMMIT)


def test_kernels_agree_with_and_without_native(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    seed = rng.randbytes(32)
    targets = [rng.randbytes(32) for _ in range(300)]
    pools = [[lp(k.encode()) for k in _pool(rng, n)] for n in (3, 40, 270)]
    bound = kernels.threshold(100, 300)
    fast = (
        kernels.survivors(TAG_TARGET + seed, targets, bound),
        kernels.rank_targets(seed, targets, pools),
    )
    monkeypatch.setattr(kernels, "NATIVE", False)
    slow = (
        kernels.survivors(TAG_TARGET + seed, targets, bound),
        kernels.rank_targets(seed, targets, pools),
    )
    assert fast == slow


def test_commit_all_uses_the_kernel_and_matches_the_python_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from spotcheck.sampling import build

    keys = [f"91370300MA{n:08d}" for n in range(50)] + ["带\x00空字符"]
    calls: list[int] = []
    real = kernels.commitments

    def counting(secret: bytes, blob: bytes) -> tuple[bytes, bytes]:
        calls.append(blob.count(b"\0"))
        return real(secret, blob)

    monkeypatch.setattr(kernels, "commitments", counting)
    fast = build.commit_all(b"s" * 32, keys[:-1])
    assert calls == [50]  # one compiled call for all keys
    with_nul = build.commit_all(b"s" * 32, keys)  # a NUL in a key: the Python path
    assert calls == [50]
    monkeypatch.setattr(kernels, "NATIVE", False)
    assert build.commit_all(b"s" * 32, keys) == with_nul
    assert build.commit_all(b"s" * 32, keys[:-1]) == fast
