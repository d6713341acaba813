"""Canonical JSON (RFC 8785 for the allowed subset) and validation of that subset."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from .errors import InputError

MAX_SAFE_INT = 2**53 - 1

# Control characters and anything outside the Basic Multilingual Plane: with both excluded,
# RFC 8785 and Python's json.dumps produce the same bytes (key order by code point equals
# key order by UTF-16 unit only inside the BMP).
_FORBIDDEN_CHARS = re.compile("[\x00-\x1f\U00010000-\U0010ffff]")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of a value of the allowed subset."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON of a value as UTF-8 bytes."""
    return canonical_json(value).encode("utf-8")


def string_problem(text: str) -> tuple[str, str] | None:
    """Why a string is outside the allowed subset, as (zh, en), or None when it is fine."""
    bad = _FORBIDDEN_CHARS.search(text)
    if bad is not None:
        code = ord(bad.group())
        if code < 0x20:
            return (f"含控制字符 U+{code:04X}", f"contains the control character U+{code:04X}")
        return (
            f"含基本多文种平面以外的字符 U+{code:04X}",
            f"contains U+{code:04X}, outside the Basic Multilingual Plane",
        )
    if not unicodedata.is_normalized("NFC", text):
        return ("不是 Unicode NFC 规范形式", "is not in Unicode NFC")
    return None


def check_string(text: object, where: str) -> str:
    """Return `text` if it is a string of the allowed subset, else raise InputError naming `where`."""
    if not isinstance(text, str):
        raise InputError(
            f"{where} 应为字符串，实为 {type_name(text)}",
            f"{where} must be a string, not {type_name(text)}",
        )
    problem = string_problem(text)
    if problem is not None:
        raise InputError(f"{where} {problem[0]}", f"{where} {problem[1]}")
    return text


def check_int(value: object, where: str) -> int:
    """Return `value` if it is an integer within ±(2^53 − 1) (booleans are not integers)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            f"{where} 应为整数，实为 {type_name(value)}",
            f"{where} must be an integer, not {type_name(value)}",
        )
    if abs(value) > MAX_SAFE_INT:
        raise InputError(f"{where} 超出 ±(2^53−1) 的范围", f"{where} is outside ±(2^53 − 1)")
    return value


def check_value(value: object, where: str) -> None:
    """Check that a whole JSON value uses only objects, arrays, strings and integers."""
    # An explicit stack instead of recursion: deep input must not overflow Python's stack.
    stack: list[tuple[object, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            check_string(item, path)
        elif isinstance(item, dict):
            for key, sub in item.items():
                check_string(key, f"{path} 的键/key")
                stack.append((sub, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((sub, f"{path}[{i}]") for i, sub in enumerate(item))
        else:
            check_int(item, path)


def type_name(value: object) -> str:
    """The JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number with a fraction"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class Splice:
    """A place in a canonical stream where a long array of strings is written by the caller."""

    __slots__ = ("items", "path")

    def __init__(self, path: tuple[str | int, ...], items: list[Any]) -> None:
        self.path = path
        self.items = items


def iter_canonical(value: Any, splice: tuple[str, str] | None = None) -> Iterator[str | Splice]:
    """Yield the canonical JSON of `value` in pieces.

    With `splice=("strata", "candidates")`, each `value["strata"][i]["candidates"]` list is not
    encoded but yielded as a Splice, so that a caller can stream millions of commitments
    without building one giant string. Joining the pieces (with each Splice written as
    json.dumps of its list) gives exactly canonical_json(value).
    """
    # Iterative so that the shape of the input cannot exhaust the stack.
    stack: list[tuple[Any, tuple[str | int, ...]] | str] = [(value, ())]
    while stack:
        top = stack.pop()
        if isinstance(top, str):
            yield top
            continue
        item, path = top
        if isinstance(item, dict):
            keys = sorted(item)
            parts: list[tuple[Any, tuple[str | int, ...]] | str] = ["{"]
            for n, key in enumerate(keys):
                if not isinstance(key, str):
                    raise InputError("对象的键必须是字符串", "object keys must be strings")
                parts.append(("," if n else "") + json.dumps(key, ensure_ascii=False) + ":")
                parts.append((item[key], (*path, key)))
            parts.append("}")
            stack.extend(reversed(parts))
        elif isinstance(item, list):
            if (
                splice is not None
                and len(path) == 3
                and path[0] == splice[0]
                and isinstance(path[1], int)
                and path[2] == splice[1]
            ):
                yield Splice(path, item)
                continue
            parts = ["["]
            for n, sub in enumerate(item):
                if n:
                    parts.append(",")
                parts.append((sub, (*path, n)))
            parts.append("]")
            stack.extend(reversed(parts))
        else:
            yield json.dumps(item, ensure_ascii=False)


def parse_json(text: str) -> Any:
    """Parse JSON strictly: duplicate keys, NaN and Infinity are errors (ValueError), since two
    readers could otherwise see two different records in the same bytes."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed in JSON")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
