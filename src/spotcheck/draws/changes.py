"""A counter of changes to draws made in this process (a move, an event), so that pages kept
in memory (the portal's) are not served from before a change this process made; other
processes see it once their copy is checked again (spotcheck.portal.views.FRESH_SECONDS)."""

from __future__ import annotations

import itertools
import threading

_LOCK = threading.Lock()
_COUNTER = itertools.count(1)
_current = 0


def bump() -> None:
    """Note a change to a draw."""
    global _current
    with _LOCK:
        _current = next(_COUNTER)


def current() -> int:
    """The number of the last change noted."""
    return _current
