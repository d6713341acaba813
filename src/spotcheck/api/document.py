"""The OpenAPI document of the JSON API (/api/openapi.json): only /api/v1, only the models those
operations use, the bearer token they need, and integer bounds exactly as validated."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

SECURITY = {
    "apiToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "API 令牌：在“账户 → API 令牌”中创建，以 Authorization: Bearer <令牌> 发送",
    }
}


def api_document(app: FastAPI) -> dict[str, Any]:
    """The description of the JSON API: structure only, no data."""
    doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
    # Only the JSON API is documented; HTML pages are not an interface for machines.
    doc["paths"] = {p: v for p, v in doc.get("paths", {}).items() if p.startswith("/api/v1/")}
    components = doc.setdefault("components", {})
    components["schemas"] = _referenced(doc["paths"], components.get("schemas", {}))
    # Programs authenticate with an API token (账户 → API 令牌); every operation needs one.
    components["securitySchemes"] = SECURITY
    doc["security"] = [{"apiToken": []}]
    _exact_integer_bounds(doc)
    return doc


def _referenced(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The component schemas that the paths use, directly or through other components."""
    keep: set[str] = set()
    todo: list[Any] = [paths]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in keep:
                    keep.add(name)
                    todo.append(schemas.get(name, {}))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return {name: schema for name, schema in schemas.items() if name in keep}


def _exact_integer_bounds(node: Any) -> None:
    """FastAPI's OpenAPI model keeps minimum/maximum as floats (2147483647.0): write the bounds
    of integers back as integers, exactly as validated (a float above 2⁵³ would not be exact)."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                value = node.get(key)
                if isinstance(value, float) and value.is_integer():
                    node[key] = int(value)
        for value in node.values():
            _exact_integer_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _exact_integer_bounds(value)
