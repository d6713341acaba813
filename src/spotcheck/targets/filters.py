"""Target search filters from a query string (the pages, the exports and the API share them)."""

from __future__ import annotations

from typing import Any

from spotcheck.ids import parse_id
from spotcheck.targets import search as targets_search


def filters_from(params: Any) -> targets_search.Filters:
    """Filters from a query string (pages, exports and the API share them)."""
    department = params.get("department_id") or ""
    return targets_search.Filters(
        q=params.get("q", ""),
        key=params.get("key", ""),
        region=params.get("region", ""),
        level=params.get("level", ""),
        target_type=params.get("target_type", ""),
        industry=params.get("industry", ""),
        scope_text=params.get("scope_text", ""),
        status=params.get("status", ""),
        risk=params.get("risk", ""),
        abnormal=params.get("abnormal") == "1",
        dishonest=params.get("dishonest") == "1",
        tag=params.get("tag", ""),
        department_id=(parse_id(department) or 0) if department.isdigit() else None,
    )
