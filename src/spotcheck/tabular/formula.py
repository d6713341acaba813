"""The guard against spreadsheet formula injection, without the spreadsheet library."""

from __future__ import annotations

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix a quote to text a spreadsheet could take for a formula."""
    if text.startswith(DANGEROUS):
        return "'" + text
    return text
