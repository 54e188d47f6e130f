"""The identity API through HTTP: tokens, clients, users, audit; bad input and refusals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity.rules import Role
from tests.support.factories import make_client, make_user
from tests.support.http import bearer


def assert_error(response_json: dict[str, object], code: str) -> None:
    error = response_json["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert error["message"]


@pytest.fixture
def admin_headers(client: TestClient, session: Session, clock: FixedClock) -> dict[str, str]:
    user, _ = make_user(session, clock, Role.ADMIN)
    return bearer(client, user.email)


def test_token_refuses_wrong_password(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock)
    response = client.post("/api/v1/auth/token", data={"username": user.email, "password": "x"})
    assert response.status_code == 401
    assert_error(response.json(), "not_authenticated")


def test_token_needs_form_fields(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "a@example.org"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "password"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_protected_route_needs_valid_token(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(response.json(), "not_authenticated")


def test_deactivated_user_token_stops_working(
    client: TestClient, session: Session, clock: FixedClock, admin_headers: dict[str, str]
) -> None:
    user, _ = make_user(session, clock)
    headers = bearer(client, user.email)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    response = client.patch(
        f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin_headers
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_admin_creates_client_and_duplicate_is_conflict(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/clients", json={"code": "acme", "name": "Acme"}, headers=admin_headers
    )
    assert response.status_code == 201
    assert response.json()["code"] == "ACME"
    again = client.post(
        "/api/v1/clients", json={"code": "ACME", "name": "X"}, headers=admin_headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "code"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ('{"code": "AC"', 400, None),
        ("[1, 2]", 422, None),
        ('{"code": 5, "name": "x"}', 422, "code"),
        ('{"code": "ACME", "name": "' + "x" * 201 + '"}', 422, "name"),
        ('{"code": "ACME", "name": "x", "extra": 1}', 422, "extra"),
        ('{"code": "A C", "name": "x"}', 422, "code"),
    ],
)
def test_bad_client_bodies(
    client: TestClient, admin_headers: dict[str, str], body: str, status: int, field: str | None
) -> None:
    response = client.post(
        "/api/v1/clients",
        content=body,
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert response.status_code == status, response.text
    assert "error" in response.json()
    if field:
        assert response.json()["error"]["field"] == field


def test_supervisor_cannot_create_clients(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock, Role.SUPERVISOR)
    response = client.post(
        "/api/v1/clients", json={"code": "NEW", "name": "New"}, headers=bearer(client, user.email)
    )
    assert response.status_code == 403
    assert_error(response.json(), "permission_denied")


def test_client_viewer_sees_only_own_client(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    client_a = make_client(session, clock)
    client_b = make_client(session, clock)
    viewer, _ = make_user(session, clock, Role.CLIENT_VIEWER, clients=[client_a])
    headers = bearer(client, viewer.email)
    listed = client.get("/api/v1/clients", headers=headers).json()
    assert [item["id"] for item in listed] == [client_a.id]
    assert client.get(f"/api/v1/clients/{client_a.id}", headers=headers).status_code == 200
    refused = client.get(f"/api/v1/clients/{client_b.id}", headers=headers)
    assert refused.status_code == 404
    assert_error(refused.json(), "not_found")


@pytest.mark.parametrize(
    "path", ["/api/v1/clients/0", "/api/v1/clients/99999999999", "/api/v1/clients/abc"]
)
def test_bad_ids_are_422(client: TestClient, admin_headers: dict[str, str], path: str) -> None:
    response = client.get(path, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "client_id"


def test_unknown_id_is_404(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.get("/api/v1/clients/2147483647", headers=admin_headers)
    assert response.status_code == 404


def test_admin_creates_users_with_validation(
    client: TestClient, session: Session, clock: FixedClock, admin_headers: dict[str, str]
) -> None:
    tenant = make_client(session, clock)
    good = {
        "email": "Viewer@Example.org",
        "password": "a long enough password",
        "role": "client_viewer",
    }
    response = client.post(
        "/api/v1/users", json={**good, "clients": [tenant.code]}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "viewer@example.org"
    assert response.json()["client_ids"] == [tenant.id]

    cases = [
        ({**good, "email": "not-an-address"}, "email"),
        ({**good, "role": "wizard"}, "role"),
        ({**good, "password": "short", "clients": [tenant.code]}, "password"),
        ({**good, "email": "v2@example.org"}, "clients"),
        ({**good, "email": "v3@example.org", "clients": ["NOPE"]}, "client"),
    ]
    for body, field in cases:
        refused = client.post("/api/v1/users", json=body, headers=admin_headers)
        assert refused.status_code in (404, 422), refused.text
        assert refused.json()["error"]["field"] == field


def test_users_are_admin_only_but_self_is_readable(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    other, _ = make_user(session, clock, Role.AGENT)
    headers = bearer(client, user.email)
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert client.get(f"/api/v1/users/{user.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/users/{other.id}", headers=headers).status_code == 403
    patch = client.patch(f"/api/v1/users/{other.id}", json={"is_active": False}, headers=headers)
    assert patch.status_code == 403


def test_admin_cannot_deactivate_self(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    admin, _ = make_user(session, clock, Role.ADMIN)
    response = client.patch(
        f"/api/v1/users/{admin.id}", json={"is_active": False}, headers=bearer(client, admin.email)
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "is_active"


def test_audit_log_for_quality_not_for_agents(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    quality, _ = make_user(session, clock, Role.QUALITY)
    agent, _ = make_user(session, clock, Role.AGENT)
    assert client.get("/api/v1/audit", headers=bearer(client, quality.email)).status_code == 200
    verify = client.get("/api/v1/audit/verify", headers=bearer(client, quality.email))
    assert verify.status_code == 200
    assert verify.json()["is_intact"] is True
    assert client.get("/api/v1/audit", headers=bearer(client, agent.email)).status_code == 403
    assert (
        client.get("/api/v1/audit/verify", headers=bearer(client, agent.email)).status_code == 403
    )
    too_many = client.get("/api/v1/audit?limit=100000", headers=bearer(client, quality.email))
    assert too_many.status_code == 422


def test_unknown_route_and_method_answer_json(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert_error(missing.json(), "not_found")
    wrong_method = client.delete("/api/v1/me")
    assert wrong_method.status_code == 405
    assert_error(wrong_method.json(), "method_not_allowed")


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/auth/token" in spec.json()["paths"]
    assert client.get("/docs").status_code == 200
