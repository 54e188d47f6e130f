"""The queues API over HTTP: every route's happy path, bad input, roles, client scope, sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Role
from helpline.queues.models import Queue
from tests.support.factories import make_client, make_user
from tests.support.http import bearer
from tests.support.queues import make_queue, make_skill

API = "/api/v1"


@dataclass
class World:
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    queue_a: Queue
    queue_b: Queue
    supervisor_a: dict[str, str]


@pytest.fixture
def world(client: TestClient, session: Session, clock: FixedClock) -> World:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    queue_a = make_queue(session, clock, client_a, code="a-billing")
    queue_b = make_queue(session, clock, client_b, code="b-billing")
    supervisor, _ = make_user(session, clock, Role.SUPERVISOR, clients=[client_a])
    return World(client_a, client_b, queue_a, queue_b, bearer(client, supervisor.email))


def as_role(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    role: Role,
    clients: list[ClientOrganisation],
) -> dict[str, str]:
    user, _ = make_user(session, clock, role, clients=clients)
    return bearer(client, user.email)


def queue_body(owner_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": owner_id,
        "code": "a-sales",
        "name": "Sales",
        "channels": ["chat", "voice"],
        "time_zone": "Europe/Istanbul",
        "business_hours": "Mon-Fri 9:00-18:00; sat 10:00-14:00",
        "holiday_country": "tr",
    }
    body.update(overrides)
    return body


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


# --- POST /queues --------------------------------------------------------------------------


def test_create_queue(client: TestClient, world: World) -> None:
    response = client.post(
        f"{API}/queues", json=queue_body(world.client_a.id), headers=world.supervisor_a
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["business_hours"] == "mon-fri 09:00-18:00; sat 10:00-14:00"
    assert body["channels"] == ["voice", "chat"]
    assert body["holiday_country"] == "TR"
    assert body["client_code"] == world.client_a.code
    assert body["callback_offer_seconds"] == 60
    assert body["skill_requirements"] == []
    assert body["is_open_now"] is True  # the fixed clock is Monday 12:30 in Istanbul


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"business_hours": "mon-fri 18:00-09:00"}, 422, "business_hours"),
        ({"channels": []}, 422, "channels"),
        ({"channels": ["fax"]}, 422, "channels.0"),
        ({"time_zone": "Nowhere/City"}, 422, "time_zone"),
        ({"holiday_country": "XX"}, 422, "holiday_country"),
        ({"callback_offer_seconds": 5}, 422, "callback_offer_seconds"),
        ({"short_abandon_seconds": 61}, 422, "short_abandon_seconds"),
        ({"wrap_up_seconds": 1801}, 422, "wrap_up_seconds"),
        ({"service_level_threshold_seconds": 0}, 422, "service_level_threshold_seconds"),
        ({"max_queue_size": 0}, 422, "max_queue_size"),
        ({"overflow_after_seconds": 30}, 422, "overflow_queue_id"),
        ({"code": "a-billing"}, 409, "code"),
        ({"code": "bad code"}, 422, "code"),
        ({"name": "x" * 121}, 422, "name"),
        ({"business_hours": "x" * 2001}, 422, "business_hours"),
        ({"priority": "high"}, 422, "priority"),
        ({"priority": 10**12}, 422, "priority"),
        ({"client_id": 999_999}, 422, "client_id"),
        ({"client_id": 2**40}, 422, "client_id"),
        ({"surprise": True}, 422, "surprise"),
    ],
)
def test_create_queue_bad_input(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    world: World,
    overrides: dict[str, Any],
    status: int,
    field: str,
) -> None:
    # An unknown client is bad input for someone who reaches every client.
    headers = world.supervisor_a
    if overrides.get("client_id") == 999_999:
        headers = as_role(client, session, clock, Role.ADMIN, [])
    body = queue_body(world.client_a.id, **overrides)
    response = client.post(f"{API}/queues", json=body, headers=headers)
    error = assert_error(response, status)
    assert error["field"] == field


def test_create_queue_overflow_to_other_client_is_refused(client: TestClient, world: World) -> None:
    body = queue_body(
        world.client_a.id, overflow_queue_id=world.queue_b.id, overflow_after_seconds=60
    )
    error = assert_error(client.post(f"{API}/queues", json=body, headers=world.supervisor_a), 422)
    assert error["field"] == "overflow_queue_id"


def test_create_queue_malformed_json(client: TestClient, world: World) -> None:
    response = client.post(
        f"{API}/queues",
        content="{not json",
        headers={**world.supervisor_a, "content-type": "application/json"},
    )
    assert_error(response, 400, "malformed_json")


def test_agent_cannot_create_queue(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    headers = as_role(client, session, clock, Role.AGENT, [world.client_a])
    response = client.post(f"{API}/queues", json=queue_body(world.client_a.id), headers=headers)
    assert_error(response, 403, "permission_denied")


def test_supervisor_of_a_cannot_create_in_b(client: TestClient, world: World) -> None:
    response = client.post(
        f"{API}/queues", json=queue_body(world.client_b.id), headers=world.supervisor_a
    )
    assert_error(response, 403, "permission_denied")


# --- GET /queues, GET /queues/{id} -----------------------------------------------------------


def test_list_queues_is_scoped(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/queues", headers=world.supervisor_a)
    assert response.status_code == 200
    assert [item["code"] for item in response.json()] == ["a-billing"]
    response = client.get(
        f"{API}/queues", params={"client_id": world.client_b.id}, headers=world.supervisor_a
    )
    assert response.json() == []


def test_list_queues_bad_filter(client: TestClient, world: World) -> None:
    assert_error(
        client.get(f"{API}/queues", params={"client_id": "x"}, headers=world.supervisor_a), 422
    )


def test_read_queue(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/queues/{world.queue_a.id}", headers=world.supervisor_a)
    assert response.status_code == 200
    assert response.json()["code"] == "a-billing"


def test_read_queue_of_other_client_is_not_found(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    viewer = as_role(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    assert client.get(f"{API}/queues/{world.queue_a.id}", headers=viewer).status_code == 200
    assert_error(client.get(f"{API}/queues/{world.queue_b.id}", headers=viewer), 404, "not_found")
    assert_error(client.get(f"{API}/queues/999999", headers=viewer), 404)
    assert_error(client.get(f"{API}/queues/abc", headers=viewer), 422)


# --- PATCH /queues/{id} ---------------------------------------------------------------------


def test_update_queue_partially(client: TestClient, world: World) -> None:
    response = client.patch(
        f"{API}/queues/{world.queue_a.id}",
        json={"business_hours": "MON-SUN 00:00-24:00", "max_queue_size": 200},
        headers=world.supervisor_a,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["business_hours"] == "mon-sun 00:00-24:00"
    assert body["max_queue_size"] == 200
    assert body["name"] == world.queue_a.name
    response = client.patch(
        f"{API}/queues/{world.queue_a.id}",
        json={"max_queue_size": None},
        headers=world.supervisor_a,
    )
    assert response.json()["max_queue_size"] is None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": None}, 422, "name"),
        ({"channels": None}, 422, None),
        ({"wrap_up_seconds": -1}, 422, "wrap_up_seconds"),
        ({"business_hours": "sometimes"}, 422, "business_hours"),
        ({"holiday_subdivision": "ZZ"}, 422, "holiday_subdivision"),
        ({"is_active": "perhaps"}, 422, "is_active"),
        ({"code": "renamed"}, 422, "code"),
        ({"time_zone": "t" * 65}, 422, "time_zone"),
    ],
)
def test_update_queue_bad_input(
    client: TestClient, world: World, body: dict[str, Any], status: int, field: str | None
) -> None:
    response = client.patch(
        f"{API}/queues/{world.queue_a.id}", json=body, headers=world.supervisor_a
    )
    error = assert_error(response, status)
    if field is not None:
        assert error["field"] == field


def test_update_queue_overflow_into_itself(client: TestClient, world: World) -> None:
    response = client.patch(
        f"{API}/queues/{world.queue_a.id}",
        json={"overflow_queue_id": world.queue_a.id, "overflow_after_seconds": 90},
        headers=world.supervisor_a,
    )
    assert_error(response, 422)


def test_update_queue_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    url_b = f"{API}/queues/{world.queue_b.id}"
    assert_error(client.patch(url_b, json={"name": "Mine"}, headers=world.supervisor_a), 404)
    planner = as_role(client, session, clock, Role.PLANNER, [world.client_a])
    url_a = f"{API}/queues/{world.queue_a.id}"
    assert_error(client.patch(url_a, json={"name": "Mine"}, headers=planner), 403)
    assert_error(client.patch(url_a, json={"name": "Mine"}), 401)
    assert_error(client.patch(f"{API}/queues/999999", json={}, headers=world.supervisor_a), 404)


# --- PUT /queues/{id}/skill-requirements -------------------------------------------------------


def test_set_skill_requirements(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    make_skill(session, clock, "lang-tr", name="Turkish", language_code="tr")
    make_skill(session, clock, "billing", name="Billing")
    url = f"{API}/queues/{world.queue_a.id}/skill-requirements"
    body = {"requirements": [{"skill_code": "lang-tr", "min_level": 3}, {"skill_code": "billing"}]}
    response = client.put(url, json=body, headers=world.supervisor_a)
    assert response.status_code == 200, response.text
    assert response.json()["skill_requirements"] == [
        {"skill_code": "billing", "skill_name": "Billing", "language_code": None, "min_level": 1},
        {"skill_code": "lang-tr", "skill_name": "Turkish", "language_code": "tr", "min_level": 3},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"requirements": [{"skill_code": "nosuch", "min_level": 1}]}, "skill_requirements"),
        ({"requirements": [{"skill_code": "billing", "min_level": 6}]}, "requirements.0.min_level"),
        ({"requirements": [{"skill_code": "b" * 41}]}, "requirements.0.skill_code"),
        ({"requirements": "billing"}, "requirements"),
        ({}, "requirements"),
    ],
)
def test_set_skill_requirements_bad_input(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    world: World,
    body: dict[str, Any],
    field: str,
) -> None:
    make_skill(session, clock, "billing")
    url = f"{API}/queues/{world.queue_a.id}/skill-requirements"
    error = assert_error(client.put(url, json=body, headers=world.supervisor_a), 422)
    assert error["field"] == field


def test_set_skill_requirements_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    body: dict[str, Any] = {"requirements": []}
    url_b = f"{API}/queues/{world.queue_b.id}/skill-requirements"
    assert_error(client.put(url_b, json=body, headers=world.supervisor_a), 404)
    agent = as_role(client, session, clock, Role.AGENT, [world.client_a])
    url_a = f"{API}/queues/{world.queue_a.id}/skill-requirements"
    assert_error(client.put(url_a, json=body, headers=agent), 403)
    assert_error(client.put(url_a, json=body), 401)


# --- closed dates ------------------------------------------------------------------------------


def test_add_and_remove_closed_date(client: TestClient, world: World) -> None:
    url = f"{API}/queues/{world.queue_a.id}/closed-dates"
    response = client.post(
        url, json={"closed_on": "2026-11-23", "reason": "Staff day"}, headers=world.supervisor_a
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"closed_on": "2026-11-23", "reason": "Staff day"}
    status = client.get(f"{API}/queues/{world.queue_a.id}/status", headers=world.supervisor_a)
    assert status.json()["is_open"] is False
    again = client.post(
        url, json={"closed_on": "2026-11-23", "reason": "again"}, headers=world.supervisor_a
    )
    assert_error(again, 409, "conflict")
    response = client.delete(f"{url}/2026-11-23", headers=world.supervisor_a)
    assert response.status_code == 204
    assert_error(client.delete(f"{url}/2026-11-23", headers=world.supervisor_a), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"closed_on": "2026-02-30", "reason": "No such day"},
        {"closed_on": "tomorrow", "reason": "x"},
        {"closed_on": "2026-12-01", "reason": ""},
        {"closed_on": "2026-12-01", "reason": "r" * 201},
        {"closed_on": "2026-12-01"},
    ],
)
def test_add_closed_date_bad_input(client: TestClient, world: World, body: dict[str, Any]) -> None:
    url = f"{API}/queues/{world.queue_a.id}/closed-dates"
    assert_error(client.post(url, json=body, headers=world.supervisor_a), 422)


def test_closed_date_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    body = {"closed_on": "2026-12-01", "reason": "Move"}
    url_b = f"{API}/queues/{world.queue_b.id}/closed-dates"
    assert_error(client.post(url_b, json=body, headers=world.supervisor_a), 404)
    assert_error(client.delete(f"{url_b}/2026-12-01", headers=world.supervisor_a), 404)
    viewer = as_role(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    url_a = f"{API}/queues/{world.queue_a.id}/closed-dates"
    assert_error(client.post(url_a, json=body, headers=viewer), 403)
    assert_error(client.delete(f"{url_a}/2026-12-01", headers=viewer), 403)
    assert_error(client.delete(f"{url_a}/not-a-date", headers=world.supervisor_a), 422)
    assert_error(client.post(url_a, json=body), 401)
    assert_error(client.delete(f"{url_a}/2026-12-01"), 401)


# --- GET /queues/{id}/status ---------------------------------------------------------------


def test_status_on_a_national_holiday(client: TestClient, world: World, clock: FixedClock) -> None:
    # Move the app's clock to Republic Day 2026 (Thursday), 10:00 in Istanbul.
    clock.advance((datetime(2026, 10, 29, 7, tzinfo=UTC) - clock.now()).total_seconds())
    response = client.get(f"{API}/queues/{world.queue_a.id}/status", headers=world.supervisor_a)
    assert response.status_code == 200
    assert response.json() == {
        "queue_id": world.queue_a.id,
        "is_open": False,
        "next_opening": "2026-10-30T06:00:00Z",
        "local_time": "2026-10-29T10:00:00+03:00",
        "time_zone": "Europe/Istanbul",
    }


def test_status_when_open(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/queues/{world.queue_a.id}/status", headers=world.supervisor_a)
    body = response.json()
    assert body["is_open"] is True
    assert body["local_time"] == "2026-11-23T12:30:00+03:00"


def test_status_refusals(client: TestClient, world: World) -> None:
    assert_error(
        client.get(f"{API}/queues/{world.queue_b.id}/status", headers=world.supervisor_a), 404
    )
    assert_error(client.get(f"{API}/queues/{world.queue_a.id}/status"), 401)
    assert_error(client.get(f"{API}/queues/0/status", headers=world.supervisor_a), 422)


def test_unauthenticated_reads_are_refused(client: TestClient, world: World) -> None:
    assert_error(client.get(f"{API}/queues"), 401, "not_authenticated")
    assert_error(client.get(f"{API}/queues/{world.queue_a.id}"), 401)
    assert_error(client.post(f"{API}/queues", json=queue_body(world.client_a.id)), 401)


def test_offer_timeout_and_skill_relaxation_are_configured(
    client: TestClient, world: World
) -> None:
    """The engine's per-queue figures: offer timeout, and when skill levels relax."""
    created = client.post(
        f"{API}/queues",
        json=queue_body(world.client_a.id, offer_timeout_seconds=30),
        headers=world.supervisor_a,
    )
    assert created.status_code == 201, created.text
    assert created.json()["offer_timeout_seconds"] == 30
    assert created.json()["skill_relaxation_after_seconds"] is None
    queue_id = created.json()["id"]
    changed = client.patch(
        f"{API}/queues/{queue_id}",
        json={"skill_relaxation_after_seconds": 120},
        headers=world.supervisor_a,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["skill_relaxation_after_seconds"] == 120
    for body, field in [
        ({"offer_timeout_seconds": 1}, "offer_timeout_seconds"),
        ({"offer_timeout_seconds": None}, "offer_timeout_seconds"),
        ({"skill_relaxation_after_seconds": 0}, "skill_relaxation_after_seconds"),
    ]:
        refused = client.patch(f"{API}/queues/{queue_id}", json=body, headers=world.supervisor_a)
        assert assert_error(refused, 422)["field"] == field
