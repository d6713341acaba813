"""Compatibility of schemathesis's pytest plugin with the pytest we run."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _schemathesis_node_id(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32 (`from_fixture` schemas) reads and relabels the test item's private
    `_nodeid`, which pytest 9.2 no longer has: give the item one, holding its node id."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
