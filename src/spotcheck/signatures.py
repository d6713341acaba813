"""Give a generated function the signature FastAPI or Typer reads: the surfaces build one route or
command per declared verb (e.g. `plans/verbs.py`), each with its own access rule and inputs."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
NO_DEFAULT = inspect.Parameter.empty


def with_signature(
    fn: F,
    params: list[tuple[str, Any, Any]],
    *,
    returns: Any,
    doc: str,
    name: str,
) -> F:
    """Set keyword-only parameters (name, annotation, default or NO_DEFAULT), doc and name."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, keyword, annotation=a, default=d) for n, a, d in params],
        return_annotation=returns,
    )
    fn.__doc__ = doc
    fn.__name__ = name
    return fn
