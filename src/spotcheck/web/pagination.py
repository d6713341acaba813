"""Query-string helpers shared by list pages."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import QueryParams


def with_page(params: QueryParams, page: int) -> str:
    """The current query string with another page number."""
    items = [(k, v) for k, v in params.multi_items() if k != "page"]
    items.append(("page", str(page)))
    return "?" + urlencode(items)


def without_page(params: QueryParams) -> str:
    """The current filters, for export links."""
    return urlencode([(k, v) for k, v in params.multi_items() if k != "page"])
