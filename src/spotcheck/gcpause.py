"""The one pause of CPython's cyclic garbage collector, for work that builds millions of objects.

Previews, imports, bulk loads and draw computations create millions of short-lived tuples and
dicts without reference cycles; every few thousand allocations the cyclic collector walks all
live containers, which took more than half the time over a 1M-target registry. Reference
counting still frees all of that memory, so pausing the collector is safe for such work.

`gc.disable()` is process-wide, so:
- pauses are counted under a lock: the collector is switched off by the first user and back on
  (if it was on before the first) when the last one leaves, also when the work raises;
- inside the web server the pause does nothing (`serving()` marks a request's context): a
  long preview must not leave the concurrent requests of the process without the collector, and
  overlapping requests could otherwise keep it off for as long as the server is busy. Requests
  run the same work with the collector on, only slower; the CLI and jobs pause.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_lock = threading.Lock()
_users = 0  # pauses running now
_was_enabled = False  # whether the collector was on when the first of them began
_serving: ContextVar[bool] = ContextVar("spotcheck_gcpause_serving", default=False)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector for the block (not inside a web request; see module doc)."""
    global _users, _was_enabled
    if _serving.get():
        yield
        return
    with _lock:
        if _users == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _was_enabled:
                gc.enable()


@contextmanager
def serving() -> Iterator[None]:
    """Mark the current context as a web request: `paused_gc()` leaves the collector alone."""
    token = _serving.set(True)
    try:
        yield
    finally:
        _serving.reset(token)
