"""Inspector search filters from a query string (the pages, the exports and the API share them)."""

from __future__ import annotations

from typing import Any

from spotcheck.ids import parse_id
from spotcheck.inspectors import service as inspectors_service


def filters_from(params: Any) -> inspectors_service.Filters:
    """Filters from a query string."""
    department = params.get("department_id") or ""
    return inspectors_service.Filters(
        q=params.get("q", ""),
        category=params.get("category", ""),
        rank=params.get("rank", ""),
        status=params.get("status", ""),
        expertise=params.get("expertise", ""),
        department_id=(parse_id(department) or 0) if department.isdigit() else None,
    )
