"""Integers that name no row (2³¹ and beyond, 0, negatives) in a route's path: every route of
the app with an integer path parameter answers 404 — the Chinese page, or the API's error JSON
— and never a server error, for a logged-in user holding every role, GET and form POST alike."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from spotcheck.accounts.models import Role, User
from spotcheck.ids import MAX_ID
from tests.conftest import Org, csrf_of, login

OUT_OF_RANGE = (MAX_ID + 1, 2**63, 2**64, 0, -1)
# Values for the path parameters that are not integers (kind of import, upload token, …).
TEXT_PARAMS = {"kind": "targets", "token": "x", "fmt": "csv", "code": "zibo-gxj"}


def int_path_routes(app: FastAPI) -> list[tuple[str, str, frozenset[str]]]:
    """(method, path, integer parameters) for every route whose path carries an integer."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        ints = frozenset(
            p.name for p in route.dependant.path_params if p.field_info.annotation is int
        )
        found.extend((m, str(context.path), ints) for m in sorted(route.methods or ()) if ints)
    return found


def url_for(path: str, ints: frozenset[str], value: int) -> str:
    """The path with `value` in every integer parameter and a plausible text in the others."""
    return re.sub(
        r"\{(\w+)(?::\w+)?\}",
        lambda m: str(value) if m.group(1) in ints else TEXT_PARAMS[m.group(1)],
        path,
    )


def test_it_knows_every_route_with_an_integer_in_its_path(app: FastAPI) -> None:
    routes = int_path_routes(app)
    gets = {path for method, path, _ in routes if method == "GET"}
    posts = {path for method, path, _ in routes if method == "POST"}
    assert len(gets) >= 31 and len(posts) >= 40, (len(gets), len(posts))
    assert ("GET", "/api/v1/targets/{target_id:int}", frozenset({"target_id"})) in routes
    assert any(path == "/draws/{draw_id:int}/record.pdf" for _, path, _ in routes)
    # Every one of them bounds its integers in its type, not in its body.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for param in route.dependant.path_params:
                if param.field_info.annotation is int:
                    bounds = [getattr(m, "le", None) for m in param.field_info.metadata]
                    assert MAX_ID in bounds, f"{context.path}: {param.name} is not bounded"


def test_every_integer_path_answers_404_for_a_number_that_names_no_row(
    app: FastAPI, org: Org, make_user: Callable[..., User]
) -> None:
    make_user("everyone", org.own, *Role)
    failures = []
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "everyone")
        headers = {"X-CSRF-Token": csrf_of(client, "/")}
        for method, path, ints in int_path_routes(app):
            for value in OUT_OF_RANGE:
                url = url_for(path, ints, value)
                response = client.request(method, url, headers=headers, follow_redirects=False)
                if response.status_code != 404:
                    failures.append(f"{method} {url} → {response.status_code}")
                elif url.startswith("/api/"):
                    body = response.json()
                    if body["code"] != "not_found" or "不存在" not in body["message"]:
                        failures.append(f"{method} {url} → {body}")
                elif "页面不存在" not in response.text:
                    failures.append(f"{method} {url} → a 404 without the Chinese page")
    assert not failures, "\n".join(failures)


def test_an_anonymous_caller_is_asked_to_log_in_before_any_id_is_read(
    app: FastAPI, client: TestClient
) -> None:
    api = client.get(f"/api/v1/targets/{2**64}")
    assert api.status_code == 401 and api.json()["code"] == "unauthenticated"
    page = client.get(f"/targets/{2**64}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


# Form fields and query parameters that carry an id or reach SQL as a number.
FORM_IDS = [
    ("/targets/new", "department_id"),
    ("/inspectors/new", "department_id"),
    ("/targets/exemptions", "department_id"),
    ("/targets/registries", "department_id"),
    ("/admin/users/new", "department_id"),
    ("/admin/departments/new", "parent_id"),
    ("/rulebooks/zibo-gxj/adopt", "department_id"),
]
QUERIES = [
    ("/targets", "department_id"),
    ("/inspectors", "department_id"),
    ("/api/v1/targets", "department_id"),
    ("/api/v1/inspectors", "department_id"),
    ("/targets/export.csv", "department_id"),
    ("/targets", "page"),
    ("/inspectors", "page"),
    ("/admin/audit", "page"),
    ("/api/v1/targets", "page"),
    ("/plans", "year"),
    ("/tasks", "year"),
    ("/api/v1/plans", "year"),
    ("/api/v1/tasks", "year"),
]


def test_ids_in_forms_and_queries_beyond_the_bounds_are_refused_or_match_nothing(
    app: FastAPI, org: Org, make_user: Callable[..., User]
) -> None:
    make_user("everyone", org.own, *Role)
    failures = []
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "everyone")
        token = csrf_of(client, "/")
        for value in (MAX_ID + 1, 2**63, 2**64):
            for path, field in FORM_IDS:
                form = {field: str(value), "csrf_token": token, "name": "x", "code": "X-1"}
                answer = client.post(path, data=form, follow_redirects=False)
                if answer.status_code not in (400, 404, 422):
                    failures.append(f"POST {path} {field}={value} → {answer.status_code}")
            for path, field in QUERIES:
                answer = client.get(path, params={field: str(value)}, follow_redirects=False)
                # A filter on a department that cannot exist matches nothing; a page or year out
                # of its bounds is refused naming the parameter.
                expected = 200 if field == "department_id" else 422
                if answer.status_code != expected:
                    failures.append(f"GET {path}?{field}={value} → {answer.status_code}")
                elif expected == 422 and field not in answer.text:
                    failures.append(f"GET {path}?{field}={value}: the 422 does not name {field}")
    assert not failures, "\n".join(failures)
