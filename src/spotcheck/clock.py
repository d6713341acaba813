"""The one clock: now() and today() in Asia/Shanghai, which tests may freeze (`frozen`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

# A module-level override, not a context variable: the test client serves requests on another
# thread, and a frozen test must freeze the pages it calls as well.
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time, aware, in Asia/Shanghai."""
    moment = _frozen if _frozen is not None else dt.datetime.now(dt.UTC)
    return moment.astimezone(BEIJING)


def today() -> dt.date:
    """The current date in Asia/Shanghai."""
    return now().date()


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC (what UTC columns store)."""
    return now().astimezone(dt.UTC)


def beijing_text(utc: str) -> str:
    """A UTC time as records keep it ("2026-12-03T12:18:36Z") in Beijing time, as people read
    it ("2026-12-03 20:18:36"); text that is no such time comes back unchanged."""
    try:
        moment = dt.datetime.fromisoformat(utc.replace("Z", "+00:00"))
    except ValueError:
        return utc
    if moment.tzinfo is None:
        return utc
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def freeze(at: dt.datetime | dt.date) -> None:
    """Make now()/today() return `at` until unfreeze(); a date means noon, a naive time Beijing time."""
    global _frozen
    if not isinstance(at, dt.datetime):
        at = dt.datetime(at.year, at.month, at.day, 12, tzinfo=BEIJING)
    elif at.tzinfo is None:
        at = at.replace(tzinfo=BEIJING)
    _frozen = at


def unfreeze() -> None:
    """Let the clock run again."""
    global _frozen
    _frozen = None


@contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """now()/today() return `at` inside the block."""
    global _frozen
    before = _frozen
    freeze(at)
    try:
        yield
    finally:
        _frozen = before
