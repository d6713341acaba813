"""The one pause of the cyclic garbage collector: counted, restored on errors, never in a request."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from spotcheck.gcpause import paused_gc, serving
from spotcheck.web.security import public


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_it_pauses_the_collector_and_restores_it_also_when_the_work_raises() -> None:
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), paused_gc():
        assert not gc.isenabled()
        _ = 1 / 0
    assert gc.isenabled()


def test_it_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    with paused_gc():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_it_switches_the_collector_back_on_only_when_the_last_user_leaves() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with paused_gc():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with paused_gc():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # the first user left: still paused for this one

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_it_does_not_pause_while_serving_a_request() -> None:
    with serving(), paused_gc():
        assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()


def test_it_never_pauses_inside_a_request_of_the_real_app(app: FastAPI) -> None:
    seen: list[tuple[str, bool]] = []

    @app.get("/probe/sync")
    def probe_sync(_user: object = Depends(public)) -> dict[str, str]:
        with paused_gc():
            seen.append(("sync", gc.isenabled()))
        return {}

    @app.get("/probe/async")
    async def probe_async(_user: object = Depends(public)) -> dict[str, str]:
        with paused_gc():
            seen.append(("async", gc.isenabled()))
        return {}

    with TestClient(app) as client:
        assert client.get("/probe/sync").status_code == 200
        assert client.get("/probe/async").status_code == 200
    assert seen == [("sync", True), ("async", True)]
    assert gc.isenabled()
