"""A draw's openings as stored: one line per candidate, "commitment<TAB>key", in commitment
order; the salt of each is HMAC-SHA256 of the draw's secret and the key (sampling.salt_for),
so it is derived when needed instead of stored.

A national manifest has a million candidates: as JSON the openings were 170 MB to write at
commit and to parse into a million dicts at compute. As lines they are half that, and compute
turns into {key, salt} only the openings the public record carries (the drawn targets and the
replacements), each checked against its commitment by the engine. The auditor's record,
which opens every candidate, is written out from the lines when an auditor asks for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import AnyStr

from spotcheck.sampling.build import Openings as Built
from spotcheck.sampling.build import commit_all, salt_for
from spotcheck.sampling.errors import OpeningError


def _columns(stored: AnyStr) -> tuple[list[AnyStr], list[AnyStr]]:
    """The commitments and the keys of stored lines (text or bytes): "c\tk\nc\tk\n…" split at
    both separators alternates them, in one pass instead of a split per line."""
    tab, newline = ("\t", "\n") if isinstance(stored, str) else (b"\t", b"\n")
    parts = stored.replace(newline, tab).split(tab)
    if parts and not parts[-1]:
        parts.pop()
    if len(parts) % 2:
        raise ValueError("the stored openings are not commitment<TAB>key lines")
    return parts[0::2], parts[1::2]


def text_of(openings: Mapping[str, Mapping[str, str]]) -> str:
    """The stored text of openings {commitment: {key, salt}} (the salts are not kept)."""
    if isinstance(openings, Built):
        return openings.lines()
    return "".join(f"{c}\t{openings[c]['key']}\n" for c in sorted(openings))


class Openings(Mapping[str, dict[str, str]]):
    """The stored openings as the engine reads them: commitment -> {key, salt}."""

    def __init__(self, text: str, secret: bytes) -> None:
        commitments, keys = _columns(text)
        self._keys = dict(zip(commitments, keys, strict=True))
        self._secret = secret

    def open_many(self, commitments: Sequence[str]) -> dict[str, dict[str, str]]:
        """{key, salt} of each commitment, checked against it in one pass (the engine's
        sampling.record uses this instead of checking the openings one by one).

        Raises OpeningError for a commitment without an opening or whose key and derived salt
        do not give it back (a stored text altered since the commit).
        """
        missing = [c for c in commitments if c not in self._keys]
        if missing:
            raise OpeningError(
                f"缺少对象 {missing[0]} 的开启值",
                f"no opening for target {missing[0]}",
                code="opening-missing",
            )
        keys = [self._keys[c] for c in commitments]
        salts, derived = commit_all(self._secret, keys)
        if derived != list(commitments):
            bad = next(c for c, d in zip(commitments, derived, strict=True) if c != d)
            raise OpeningError(
                f"开启值与承诺值不符：{bad}（key {self._keys[bad]!r}）",
                f"the opening does not match its commitment {bad} (key {self._keys[bad]!r})",
                code="opening-mismatch",
            )
        return {
            c: {"key": k, "salt": s.hex()} for c, k, s in zip(commitments, keys, salts, strict=True)
        }

    def __getitem__(self, commitment: str) -> dict[str, str]:
        key = self._keys[commitment]
        return {"key": key, "salt": salt_for(self._secret, key).hex()}

    def __contains__(self, commitment: object) -> bool:
        return commitment in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def key_of(self, commitment: str) -> str:
        """The target key behind a commitment."""
        return self._keys[commitment]


# What JSON must escape in a string (with ensure_ascii=False): the quote, the backslash and
# the control characters. Keys without any are written between quotes as they are.
_ESCAPED = re.compile(rb'["\\\x00-\x1f]')


def canonical(stored: bytes, secret: bytes) -> bytes:
    """Every opening as the canonical JSON object the auditor's record carries, in UTF-8:
    {"commitment":{"key":…,"salt":…},…} in commitment order (the stored order).

    The salts are derived again from the draw's secret, all at once (build.commit_all), and
    each derived commitment must be the stored one: a stored text altered since the commit is
    an error, not an auditor's record that fails verification later."""
    commitments, keys = _columns(stored)
    texts = [k.decode("utf-8") for k in keys]
    salts, derived = commit_all(secret, texts)
    if [c.decode("ascii") for c in commitments] != derived:
        raise RuntimeError("the stored openings do not match the draw's commitments")
    if _ESCAPED.search(b"".join(keys)) is None:
        quoted = [b'"' + k + b'"' for k in keys]
    else:
        dumps = json.dumps
        quoted = [dumps(t, ensure_ascii=False).encode("utf-8") for t in texts]
    hexes = [s.hex().encode("ascii") for s in salts]
    body = b",".join(
        map(b'"%b":{"key":%b,"salt":"%b"}'.__mod__, zip(commitments, quoted, hexes, strict=True))
    )
    return b"{" + body + b"}"
