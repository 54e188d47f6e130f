"""POST, GET and PATCH /api/v1/customers through the real app and database."""

from __future__ import annotations

from typing import Any

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


def _new(cast: Cast, **fields: Any) -> dict[str, Any]:
    return {"client_id": cast.client_a.id, "display_name": "Ayşe Y\u0131lmaz", **fields}


# --- POST /customers -------------------------------------------------------------------------


def test_create_answers_201_with_normalised_contact_points(
    client: TestClient, session: Session, cast: Cast, clock: FixedClock
) -> None:
    user, _ = cast.agent
    response = client.post(
        "/api/v1/customers",
        json=_new(
            cast,
            phones=["0532 123 45 67"],
            emails=["Ayse@Example.com"],
            preferred_language="TR",
            default_region="tr",
            communication_needs="plain language",
            special_category_consent=True,
            marketing_consent=True,
        ),
        headers=bearer(client, user.email),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["client_id"] == cast.client_a.id
    assert body["preferred_language"] == "tr"
    assert body["communication_needs"] == "plain language"
    assert body["special_category_consent"] is True
    assert body["marketing_consent"] is True
    assert body["survey_opt_out"] is False
    assert body["is_vulnerable"] is False
    assert [(point["kind"], point["value"]) for point in body["contact_points"]] == [
        ("phone", "+905321234567"),
        ("email", "ayse@example.com"),
    ]
    assert all(isinstance(point["id"], int) for point in body["contact_points"])
    assert (
        body["created_at"] == body["updated_at"] == clock.now().isoformat().replace("+00:00", "Z")
    )
    entry = customer_audit(session, body["id"])[-1]
    assert (entry.action, entry.actor_user_id) == ("create", user.id)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phones": ["+90 532 123 45 67", "12"]}, "phones.1"),
        ({"phones": ["0532 123 45 67"]}, "phones.0"),  # national format, no region
        ({"phones": ["+90 532 123 45 67 ext 9"]}, "phones.0"),
        ({"emails": ["ayse@@example.com"]}, "emails.0"),
        ({"emails": ["ayse"]}, "emails.0"),
        ({"phones": ["+905321234567"], "default_region": "ZZ"}, "default_region"),
        ({"default_region": "TUR"}, "default_region"),
        ({"display_name": "x" * 201}, "display_name"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"phones": ["+1" + "2" * 40]}, "phones.0"),
        ({"emails": ["a" * 250 + "@example.com"]}, "emails.0"),
        ({"phones": [f"+90532000{n:04d}" for n in range(11)]}, "phones"),
        ({"preferred_language": "de"}, "preferred_language"),
        ({"communication_needs": "x" * 1001, "special_category_consent": True}, None),
        ({"communication_needs": "large print"}, "communication_needs"),
        ({"is_vulnerable": True}, "is_vulnerable"),
        ({"client_id": "abc"}, "client_id"),
        ({"client_id": TOO_BIG_ID}, "client_id"),
        ({"phones": "+905321234567"}, "phones"),
        ({"is_vulnerable": "maybe"}, "is_vulnerable"),
        ({"nickname": "Ayşe"}, "nickname"),
    ],
)
def test_create_refuses_bad_input_with_422(
    client: TestClient, cast: Cast, fields: dict[str, Any], field: str | None
) -> None:
    user, _ = cast.agent
    response = client.post(
        "/api/v1/customers", json=_new(cast, **fields), headers=bearer(client, user.email)
    )
    _error(response, 422, "invalid_input", field or "communication_needs")


def test_create_refuses_malformed_json_and_missing_fields(client: TestClient, cast: Cast) -> None:
    headers = bearer(client, cast.agent[0].email)
    malformed = client.post(
        "/api/v1/customers",
        content=b'{"client_id": 1, "display_name": ',
        headers={**headers, "content-type": "application/json"},
    )
    _error(malformed, 400, "malformed_json")
    missing = client.post(
        "/api/v1/customers", json={"client_id": cast.client_a.id}, headers=headers
    )
    _error(missing, 422, "invalid_input", "display_name")


def test_create_answers_409_for_a_taken_number(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    make_customer(session, clock, cast.client_a, phones=["+905321234567"])
    response = client.post(
        "/api/v1/customers",
        json=_new(cast, phones=["+90 532 123 45 67"]),
        headers=bearer(client, cast.agent[0].email),
    )
    _error(response, 409, "conflict", "phones")


def test_create_in_an_unknown_client_is_404(client: TestClient, cast: Cast) -> None:
    response = client.post(
        "/api/v1/customers",
        json=_new(cast, client_id=2_000_000_000),
        headers=bearer(client, cast.admin[0].email),
    )
    _error(response, 404, "not_found", "client_id")


def test_create_is_refused_by_role_and_by_client_scope(client: TestClient, cast: Cast) -> None:
    for user, _ in (cast.planner, cast.viewer_a):
        response = client.post(
            "/api/v1/customers", json=_new(cast), headers=bearer(client, user.email)
        )
        _error(response, 403, "permission_denied")
    outside = client.post(
        "/api/v1/customers",
        json=_new(cast, client_id=cast.client_b.id),
        headers=bearer(client, cast.agent_a[0].email),
    )
    _error(outside, 403, "permission_denied", "client")


def test_create_without_a_token_is_401(client: TestClient, cast: Cast) -> None:
    response = client.post("/api/v1/customers", json=_new(cast))
    _error(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"


# --- GET /customers/{id} ---------------------------------------------------------------------


def test_read_returns_the_customer_and_audits_the_purpose(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a, display_name="Read Me")
    user, _ = cast.viewer_a
    response = client.get(
        f"/api/v1/customers/{customer.id}",
        params={"purpose": "client report"},
        headers=bearer(client, user.email),
    )
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Read Me"
    assert response.json()["contact_points"][0]["value"] == customer.contact_points[0].value
    entry = customer_audit(session, customer.id)[-1]
    assert (entry.action, entry.actor_user_id, entry.actor_label) == ("read", user.id, user.email)
    assert entry.detail == {"purpose": "client report"}


def test_read_refuses_bad_ids_and_purposes(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(session, clock, cast.client_a)
    headers = bearer(client, cast.agent[0].email)
    _error(client.get(f"/api/v1/customers/{TOO_BIG_ID}", headers=headers), 422, "invalid_input")
    _error(client.get("/api/v1/customers/0", headers=headers), 422, "invalid_input")
    _error(client.get("/api/v1/customers/abc", headers=headers), 422, "invalid_input")
    _error(client.get("/api/v1/customers/999999", headers=headers), 404, "not_found", "customer_id")
    too_long = client.get(
        f"/api/v1/customers/{customer.id}", params={"purpose": "x" * 201}, headers=headers
    )
    _error(too_long, 422, "invalid_input", "purpose")
    blank = client.get(
        f"/api/v1/customers/{customer.id}", params={"purpose": "  "}, headers=headers
    )
    _error(blank, 422, "invalid_input", "purpose")


def test_read_is_refused_by_role_and_hidden_by_client_scope(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer_b = make_customer(session, clock, cast.client_b)
    planner = client.get(
        f"/api/v1/customers/{customer_b.id}", headers=bearer(client, cast.planner[0].email)
    )
    _error(planner, 403, "permission_denied")
    for user, _ in (cast.viewer_a, cast.agent_a):
        response = client.get(
            f"/api/v1/customers/{customer_b.id}", headers=bearer(client, user.email)
        )
        _error(response, 404, "not_found")
    _error(client.get(f"/api/v1/customers/{customer_b.id}"), 401, "not_authenticated")


# --- PATCH /customers/{id} -------------------------------------------------------------------


def test_patch_changes_given_fields_and_withdrawal_clears_special_data(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer = make_customer(
        session,
        clock,
        cast.client_a,
        preferred_language="ru",
        communication_needs="read-aloud",
        is_vulnerable=True,
        special_category_consent=True,
    )
    clock.advance(120)
    headers = bearer(client, cast.agent_a[0].email)
    renamed = client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"display_name": "Ivan Petrov", "preferred_language": None},
        headers=headers,
    )
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert body["display_name"] == "Ivan Petrov"
    assert body["preferred_language"] is None
    assert body["communication_needs"] == "read-aloud"
    assert body["updated_at"] == clock.now().isoformat().replace("+00:00", "Z")

    withdrawn = client.patch(
        f"/api/v1/customers/{customer.id}",
        json={"special_category_consent": False},
        headers=headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["special_category_consent"] is False
    assert body["communication_needs"] is None
    assert body["is_vulnerable"] is False
    assert customer_audit(session, customer.id)[-1].detail == {
        "fields": ["communication_needs", "is_vulnerable", "special_category_consent"]
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": None}, "display_name"),
        ({"display_name": "x" * 201}, "display_name"),
        ({"marketing_consent": None}, "marketing_consent"),
        ({"is_vulnerable": True}, "is_vulnerable"),  # no consent on record
        ({"communication_needs": "large print"}, "communication_needs"),
        ({"preferred_language": "xx-YY"}, "preferred_language"),
        ({"client_id": 2}, "client_id"),  # a customer never moves to another client
        ({"survey_opt_out": "yes please"}, "survey_opt_out"),
    ],
)
def test_patch_refuses_bad_input_with_422(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    cast: Cast,
    body: dict[str, Any],
    field: str,
) -> None:
    customer = make_customer(session, clock, cast.client_a, display_name="Unchanged")
    response = client.patch(
        f"/api/v1/customers/{customer.id}", json=body, headers=bearer(client, cast.agent[0].email)
    )
    _error(response, 422, "invalid_input", field)
    session.expire_all()
    assert customer.display_name == "Unchanged"
    assert customer.is_vulnerable is False


def test_patch_refuses_malformed_json_bad_ids_and_outsiders(
    client: TestClient, session: Session, clock: FixedClock, cast: Cast
) -> None:
    customer_a = make_customer(session, clock, cast.client_a)
    customer_b = make_customer(session, clock, cast.client_b)
    headers = bearer(client, cast.agent_a[0].email)
    malformed = client.patch(
        f"/api/v1/customers/{customer_a.id}",
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )
    _error(malformed, 400, "malformed_json")
    change = {"display_name": "X"}
    _error(
        client.patch(f"/api/v1/customers/{TOO_BIG_ID}", json=change, headers=headers),
        422,
        "invalid_input",
    )
    _error(client.patch("/api/v1/customers/999999", json=change, headers=headers), 404, "not_found")
    _error(
        client.patch(f"/api/v1/customers/{customer_b.id}", json=change, headers=headers),
        404,
        "not_found",
    )
    viewer = client.patch(
        f"/api/v1/customers/{customer_a.id}",
        json=change,
        headers=bearer(client, cast.viewer_a[0].email),
    )
    _error(viewer, 403, "permission_denied")
    _error(
        client.patch(f"/api/v1/customers/{customer_a.id}", json=change), 401, "not_authenticated"
    )
