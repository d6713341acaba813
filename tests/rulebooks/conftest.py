"""Fixtures for the rulebook pages: an administrator of the whole tree and a coordinator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from spotcheck.accounts.models import Role
from spotcheck.rulebooks import service as rulebooks_service
from tests.conftest import Org, login


def articles(value: Any) -> set[str]:
    """Every `article` in a dumped profile."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "article" and isinstance(v, str):
                found.add(v)
            else:
                found |= articles(v)
    elif isinstance(value, list):
        for v in value:
            found |= articles(v)
    return found


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing the needle."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# (what is broken, how to break the zibo-gxj text, the line's needle, words in the message)
BREAKAGES: list[tuple[str, Callable[[str], str], str, str]] = [
    (
        "unknown field",
        lambda t: t.replace('seed = "002"', 'seed = "002"\ncolour = "red"'),
        "colour",
        "未知字段",
    ),
    (
        "ratio above 1",
        lambda t: t.replace("ratio = 0.3\n", "ratio = 1.5\n"),
        "ratio = 1.5",
        "不能大于",
    ),
    (
        "rule without article",
        lambda t: t.replace(
            '[quota]\nrounding = "ceil"\narticle = "平台规则（细则未规定）"\n',
            '[quota]\nrounding = "ceil"\n',
        ),
        "[quota]",
        "缺少条文出处",
    ),
]


@pytest.fixture
def admin(app, org: Org, make_user) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An administrator at the root of the tree, logged in."""
    make_user("boss", org.root, Role.ADMIN)
    with TestClient(app) as client:
        login(client, "boss")
        yield client


@pytest.fixture
def coordinator(app, org: Org, make_user) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A coordinator of the owner department (no administrator role), logged in."""
    make_user("coord", org.own, Role.COORDINATOR)
    with TestClient(app) as client:
        login(client, "coord")
        yield client


BUILTIN = rulebooks_service.BUILTIN_CODES
