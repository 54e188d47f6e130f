"""GET /api/v1/customers (search) and the contact-point routes, through the real app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from tests.support.customers import Cast, customer_audit, make_cast, make_customer
from tests.support.http import bearer

TOO_BIG_ID = 2**31


@pytest.fixture
def cast(session: Session, clock: FixedClock) -> Cast:
    return make_cast(session, clock)


def _error(response: Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert error["field"] == field


# --- GET /customers --------------------------------------------------------------------------


def test_search_by_phone_email_and_name(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    ayse = make_customer(
        session,
        clock,
        cast.client_a,
        display_name="Ayşe",
        phones=["+905321234567"],
        emails=["ayse@example.com"],
    )
    make_customer(session, clock, cast.client_a, display_name="Bora")
    headers = bearer(client, cast.agent[0].email)
    for params in (
        {"phone": "0532 123 45 67", "default_region": "TR"},
        {"phone": "+90 532 123 45 67"},
        {"email": "ayse@EXAMPLE.com"},
        {"name_prefix": "ayş"},
    ):
        response = client.get(
            "/api/v1/customers", params={"client_id": cast.client_a.id, **params}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert [customer["id"] for customer in response.json()] == [ayse.id], params
    everyone = client.get(
        "/api/v1/customers", params={"client_id": cast.client_a.id, "limit": 1}, headers=headers
    )
    assert len(everyone.json()) == 1
    entry = customer_audit(session)[-1]
    assert entry.action == "read"
    assert entry.detail["customer_ids"] == [everyone.json()[0]["id"]]


def test_a_user_of_one_client_may_leave_the_client_out(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    own = make_customer(session, clock, cast.client_a)
    make_customer(session, clock, cast.client_b)
    response = client.get("/api/v1/customers", headers=bearer(client, cast.viewer_a[0].email))
    assert response.status_code == 200, response.text
    assert [customer["id"] for customer in response.json()] == [own.id]
    unscoped = client.get("/api/v1/customers", headers=bearer(client, cast.agent[0].email))
    _error(unscoped, 422, "invalid_input", "client_id")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"phone": "not a phone"}, "phone"),
        ({"phone": "0532 123 45 67"}, "phone"),
        ({"phone": "+" + "1" * 40}, "phone"),
        ({"email": "nobody@"}, "email"),
        ({"email": "a" * 255}, "email"),
        ({"name_prefix": "x" * 201}, "name_prefix"),
        ({"default_region": "TUR"}, "default_region"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"client_id": TOO_BIG_ID}, "client_id"),
        ({"client_id": "abc"}, "client_id"),
        ({"purpose": "x" * 201}, "purpose"),
    ],
)
def test_search_refuses_bad_criteria_with_422(
    client: TestClient, cast: Cast, params: dict[str, str | int], field: str
) -> None:
    response = client.get(
        "/api/v1/customers",
        params={"client_id": cast.client_a.id, **params},
        headers=bearer(client, cast.agent[0].email),
    )
    _error(response, 422, "invalid_input", field)


def test_search_is_refused_by_role_scope_and_without_a_token(
    client: TestClient, cast: Cast
) -> None:
    params = {"client_id": cast.client_a.id}
    planner = client.get(
        "/api/v1/customers", params=params, headers=bearer(client, cast.planner[0].email)
    )
    _error(planner, 403, "permission_denied")
    outside = client.get(
        "/api/v1/customers",
        params={"client_id": cast.client_b.id},
        headers=bearer(client, cast.viewer_a[0].email),
    )
    _error(outside, 403, "permission_denied", "client")
    unknown = client.get(
        "/api/v1/customers",
        params={"client_id": 2_000_000_000},
        headers=bearer(client, cast.admin[0].email),
    )
    _error(unknown, 404, "not_found")
    _error(client.get("/api/v1/customers", params=params), 401, "not_authenticated")


# --- POST /customers/{id}/contact-points -----------------------------------------------------


def test_add_contact_point_answers_201_in_e164(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a)
    headers = bearer(client, cast.agent_a[0].email)
    response = client.post(
        f"/api/v1/customers/{customer.id}/contact-points",
        json={"kind": "phone", "value": "06 20 123 4567", "default_region": "HU"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["kind"], body["value"]) == ("phone", "+36201234567")
    shown = client.get(f"/api/v1/customers/{customer.id}", headers=headers).json()
    assert body["id"] in [point["id"] for point in shown["contact_points"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "phone", "value": "555-CALL-NOW"}, "value"),
        ({"kind": "phone", "value": "+90 532"}, "value"),
        ({"kind": "email", "value": "x@"}, "value"),
        ({"kind": "email", "value": "a" * 255}, "value"),
        ({"kind": "email", "value": ""}, "value"),
        ({"kind": "fax", "value": "+905321234567"}, "kind"),
        ({"kind": "phone", "value": "0532 123 45 67", "default_region": "ZZ"}, "default_region"),
        ({"kind": "phone", "value": 905321234567}, "value"),
        ({"kind": "phone", "value": "+905321234567", "primary": True}, "primary"),
        ({"value": "+905321234567"}, "kind"),
    ],
)
def test_add_contact_point_refuses_bad_input_with_422(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    cast: Cast,
    body: dict[str, object],
    field: str,
) -> None:
    customer = make_customer(session, clock, cast.client_a)
    response = client.post(
        f"/api/v1/customers/{customer.id}/contact-points",
        json=body,
        headers=bearer(client, cast.agent[0].email),
    )
    _error(response, 422, "invalid_input", field)


def test_add_contact_point_refuses_duplicates_bad_ids_and_outsiders(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    make_customer(session, clock, cast.client_a, emails=["taken@example.com"])
    customer_a = make_customer(session, clock, cast.client_a)
    customer_b = make_customer(session, clock, cast.client_b)
    headers = bearer(client, cast.agent_a[0].email)
    email = {"kind": "email", "value": "taken@example.com"}
    path = f"/api/v1/customers/{customer_a.id}/contact-points"
    _error(client.post(path, json=email, headers=headers), 409, "conflict", "value")
    malformed = client.post(
        path, content=b'{"kind": "email",', headers={**headers, "content-type": "application/json"}
    )
    _error(malformed, 400, "malformed_json")
    fresh = {"kind": "email", "value": "fresh@example.com"}
    _error(
        client.post(f"/api/v1/customers/{TOO_BIG_ID}/contact-points", json=fresh, headers=headers),
        422,
        "invalid_input",
    )
    _error(
        client.post("/api/v1/customers/999999/contact-points", json=fresh, headers=headers),
        404,
        "not_found",
    )
    _error(
        client.post(
            f"/api/v1/customers/{customer_b.id}/contact-points", json=fresh, headers=headers
        ),
        404,
        "not_found",
    )
    viewer = client.post(path, json=fresh, headers=bearer(client, cast.viewer_a[0].email))
    _error(viewer, 403, "permission_denied")
    _error(client.post(path, json=fresh), 401, "not_authenticated")
    assert len(customer_a.contact_points) == 1


# --- DELETE /customers/{id}/contact-points/{point_id} ----------------------------------------


def test_remove_contact_point_answers_204(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a, emails=["gone@example.com"])
    phone, email = customer.contact_points
    headers = bearer(client, cast.agent[0].email)
    response = client.delete(
        f"/api/v1/customers/{customer.id}/contact-points/{email.id}", headers=headers
    )
    assert response.status_code == 204, response.text
    assert response.content == b""
    shown = client.get(f"/api/v1/customers/{customer.id}", headers=headers).json()
    assert [point["id"] for point in shown["contact_points"]] == [phone.id]
    again = client.delete(
        f"/api/v1/customers/{customer.id}/contact-points/{email.id}", headers=headers
    )
    _error(again, 404, "not_found", "point_id")


def test_remove_contact_point_refuses_bad_ids_and_outsiders(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer_a = make_customer(session, clock, cast.client_a)
    customer_b = make_customer(session, clock, cast.client_b)
    point_a = customer_a.contact_points[0].id
    point_b = customer_b.contact_points[0].id
    headers = bearer(client, cast.agent_a[0].email)
    _error(
        client.delete(
            f"/api/v1/customers/{customer_a.id}/contact-points/{TOO_BIG_ID}", headers=headers
        ),
        422,
        "invalid_input",
        "point_id",
    )
    _error(
        client.delete(f"/api/v1/customers/{TOO_BIG_ID}/contact-points/1", headers=headers),
        422,
        "invalid_input",
        "customer_id",
    )
    _error(
        client.delete(
            f"/api/v1/customers/{customer_b.id}/contact-points/{point_b}", headers=headers
        ),
        404,
        "not_found",
    )
    # Another customer's point through this customer's path is not found either.
    _error(
        client.delete(
            f"/api/v1/customers/{customer_a.id}/contact-points/{point_b}", headers=headers
        ),
        404,
        "not_found",
        "point_id",
    )
    viewer = client.delete(
        f"/api/v1/customers/{customer_a.id}/contact-points/{point_a}",
        headers=bearer(client, cast.viewer_a[0].email),
    )
    _error(viewer, 403, "permission_denied")
    _error(
        client.delete(f"/api/v1/customers/{customer_a.id}/contact-points/{point_a}"),
        401,
        "not_authenticated",
    )
    session.expire_all()
    assert [point.id for point in customer_a.contact_points] == [point_a]
    assert [point.id for point in customer_b.contact_points] == [point_b]
