"""Revealed entropy: drand quicknet rounds, dice digits, the timing rule and the seed."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import EntropyError, Reason
from .manifest import DICE, DRAND, PlanItem, parse_utc
from .tickets import TAG_SEED, lp

QUICKNET_GENESIS = 1692803367
QUICKNET_PERIOD = 3
_LOWER_HEX = re.compile(r"\A(?:[0-9a-f]{2})+\Z")
_DIGITS = re.compile(r"\A[0-9]*\Z")
_SIGNATURE_HEX_LENGTH = 96  # a quicknet signature is one compressed G1 point of 48 bytes


def round_time(number: int) -> int:
    """The UNIX time at which quicknet round `number` is published."""
    return QUICKNET_GENESIS + (number - 1) * QUICKNET_PERIOD


def utc_text(timestamp: int) -> str:
    """A UNIX time as `YYYY-MM-DDTHH:MM:SSZ`."""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_timestamp(moment: str | dt.datetime | int) -> int:
    """Accept `YYYY-MM-DDTHH:MM:SSZ`, an aware datetime or a UNIX time; return the UNIX time."""
    if isinstance(moment, bool):
        raise TypeError("a boolean is not a time")
    if isinstance(moment, int):
        return moment
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise ValueError("the commitment time must be timezone-aware (UTC)")
        return calendar.timegm(moment.astimezone(dt.UTC).timetuple())
    return parse_utc(moment, "committed_at")


def first_safe_round(committed_at: str | dt.datetime | int, margin_seconds: int) -> int:
    """The first quicknet round published at least `margin_seconds` after, and strictly after,
    the commitment time: the round to name in the entropy plan."""
    if margin_seconds < 0:
        raise ValueError("the safety margin cannot be negative")
    committed = to_timestamp(committed_at)
    earliest = committed + margin_seconds
    # Smallest R with round_time(R) >= earliest, then strictly after the commitment.
    number = max(1, -(-(earliest - QUICKNET_GENESIS) // QUICKNET_PERIOD) + 1)
    while round_time(number) <= committed:
        number += 1
    return number


def derive_seed(digest: bytes, items: Sequence[tuple[str, bytes]]) -> bytes:
    """seed = H(T("seed") ‖ digest ‖ for each item: lp(kind) ‖ lp(entropy bytes))."""
    message = TAG_SEED + digest
    for kind, data in items:
        message += lp(kind.encode("ascii")) + lp(data)
    return hashlib.sha256(message).digest()


Verifier = Callable[[int, str], str]


def load_bls_verifier() -> Verifier | None:
    """drand_verify.verify_quicknet when the package is installed, else None."""
    try:
        module = importlib.import_module("drand_verify")
    except ImportError:
        return None
    verify: Verifier = module.verify_quicknet
    return verify


@dataclass
class EntropyCheck:
    """What was found in the revealed entropy: the seed inputs, problems and notes."""

    items: list[tuple[str, bytes]] | None
    problems: list[Reason] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)
    signatures_checked: bool = True

    def raise_first(self) -> None:
        """Raise the first problem as an EntropyError (used when computing, not verifying)."""
        if self.problems:
            first = self.problems[0]
            raise EntropyError(first.zh, first.en, code=first.code)


def check_entropy(
    plan: Sequence[PlanItem],
    revealed: object,
    committed_ts: int,
    *,
    check_signatures: bool = True,
    verifier: Verifier | None = None,
) -> EntropyCheck:
    """Check revealed entropy item by item against the plan and the commitment time."""
    if not isinstance(revealed, list):
        return EntropyCheck(
            None, [Reason("entropy-shape", "熵应为数组", "the entropy must be an array")]
        )
    if len(revealed) != len(plan):
        return EntropyCheck(
            None,
            [
                Reason(
                    "entropy-plan",
                    f"熵有 {len(revealed)} 项，计划为 {len(plan)} 项",
                    f"the entropy has {len(revealed)} items but the plan has {len(plan)}",
                )
            ],
        )
    if check_signatures and verifier is None:
        verifier = load_bls_verifier()
    result = EntropyCheck([])
    items: list[tuple[str, bytes]] = []
    for n, (planned, item) in enumerate(zip(plan, revealed, strict=True)):
        got = _check_item(n, planned, item, committed_ts, verifier, check_signatures, result)
        if got is None:
            result.items = None
            return result
        items.append(got)
    result.items = items
    return result


def _check_item(
    n: int,
    planned: PlanItem,
    item: object,
    committed_ts: int,
    verifier: Verifier | None,
    check_signatures: bool,
    out: EntropyCheck,
) -> tuple[str, bytes] | None:
    where = f"entropy[{n}]"
    kind = item.get("kind") if isinstance(item, dict) else None
    if not isinstance(item, dict) or kind != planned.kind:
        out.problems.append(
            Reason(
                "entropy-plan",
                f"{where} 应为计划中的 {planned.kind}",
                f"{where} must be the planned {planned.kind}",
            )
        )
        return None
    if planned.kind == DICE:
        return _check_dice(where, planned, item, out)
    return _check_drand(where, planned, item, committed_ts, verifier, check_signatures, out)


def _check_dice(
    where: str, planned: PlanItem, item: dict[str, Any], out: EntropyCheck
) -> tuple[str, bytes] | None:
    if set(item) != {"kind", "value"} or not isinstance(item["value"], str):
        out.problems.append(
            Reason(
                "entropy-shape", f"{where} 应为 {{kind, value}}", f"{where} must be {{kind, value}}"
            )
        )
        return None
    value: str = item["value"]
    if len(value) != planned.digits or not _DIGITS.match(value):
        out.problems.append(
            Reason(
                "dice-digits",
                f"{where} 骰子值应恰为 {planned.digits} 位 ASCII 数字，实为 {value!r}",
                f"{where}: the dice value must be exactly {planned.digits} ASCII digits, "
                f"not {value!r}",
            )
        )
    return (DICE, value.encode("utf-8"))


def _check_drand(
    where: str,
    planned: PlanItem,
    item: dict[str, Any],
    committed_ts: int,
    verifier: Verifier | None,
    check_signatures: bool,
    out: EntropyCheck,
) -> tuple[str, bytes] | None:
    keys = {"kind", "round", "signature", "randomness"}
    signature, randomness = item.get("signature"), item.get("randomness")
    if (
        set(item) != keys
        or not isinstance(signature, str)
        or not isinstance(randomness, str)
        or not _LOWER_HEX.match(signature)
        or not _LOWER_HEX.match(randomness)
        or len(randomness) != 64
    ):
        out.problems.append(
            Reason(
                "entropy-shape",
                f"{where} 应为 {{kind, round, signature, randomness}}，签名与随机数为小写十六进制",
                f"{where} must be {{kind, round, signature, randomness}} with lowercase hex",
            )
        )
        return None
    number = item["round"]
    if number != planned.round or isinstance(number, bool):
        out.problems.append(
            Reason(
                "entropy-plan",
                f"{where} 的轮次 {number} 不是计划的 {planned.round}",
                f"{where}: round {number} is not the planned round {planned.round}",
            )
        )
        return None
    if hashlib.sha256(bytes.fromhex(signature)).hexdigest() != randomness:
        out.problems.append(
            Reason(
                "drand-randomness",
                f"{where} 的 randomness 不等于签名的 SHA-256",
                f"{where}: randomness is not the SHA-256 of the signature",
            )
        )
    published = round_time(number)
    if published <= committed_ts:
        out.problems.append(
            Reason(
                "drand-timing",
                f"{where} 的 drand 第 {number} 轮发布于 {utc_text(published)}，不晚于承诺时间 "
                f"{utc_text(committed_ts)}：承诺时该随机数可能已公开",
                f"{where}: drand round {number} was published at {utc_text(published)}, not "
                f"after the commitment at {utc_text(committed_ts)}, so it may have been public",
            )
        )
    if not check_signatures or verifier is None:
        out.signatures_checked = False
        if not any(r.code == "signature-not-checked" for r in out.notes):
            out.notes.append(
                Reason(
                    "signature-not-checked",
                    "drand BLS 签名未校验（未安装 drand-verify）",
                    "signature not checked: the drand BLS signature was not verified "
                    "(drand-verify is not installed)",
                )
            )
    else:
        _check_signature(where, number, signature, randomness, verifier, out)
    return (DRAND, bytes.fromhex(randomness))


def _check_signature(
    where: str, number: int, signature: str, randomness: str, verifier: Verifier, out: EntropyCheck
) -> None:
    problem = Reason(
        "drand-signature",
        f"{where} 的 drand 第 {number} 轮 BLS 签名验证失败（不是 League of Entropy quicknet 的签名）",
        f"{where}: the BLS signature of drand round {number} does not verify under the "
        "League of Entropy quicknet key",
    )
    if len(signature) != _SIGNATURE_HEX_LENGTH:
        out.problems.append(problem)
        return
    try:
        beacon = verifier(number, signature)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # the Rust extension may raise a PanicException (a BaseException)
        out.problems.append(problem)
        return
    if beacon != randomness:
        out.problems.append(problem)
