"""The JSON API's one error shape ({code, message, detail, errors: [{field, message}]}), as
answered and as documented: id bounds in every JSON body, 405 with Allow, 401/403/404/422."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import SYSTEM
from spotcheck.ids import MAX_ID
from tests.conftest import Org, login

ERROR_KEYS = {"code", "message", "detail", "errors"}


@pytest.fixture
def api(
    app: FastAPI, org: Org, make_user: Callable[..., User], db: Session
) -> Iterator[TestClient]:
    """Another system with a bearer token of a user holding every role."""
    user = make_user("everyone", org.own, *Role)
    _token, plain = accounts_service.create_api_token(db, SYSTEM, user, "对接")
    db.commit()
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {plain}"
        yield client


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _integer(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The integer alternative a property accepts, if any."""
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("type") == "integer":
            return option
    return None


def integer_fields(
    doc: dict[str, Any],
) -> Iterator[tuple[str, str, str, str, bool, dict[str, Any]]]:
    """(method, path, media type, field, is a list, integer schema) of every request body."""
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                body = _resolve(content["schema"], doc)
                for name, prop in body.get("properties", {}).items():
                    prop = _resolve(prop, doc)
                    if (found := _integer(prop)) is not None:
                        yield method, path, media, name, False, found
                    elif prop.get("type") == "array" and (
                        found := _integer(_resolve(prop.get("items", {}), doc))
                    ):
                        yield method, path, media, name, True, found


def test_every_integer_of_a_request_body_is_bounded_and_refused_beyond_with_its_field_named(
    api: TestClient,
) -> None:
    doc = api.get("/api/openapi.json").json()
    fields = list(integer_fields(doc))
    named = {(path, name) for _, path, _, name, _, _ in fields}
    assert {
        ("/api/v1/plans/{plan_id}/tasks", "participants"),
        ("/api/v1/plans/{plan_id}/tasks", "main_item"),
        ("/api/v1/plans", "department"),
        ("/api/v1/draws/{draw_id}/dice", "witness_id"),
        ("/api/v1/exemptions", "department_id"),
        ("/api/v1/imports/{kind}", "department_id"),
    } <= named
    failures = []
    for method, path, media, name, is_list, schema in fields:
        if "maximum" not in schema or schema["maximum"] > MAX_ID:
            failures.append(f"{method} {path} {name}: no bound in the schema ({schema})")
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: "targets" if m.group(1) == "kind" else "1", path)
        for value in (MAX_ID + 1, 2**63, 2**64):
            if media == "application/json":
                response = api.request(method, url, json={name: [value] if is_list else value})
            else:  # multipart: the file and the field
                files = {"file": ("t.csv", b"x", "text/csv")}
                response = api.request(method, url, data={name: str(value)}, files=files)
            body = response.json()
            field = f"{name}.0" if is_list else name
            if response.status_code != 422 or field not in [e["field"] for e in body["errors"]]:
                failures.append(f"{method} {url} {field}={value} → {response.status_code} {body}")
            elif set(body) < ERROR_KEYS or body["code"] != "validation_failed":
                failures.append(f"{method} {url} → not the error shape: {body}")
    assert not failures, "\n".join(failures)


def test_a_body_id_out_of_range_is_named_in_chinese(api: TestClient) -> None:
    answer = api.post(
        "/api/v1/plans/1/tasks", json={"participants": ["CITY-B", 2**63], "main_item": 2**64}
    )
    assert answer.status_code == 422
    body = answer.json()
    problems = {e["field"]: e["message"] for e in body["errors"]}
    assert problems == {
        "participants.1": f"应为 1 至 {MAX_ID} 之间的整数",
        "main_item": f"应为 1 至 {MAX_ID} 之间的整数",
    }
    assert body["detail"] == body["message"] and "participants.1" in body["message"]


def test_a_malformed_query_is_a_422_with_every_field_in_chinese(api: TestClient) -> None:
    answer = api.get("/api/v1/calendar/add-workdays", params={"start": "明天", "n": 0})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "validation_failed" and body["detail"] == body["message"]
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "start": "应为日期，如 2027-03-01",
        "n": "不能小于 1",
    }


def test_an_undeclared_method_is_a_405_naming_the_allowed_ones(
    api: TestClient, client: TestClient, org: Org, make_user: Callable[..., User]
) -> None:
    put = api.put("/api/v1/me")
    assert put.status_code == 405 and put.headers["allow"] == "GET"
    assert put.json()["code"] == "method_not_allowed" and "PUT" in put.json()["message"]
    # Two routes share the path: Allow names both.
    delete = api.delete("/api/v1/plans/1")
    assert delete.status_code == 405 and delete.headers["allow"] == "GET, PATCH"
    trace = api.request("TRACE", "/api/v1/tasks/1")
    assert trace.status_code == 405 and trace.headers["allow"] == "DELETE, GET, PUT"
    make_user("alice", org.own)
    login(client, "alice")
    page = client.put("/targets")
    assert page.status_code == 405 and page.headers["allow"] == "GET"
    assert "不支持的请求方式" in page.text


def test_no_login_and_no_right_have_the_same_shape(
    app: FastAPI, api: TestClient, org: Org, make_user: Callable[..., User], db: Session
) -> None:
    anonymous = TestClient(app).get("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["code"] == "unauthenticated" and anonymous.json()["errors"] == []
    witness = make_user("wit", org.own, Role.WITNESS)
    _token, plain = accounts_service.create_api_token(db, SYSTEM, witness, "对接")
    db.commit()
    refused = TestClient(app).post(
        "/api/v1/plans",
        json={"department": "CITY-A", "year": 2027},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert set(refused.json()) == ERROR_KEYS
    missing = api.get("/api/v1/plans/99999")
    assert missing.status_code == 404 and set(missing.json()) == ERROR_KEYS


def test_the_openapi_document_declares_the_error_shape_for_every_status(api: TestClient) -> None:
    doc = api.get("/api/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is never answered
    assert set(schemas["ApiError"]["properties"]) == ERROR_KEYS
    assert schemas["ApiError"]["properties"]["detail"]["type"] == "string"
    assert doc["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "401", "403", "404", "422"} <= statuses, (method, path)
            for status in statuses - {"200", "201", "204"}:
                ref = operation["responses"][status]["content"]["application/json"]["schema"]
                model = schemas[ref["$ref"].rsplit("/", 1)[1]]
                assert set(model["properties"]) >= ERROR_KEYS, (method, path, status)
            if method != "get" and path.startswith(("/api/v1/plans", "/api/v1/draws")):
                assert "409" in statuses, (method, path)
