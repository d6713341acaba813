"""GB/T 2260 administrative division codes (行政区划代码).

The table is python-stdnum's bundled ``stdnum/cn/loc.dat`` (a snapshot of the Wikipedia
lists of GB/T 2260 codes with their years of validity). It is parsed once, on first use.
A code marked ``[-YYYY]`` or ``[AAAA-YYYY]`` there was abolished in YYYY: for a target's
current location that is an error naming the year. Codes created after the snapshot are
unknown to it and are reported as such.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

_LINE = re.compile(r'^(?P<indent>\s*)(?P<code>\d{2}|\d{4}) (?:province|county)="(?P<name>[^"]*)"')
_YEARS = re.compile(r"^\[(?P<start>\d{4})?-(?P<end>\d{4})?\](?P<name>.*)$")
# Placeholder names for the city level that add nothing to a full name.
_FILLER = frozenset(
    {"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
_SIX_DIGITS = re.compile(r"^\d{6}$")


@dataclass(frozen=True, slots=True)
class Region:
    """One GB/T 2260 code: its own name and the year it was abolished, if it was."""

    code: str
    name: str
    abolished: int | None


@functools.cache
def regions() -> dict[str, Region]:
    """All codes of the bundled table, keyed by their six digits (parsed once)."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    table: dict[str, Region] = {}
    province = ""
    for line in text.splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        # A code renamed over time lists its names oldest first: "[-1991]东郊区,[1992-]东丽区".
        name = m["name"].split(",")[-1]
        abolished: int | None = None
        years = _YEARS.match(name)
        if years is not None:
            name = years["name"]
            abolished = int(years["end"]) if years["end"] else None
        if not m["indent"]:
            province = m["code"]
            code = province + "0000"
            table.setdefault(code, Region(code, name, abolished))
        else:
            code = province + m["code"]
            table[code] = Region(code, name, abolished)
    return table


def check_region(code: str) -> str | None:
    """Why ``code`` is not a current GB/T 2260 code, in Chinese; None when it is."""
    region = regions().get(code)
    if region is not None:
        if region.abolished is None:
            return None
        return f"行政区划代码 {code}（{region.name}）已于 {region.abolished} 年撤销，请填写现行代码"
    if not _SIX_DIGITS.match(code):
        return "行政区划代码应为 6 位数字（GB/T 2260）"
    return "不是有效的行政区划代码（GB/T 2260 中没有该代码）"


def is_known_region(code: str) -> bool:
    """True when ``code`` is in the table, current or abolished (used for ID numbers)."""
    return code in regions()


def region_name(code: str) -> str | None:
    """Full name such as 山东省淄博市张店区, or None for an unknown code.

    Abolished codes still get their historical name, so old records stay readable.
    """
    table = regions()
    region = table.get(code)
    if region is None:
        return None
    province = table.get(code[:2] + "0000")
    parts: list[str] = []
    if province is not None:
        parts.append(province.name)
    if code[2:] != "0000":
        city_code = code[:4] + "00"
        if city_code != code:
            city = table.get(city_code)
            if city is not None and city.name not in _FILLER:
                parts.append(city.name)
        if region.name not in _FILLER and (not parts or parts[-1] != region.name):
            parts.append(region.name)
    return "".join(parts) or region.name
