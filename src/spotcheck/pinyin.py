"""Pinyin initials at C speed: one str.translate over a table built once from pypinyin's data."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _table() -> dict[int, str | None]:
    from pypinyin.pinyin_dict import pinyin_dict

    table: dict[int, str | None] = {}
    for code_point, readings in pinyin_dict.items():
        first = readings.split(",")[0]
        # Initials of the first (most common) reading; tone marks never start a syllable.
        table[code_point] = first[0].lower() if first and first[0].isascii() else None
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        table[ord(ch)] = ch
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(ch)] = ch.lower()
    return table


def initials(text: str) -> str:
    """'淄博市钢铁有限公司' → 'zbsgtyxgs'; ASCII letters and digits kept, the rest dropped."""
    table = _table()
    # translate keeps characters missing from the table; drop them in one pass afterwards.
    return "".join(ch for ch in text.translate(table) if ch.isascii() and ch.isalnum())


def syllables(text: str) -> list[str]:
    """'王建国' → ['wang', 'jian', 'guo']: toneless pinyin of the Chinese characters, in order
    (ü written v, as people type it); everything else is left out."""
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            out.extend(s.lower() for s in lazy_pinyin(ch, style=Style.NORMAL, v_to_u=False))
    return out
