"""Every API operation answers bad input with a 4xx error body, never a 5xx.

The operations are read from the app's own OpenAPI document, so a route added later is
covered without touching this file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity.rules import Role
from tests.support.factories import make_user
from tests.support.http import bearer

BAD_PATH_VALUES = ["abc", "0", "-1", "99999999999999999999", "1.5", "%00"]
BAD_BODIES = ["{not json", "[]", "null", '"text"', "{}", '{"unknown_field": 1}']


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    found = []
    for path, methods in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in methods.items():
            found.append((method.upper(), path, operation))
    return found


def fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def assert_clean_refusal(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, f"{what}: {body}"
        assert body["error"]["message"], what


@pytest.fixture
def admin_headers(client: TestClient, session: Session, clock: FixedClock) -> dict[str, str]:
    user, _ = make_user(session, clock, Role.ADMIN)
    return bearer(client, user.email)


def test_the_api_has_operations(client: TestClient) -> None:
    assert len(operations(client)) >= 10


def test_bad_path_values_never_fail_the_server(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    for method, path, _operation in operations(client):
        if "{" not in path:
            continue
        for value in BAD_PATH_VALUES:
            target = fill(path, value)
            response = client.request(method, target, headers=admin_headers, json={})
            assert_clean_refusal(response, f"{method} {target}")
            if value in {"abc", "0", "99999999999999999999"}:
                assert 400 <= response.status_code < 500, f"{method} {target} accepted {value}"


def test_bad_bodies_never_fail_the_server(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    for method, path, operation in operations(client):
        if "requestBody" not in operation:
            continue
        target = fill(path, "1")
        content_types = operation["requestBody"].get("content", {})
        if "application/json" not in content_types:
            response = client.request(
                method, target, headers=admin_headers, data={"x": "y" * 10_000}
            )
            assert_clean_refusal(response, f"{method} {target} form")
            continue
        for body in BAD_BODIES:
            response = client.request(
                method,
                target,
                content=body,
                headers={**admin_headers, "content-type": "application/json"},
            )
            assert_clean_refusal(response, f"{method} {target} {body!r}")
            assert response.status_code >= 400 or body == "{}", f"{method} {target} took {body!r}"


def test_over_long_strings_are_refused(client: TestClient, admin_headers: dict[str, str]) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for method, path, operation in operations(client):
        content = operation.get("requestBody", {}).get("content", {})
        reference = content.get("application/json", {}).get("schema", {}).get("$ref")
        if not reference:
            continue
        schema = schemas[reference.rsplit("/", 1)[1]]
        body = dict.fromkeys(schema.get("properties", {}), "x" * 100000)
        target = fill(path, "1")
        response = client.request(method, target, json=body, headers=admin_headers)
        assert_clean_refusal(response, f"{method} {target} long strings")
        assert response.status_code >= 400, f"{method} {target} accepted 100,000-character strings"


def test_every_operation_needs_authentication_except_login(client: TestClient) -> None:
    public = {("POST", "/api/v1/auth/token")}
    for method, path, _operation in operations(client):
        if (method, path) in public:
            continue
        response = client.request(method, fill(path, "1"), json={})
        assert response.status_code == 401, (
            f"{method} {path} answered {response.status_code} unauthenticated"
        )
