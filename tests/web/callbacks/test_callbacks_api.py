"""The waiting and callbacks API through HTTP: happy paths, bad input, refusals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Role
from tests.support.callbacks import PHONE, Line, add_agent, make_line, offer, request
from tests.support.factories import make_user
from tests.support.http import bearer

Headers = dict[str, str]
TOO_BIG_ID = 2**31


@dataclass
class World:
    http: TestClient
    session: Session
    clock: FixedClock
    a: Line
    b: Line

    def _sign_in(self, role: Role, clients: list[ClientOrganisation] | None = None) -> Headers:
        user, _ = make_user(self.session, self.clock, role, clients=clients)
        return bearer(self.http, user.email)

    @cached_property
    def supervisor(self) -> Headers:
        return self._sign_in(Role.SUPERVISOR)

    @cached_property
    def agent_a(self) -> Headers:
        return self._sign_in(Role.AGENT, [self.a.client])

    @cached_property
    def viewer_a(self) -> Headers:
        return self._sign_in(Role.CLIENT_VIEWER, [self.a.client])

    @cached_property
    def planner(self) -> Headers:
        return self._sign_in(Role.PLANNER)


@pytest.fixture
def world(client: TestClient, session: Session, clock: FixedClock) -> World:
    return World(client, session, clock, make_line(session, clock), make_line(session, clock))


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert error["field"] == field


# --- GET /contacts/{id}/waiting --------------------------------------------------------------


def test_waiting_status(client: TestClient, world: World) -> None:
    add_agent(world.session, world.clock, world.a)
    path = f"/api/v1/contacts/{world.a.contacts[2].id}/waiting"

    response = client.get(path, headers=world.viewer_a)

    assert response.status_code == 200, response.text
    # Three waiting, one free agent: place 3 waits 2 x 300 s / 1 agent.
    assert response.json() == {
        "position": 3,
        "waiting_count": 3,
        "estimated_wait_seconds": 600.0,
        "callback_offered": False,
        "is_callback": False,
    }


def test_waiting_status_refusals(client: TestClient, world: World) -> None:
    path_b = f"/api/v1/contacts/{world.b.contacts[0].id}/waiting"
    assert_error(client.get(path_b, headers=world.viewer_a), 404, "not_found", "contact_id")
    assert_error(client.get(path_b, headers=world.planner), 403, "permission_denied")
    assert_error(client.get(path_b), 401, "not_authenticated")
    for bad in ("abc", "0", str(TOO_BIG_ID)):
        response = client.get(f"/api/v1/contacts/{bad}/waiting", headers=world.supervisor)
        assert_error(response, 422, "invalid_input")
    assert_error(
        client.get("/api/v1/contacts/999999/waiting", headers=world.supervisor), 404, "not_found"
    )


# --- POST /contacts/{id}/callback -------------------------------------------------------------


def test_request_keep_place_and_scheduled(client: TestClient, world: World) -> None:
    keep = client.post(
        f"/api/v1/contacts/{world.a.contacts[0].id}/callback",
        json={"phone": "0532 123 45 67", "default_region": "TR"},
        headers=world.agent_a,
    )
    assert keep.status_code == 201, keep.text
    assert keep.json()["phone"] == PHONE
    assert keep.json()["kind"] == "keep_place"
    assert keep.json()["status"] == "waiting"

    scheduled = client.post(
        f"/api/v1/contacts/{world.a.contacts[1].id}/callback",
        json={
            "phone": PHONE,
            "kind": "scheduled",
            "window_start": "2026-11-24T10:00:00+03:00",
            "window_minutes": 60,
        },
        headers=world.agent_a,
    )
    assert scheduled.status_code == 201, scheduled.text
    assert scheduled.json()["window_start"].startswith("2026-11-24T07:00:00")
    waiting = client.get(
        f"/api/v1/contacts/{world.a.contacts[1].id}/waiting", headers=world.agent_a
    )
    assert waiting.json()["is_callback"] is True


CALLBACK_BAD_SHAPES: list[tuple[dict[str, Any], str]] = [
    ({"phone": "call me maybe"}, "phone"),
    ({"phone": "+1" + "2" * 60}, "phone"),
    ({"phone": 5}, "phone"),
    ({"kind": "tomorrow"}, "kind"),
    ({"kind": "scheduled", "window_start": "2026-11-24T10:00:00"}, "window_start"),
    ({"kind": "scheduled", "window_start": "2026-11-23T20:00:00+00:00"}, "window_start"),
    ({"kind": "scheduled"}, "window_start"),
    ({"window_start": "2026-11-24T10:00:00+03:00"}, "window_start"),
    (
        {"kind": "scheduled", "window_start": "2026-11-24T10:00:00Z", "window_minutes": 5},
        "window_minutes",
    ),
    ({"default_region": "XX", "phone": "0532 123 45 67"}, "default_region"),
    ({"surprise": 1}, "surprise"),
]


def test_request_refuses_bad_shapes(
    client: TestClient, world: World, subtests: pytest.Subtests
) -> None:
    path = f"/api/v1/contacts/{world.a.contacts[0].id}/callback"
    for change, field in CALLBACK_BAD_SHAPES:
        with subtests.test(change=change):
            body = {"phone": PHONE, **change}
            response = client.post(path, json=body, headers=world.supervisor)
            assert_error(response, 422, "invalid_input", field)
    malformed = client.post(
        path,
        content=b'{"phone": ',
        headers={**world.supervisor, "content-type": "application/json"},
    )
    assert_error(malformed, 400, "malformed_json")
    request(world.session, world.clock, world.a.contacts[0])
    assert_error(
        client.post(path, json={"phone": PHONE}, headers=world.supervisor), 409, "conflict"
    )


def test_request_refusals(client: TestClient, world: World) -> None:
    body = {"phone": PHONE}
    path_a = f"/api/v1/contacts/{world.a.contacts[0].id}/callback"
    path_b = f"/api/v1/contacts/{world.b.contacts[0].id}/callback"
    assert_error(client.post(path_b, json=body, headers=world.agent_a), 404, "not_found")
    assert_error(client.post(path_a, json=body, headers=world.viewer_a), 403, "permission_denied")
    assert_error(client.post(path_a, json=body), 401, "not_authenticated")
    response = client.post(
        f"/api/v1/contacts/{TOO_BIG_ID}/callback", json=body, headers=world.supervisor
    )
    assert_error(response, 422, "invalid_input")


# --- GET /callbacks, GET /callbacks/{id} --------------------------------------------------


def test_list_and_get(client: TestClient, world: World) -> None:
    mine = request(world.session, world.clock, world.a.contacts[0])
    theirs = request(world.session, world.clock, world.b.contacts[0])

    listed = client.get("/api/v1/callbacks", headers=world.viewer_a)
    assert [item["id"] for item in listed.json()] == [mine.id]
    everything = client.get(
        "/api/v1/callbacks", params={"status": "waiting", "limit": 10}, headers=world.supervisor
    )
    assert {item["id"] for item in everything.json()} >= {mine.id, theirs.id}
    one = client.get(f"/api/v1/callbacks/{mine.id}", headers=world.viewer_a)
    assert one.status_code == 200
    assert one.json()["contact_id"] == world.a.contacts[0].id

    assert_error(
        client.get(f"/api/v1/callbacks/{theirs.id}", headers=world.viewer_a), 404, "not_found"
    )
    assert_error(client.get("/api/v1/callbacks", headers=world.planner), 403, "permission_denied")
    assert_error(
        client.get(f"/api/v1/callbacks/{mine.id}", headers=world.planner), 403, "permission_denied"
    )
    assert_error(client.get("/api/v1/callbacks"), 401, "not_authenticated")
    assert_error(client.get(f"/api/v1/callbacks/{mine.id}"), 401, "not_authenticated")
    for params in (
        {"due_before": "2026-11-24T10:00:00"},
        {"status": "lost"},
        {"limit": 0},
        {"client_id": TOO_BIG_ID},
    ):
        response = client.get("/api/v1/callbacks", params=params, headers=world.supervisor)
        assert_error(response, 422, "invalid_input")
    assert_error(client.get("/api/v1/callbacks/999999", headers=world.supervisor), 404, "not_found")


# --- POST /callbacks/{id}/attempts, POST /callbacks/{id}/cancel ---------------------------


def test_record_attempt(client: TestClient, world: World) -> None:
    agent, _ = add_agent(world.session, world.clock, world.a)
    callback = request(world.session, world.clock, world.a.contacts[0])
    offer(world.session, world.clock, world.a.contacts[0], agent)
    path = f"/api/v1/callbacks/{callback.id}/attempts"

    response = client.post(
        path, json={"outcome": "no_answer", "note": "rang out"}, headers=world.supervisor
    )

    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "no_answer"
    assert response.json()["agent_id"] == agent.id
    after = client.get(f"/api/v1/callbacks/{callback.id}", headers=world.supervisor).json()
    assert (after["attempts"], after["status"]) == (1, "waiting")


def test_record_attempt_refusals(client: TestClient, world: World) -> None:
    callback_a = request(world.session, world.clock, world.a.contacts[0])
    callback_b = request(world.session, world.clock, world.b.contacts[0])
    path_a = f"/api/v1/callbacks/{callback_a.id}/attempts"
    path_b = f"/api/v1/callbacks/{callback_b.id}/attempts"
    body = {"outcome": "busy"}
    for bad, field in (
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "busy", "note": "n" * 501}, "note"),
        ({"outcome": "busy", "extra": 1}, "extra"),
        ({}, "outcome"),
    ):
        assert_error(
            client.post(path_a, json=bad, headers=world.supervisor), 422, "invalid_input", field
        )
    malformed = client.post(
        path_a, content=b"{", headers={**world.supervisor, "content-type": "application/json"}
    )
    assert_error(malformed, 400, "malformed_json")
    # No agent holds the pending callback: an agent may not record; answered needs a connection.
    assert_error(client.post(path_a, json=body, headers=world.agent_a), 403, "permission_denied")
    assert_error(
        client.post(path_a, json={"outcome": "answered"}, headers=world.supervisor), 409, "conflict"
    )
    assert_error(client.post(path_b, json=body, headers=world.agent_a), 404, "not_found")
    assert_error(client.post(path_a, json=body, headers=world.viewer_a), 403, "permission_denied")
    assert_error(client.post(path_a, json=body), 401, "not_authenticated")
    assert_error(
        client.post("/api/v1/callbacks/999999/attempts", json=body, headers=world.supervisor),
        404,
        "not_found",
    )


def test_cancel(client: TestClient, world: World) -> None:
    callback_a = request(world.session, world.clock, world.a.contacts[0])
    callback_b = request(world.session, world.clock, world.b.contacts[0])
    path_a = f"/api/v1/callbacks/{callback_a.id}/cancel"

    assert_error(client.post(path_a, headers=world.viewer_a), 403, "permission_denied")
    assert_error(client.post(path_a), 401, "not_authenticated")
    assert_error(
        client.post(f"/api/v1/callbacks/{callback_b.id}/cancel", headers=world.agent_a),
        404,
        "not_found",
    )
    assert_error(
        client.post(f"/api/v1/callbacks/{TOO_BIG_ID}/cancel", headers=world.agent_a),
        422,
        "invalid_input",
    )
    response = client.post(path_a, headers=world.agent_a)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert_error(client.post(path_a, headers=world.agent_a), 409, "conflict")
