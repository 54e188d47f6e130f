"""Presence, queue logins, training records and state seconds over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.agents.models import Agent
from helpline.clock import FixedClock
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Role
from helpline.queues.models import Queue
from tests.support.factories import make_client, make_user
from tests.support.http import bearer
from tests.support.queues import go_available, make_agent, make_queue

API = "/api/v1"


@dataclass
class World:
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    agent_a: Agent
    me: dict[str, str]  # the user of agent_a
    colleague: dict[str, str]  # another agent of client A, with a profile
    agent_b: Agent
    agent_ab: Agent
    supervisor_a: dict[str, str]
    queue_a: Queue
    gated_a: Queue
    queue_b: Queue


@pytest.fixture
def world(client: TestClient, session: Session, clock: FixedClock) -> World:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    user_a, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    colleague, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    make_agent(session, clock, colleague)
    supervisor, _ = make_user(session, clock, Role.SUPERVISOR, clients=[client_a])
    return World(
        client_a=client_a,
        client_b=client_b,
        agent_a=make_agent(session, clock, user_a),
        me=bearer(client, user_a.email),
        colleague=bearer(client, colleague.email),
        agent_b=make_agent(
            session, clock, make_user(session, clock, Role.AGENT, clients=[client_b])[0]
        ),
        agent_ab=make_agent(
            session, clock, make_user(session, clock, Role.AGENT, clients=[client_a, client_b])[0]
        ),
        supervisor_a=bearer(client, supervisor.email),
        queue_a=make_queue(session, clock, client_a, code="acme-general"),
        gated_a=make_queue(
            session, clock, client_a, code="acme-vip", required_training_code="data-protection"
        ),
        queue_b=make_queue(session, clock, client_b, code="other-general"),
    )


def as_role(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    role: Role,
    clients: list[ClientOrganisation],
) -> dict[str, str]:
    user, _ = make_user(session, clock, role, clients=clients)
    return bearer(client, user.email)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def malformed(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    return client.request(
        method, url, content="{", headers={**headers, "content-type": "application/json"}
    )


# --- GET/PUT /agents/{id}/presence -------------------------------------------------------------


def test_agent_sets_and_reads_its_own_presence(
    client: TestClient, clock: FixedClock, world: World
) -> None:
    url = f"{API}/agents/{world.agent_a.id}/presence"
    before = client.get(url, headers=world.me)
    assert before.status_code == 200, before.text
    assert (before.json()["state"], before.json()["aux_reason"]) == ("offline", None)
    response = client.put(url, json={"state": "available"}, headers=world.me)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "available"
    assert response.json()["since"].startswith("2026-11-23T09:30:00")
    clock.advance(45)
    response = client.put(url, json={"state": "aux", "aux_reason": "break"}, headers=world.me)
    assert (response.json()["state"], response.json()["aux_reason"]) == ("aux", "break")
    clock.advance(30)
    read = client.get(url, headers=world.supervisor_a).json()
    assert (read["state"], read["seconds_in_state"], read["queues"]) == ("aux", 30.0, [])


def test_supervisor_forces_presence(client: TestClient, world: World) -> None:
    url = f"{API}/agents/{world.agent_a.id}/presence"
    response = client.put(
        url, json={"state": "aux", "aux_reason": "coaching"}, headers=world.supervisor_a
    )
    assert response.status_code == 200, response.text
    assert response.json()["aux_reason"] == "coaching"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"state": "asleep"}, 422, "state"),
        ({"state": "aux", "aux_reason": "nap"}, 422, "aux_reason"),
        ({"state": "aux"}, 422, "aux_reason"),
        ({"state": "available", "aux_reason": "break"}, 422, "aux_reason"),
        ({"state": "aux", "aux_reason": "missed"}, 422, "aux_reason"),
        ({"state": "busy"}, 409, "state"),
        ({"state": 3}, 422, "state"),
        ({}, 422, "state"),
        ({"state": "available", "since": "now"}, 422, "since"),
        ({"state": "s" * 10_000}, 422, "state"),
    ],
)
def test_set_presence_bad_input(
    client: TestClient, world: World, body: dict[str, Any], status: int, field: str
) -> None:
    url = f"{API}/agents/{world.agent_a.id}/presence"
    error = assert_error(client.put(url, json=body, headers=world.me), status)
    assert error["field"] == field


def test_presence_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    body = {"state": "available"}
    own = f"{API}/agents/{world.agent_a.id}/presence"
    assert_error(malformed(client, "PUT", own, world.me), 400, "malformed_json")
    assert_error(client.put(own, json=body, headers=world.colleague), 403, "permission_denied")
    planner = as_role(client, session, clock, Role.PLANNER, [world.client_a])
    assert_error(client.put(own, json=body, headers=planner), 403)
    viewer = as_role(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    assert_error(client.get(own, headers=viewer), 403)
    url_b = f"{API}/agents/{world.agent_b.id}/presence"
    assert_error(client.get(url_b, headers=world.supervisor_a), 404)
    assert_error(client.put(url_b, json=body, headers=world.supervisor_a), 404)
    url_ab = f"{API}/agents/{world.agent_ab.id}/presence"
    assert_error(client.put(url_ab, json=body, headers=world.supervisor_a), 403)
    assert_error(client.get(f"{API}/agents/999999/presence", headers=world.me), 404)
    assert_error(client.get(f"{API}/agents/me/presence", headers=world.me), 422)
    assert_error(client.get(own), 401)
    assert_error(client.put(own, json=body), 401)


# --- GET /agents/presence ---------------------------------------------------------------------


def test_presence_board(client: TestClient, session: Session, world: World) -> None:
    client.put(
        f"{API}/agents/{world.agent_a.id}/presence", json={"state": "available"}, headers=world.me
    )
    response = client.get(f"{API}/agents/presence", headers=world.supervisor_a)
    assert response.status_code == 200, response.text
    by_id = {item["agent_id"]: item for item in response.json()}
    assert world.agent_b.id not in by_id
    assert {world.agent_a.id, world.agent_ab.id} <= set(by_id)
    assert by_id[world.agent_a.id]["state"] == "available"
    filtered = client.get(
        f"{API}/agents/presence", params={"client_id": world.client_a.id}, headers=world.me
    )
    assert filtered.status_code == 200
    assert world.agent_a.id in {item["agent_id"] for item in filtered.json()}


def test_presence_board_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    url = f"{API}/agents/presence"
    params = {"client_id": world.client_b.id}
    assert_error(client.get(url, params=params, headers=world.supervisor_a), 403)
    assert_error(client.get(url, params={"client_id": "x"}, headers=world.supervisor_a), 422)
    assert_error(client.get(url, params={"client_id": 2**40}, headers=world.supervisor_a), 422)
    viewer = as_role(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    assert_error(client.get(url, headers=viewer), 403)
    assert_error(client.get(url), 401)


# --- POST/DELETE /agents/{id}/queue-logins ------------------------------------------------------


def test_log_into_and_out_of_a_queue(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent_a)
    url = f"{API}/agents/{world.agent_a.id}/queue-logins"
    response = client.post(url, json={"queue_id": world.queue_a.id}, headers=world.me)
    assert response.status_code == 201, response.text
    assert response.json()["queue_id"] == world.queue_a.id
    assert response.json()["logged_out_at"] is None
    presence = client.get(f"{API}/agents/{world.agent_a.id}/presence", headers=world.me).json()
    assert [item["queue_code"] for item in presence["queues"]] == ["acme-general"]
    gone = client.delete(f"{url}/{world.queue_a.id}", headers=world.supervisor_a)
    assert gone.status_code == 204, gone.text
    assert_error(client.delete(f"{url}/{world.queue_a.id}", headers=world.me), 404)


def test_queue_login_bad_input(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    url = f"{API}/agents/{world.agent_a.id}/queue-logins"
    body = {"queue_id": world.queue_a.id}
    assert_error(client.post(url, json=body, headers=world.me), 409, "illegal_transition")
    go_available(session, clock, world.agent_a)
    assert_error(malformed(client, "POST", url, world.me), 400, "malformed_json")
    for bad in ({}, {"queue_id": "x"}, {"queue_id": 0}, {"queue_id": 2**40}, {**body, "a": 1}):
        assert_error(client.post(url, json=bad, headers=world.me), 422)
    error = assert_error(client.post(url, json={"queue_id": 999_999}, headers=world.me), 422)
    assert error["field"] == "queue_id"
    assert client.post(url, json=body, headers=world.me).status_code == 201
    assert_error(client.post(url, json=body, headers=world.me), 409, "conflict")
    assert_error(client.delete(f"{url}/abc", headers=world.me), 422)
    assert_error(client.delete(f"{url}/999999", headers=world.me), 404)


def test_queue_login_training_gate(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent_a)
    url = f"{API}/agents/{world.agent_a.id}/queue-logins"
    body = {"queue_id": world.gated_a.id}
    error = assert_error(client.post(url, json=body, headers=world.me), 403, "permission_denied")
    assert "data-protection" in error["message"]
    record = {"course_code": "data-protection", "completed_at": "2026-11-20T08:00:00Z"}
    training = f"{API}/agents/{world.agent_a.id}/training-records"
    assert client.post(training, json=record, headers=world.supervisor_a).status_code == 201
    assert client.post(url, json=body, headers=world.me).status_code == 201


def test_queue_login_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent_a)
    body = {"queue_id": world.queue_a.id}
    url = f"{API}/agents/{world.agent_a.id}/queue-logins"
    assert_error(client.post(url, json=body, headers=world.colleague), 403)
    # Client B's queue is hidden from the agent; a supervisor of every client sees it, but
    # the agent does not serve B.
    hidden = assert_error(
        client.post(url, json={"queue_id": world.queue_b.id}, headers=world.me), 422
    )
    assert hidden["field"] == "queue_id"
    everyone = as_role(client, session, clock, Role.SUPERVISOR, [])
    assert_error(client.post(url, json={"queue_id": world.queue_b.id}, headers=everyone), 403)
    url_b = f"{API}/agents/{world.agent_b.id}/queue-logins"
    assert_error(client.post(url_b, json=body, headers=world.supervisor_a), 404)
    assert_error(client.delete(f"{url_b}/{world.queue_a.id}", headers=world.supervisor_a), 404)
    assert_error(client.delete(f"{url}/{world.queue_a.id}", headers=world.colleague), 403)
    assert_error(client.post(url, json=body), 401)
    assert_error(client.delete(f"{url}/{world.queue_a.id}"), 401)


# --- training records -----------------------------------------------------------------------


def test_record_and_list_training(client: TestClient, world: World) -> None:
    url = f"{API}/agents/{world.agent_a.id}/training-records"
    body = {
        "course_code": "NDA",
        "completed_at": "2026-11-01T10:00:00+03:00",
        "expires_at": "2026-11-23T09:30:00Z",  # the clock's now: expired
        "note": "paper copy filed",
    }
    response = client.post(url, json=body, headers=world.supervisor_a)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["course_code"] == "nda"
    assert created["completed_at"].startswith("2026-11-01T07:00:00")
    assert created["is_valid_now"] is False
    listed = client.get(url, headers=world.me)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [created["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"course_code": "dp", "completed_at": "2026-11-20T08:00:00"}, "completed_at"),
        ({"course_code": "dp", "completed_at": "yesterday"}, "completed_at"),
        ({"course_code": "dp", "completed_at": "2027-01-01T00:00:00Z"}, "completed_at"),
        (
            {
                "course_code": "dp",
                "completed_at": "2026-11-20T08:00:00Z",
                "expires_at": "2026-11-19T08:00:00Z",
            },
            "expires_at",
        ),
        ({"course_code": "two words", "completed_at": "2026-11-20T08:00:00Z"}, "course_code"),
        ({"course_code": "c" * 41, "completed_at": "2026-11-20T08:00:00Z"}, "course_code"),
        (
            {"course_code": "dp", "completed_at": "2026-11-20T08:00:00Z", "note": "n" * 501},
            "note",
        ),
        ({"course_code": "dp", "completed_at": "2026-11-20T08:00:00Z", "grade": 1}, "grade"),
        ({"completed_at": "2026-11-20T08:00:00Z"}, "course_code"),
    ],
)
def test_record_training_bad_input(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    url = f"{API}/agents/{world.agent_a.id}/training-records"
    error = assert_error(client.post(url, json=body, headers=world.supervisor_a), 422)
    assert error["field"] == field


def test_training_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    body = {"course_code": "dp", "completed_at": "2026-11-20T08:00:00Z"}
    url = f"{API}/agents/{world.agent_a.id}/training-records"
    assert_error(malformed(client, "POST", url, world.supervisor_a), 400, "malformed_json")
    assert_error(client.post(url, json=body, headers=world.me), 403)  # agents do not self-certify
    planner = as_role(client, session, clock, Role.PLANNER, [world.client_a])
    assert_error(client.get(url, headers=planner), 403)
    assert_error(client.get(url, headers=world.colleague), 403)
    url_b = f"{API}/agents/{world.agent_b.id}/training-records"
    assert_error(client.post(url_b, json=body, headers=world.supervisor_a), 404)
    assert_error(client.get(url_b, headers=world.supervisor_a), 404)
    url_ab = f"{API}/agents/{world.agent_ab.id}/training-records"
    assert_error(client.post(url_ab, json=body, headers=world.supervisor_a), 403)
    assert_error(
        client.post(f"{API}/agents/999999/training-records", json=body, headers=world.supervisor_a),
        404,
    )
    assert_error(client.post(url, json=body), 401)
    assert_error(client.get(url), 401)


# --- GET /agents/{id}/state-seconds ---------------------------------------------------------


def test_state_seconds(client: TestClient, clock: FixedClock, world: World) -> None:
    start = clock.now()
    client.put(
        f"{API}/agents/{world.agent_a.id}/presence", json={"state": "available"}, headers=world.me
    )
    clock.advance(120)
    response = client.get(
        f"{API}/agents/{world.agent_a.id}/state-seconds",
        params={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        headers=world.supervisor_a,
    )
    assert response.status_code == 200, response.text
    seconds = response.json()["seconds"]
    assert seconds == {"offline": 0.0, "available": 3600.0, "busy": 0.0, "wrap_up": 0.0, "aux": 0.0}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-11-23T08:00:00", "end": "2026-11-23T09:00:00Z"}, "start"),
        ({"start": "2026-11-23T08:00:00Z", "end": "2026-11-23T09:00:00"}, "end"),
        ({"start": "2026-11-23T09:00:00Z", "end": "2026-11-23T08:00:00Z"}, "end"),
        ({"start": "2026-10-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"}, "end"),
        ({"start": "monday", "end": "2026-11-23T09:00:00Z"}, "start"),
        ({"end": "2026-11-23T09:00:00Z"}, "start"),
    ],
)
def test_state_seconds_bad_input(
    client: TestClient, world: World, params: dict[str, str], field: str
) -> None:
    url = f"{API}/agents/{world.agent_a.id}/state-seconds"
    error = assert_error(client.get(url, params=params, headers=world.supervisor_a), 422)
    assert error["field"] == field


def test_state_seconds_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    params = {"start": "2026-11-23T08:00:00Z", "end": "2026-11-23T09:00:00Z"}
    url_b = f"{API}/agents/{world.agent_b.id}/state-seconds"
    assert_error(client.get(url_b, params=params, headers=world.supervisor_a), 404)
    assert_error(
        client.get(f"{API}/agents/999999/state-seconds", params=params, headers=world.me), 404
    )
    viewer = as_role(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    url = f"{API}/agents/{world.agent_a.id}/state-seconds"
    assert_error(client.get(url, params=params, headers=viewer), 403)
    assert_error(client.get(url, params=params), 401)


# --- the queue's required course --------------------------------------------------------------


def test_queue_api_takes_the_required_course(client: TestClient, world: World) -> None:
    url = f"{API}/queues/{world.queue_a.id}"
    response = client.patch(
        url, json={"required_training_code": "GDPR"}, headers=world.supervisor_a
    )
    assert response.status_code == 200, response.text
    assert response.json()["required_training_code"] == "gdpr"
    untouched = client.patch(url, json={"priority": 5}, headers=world.supervisor_a)
    assert untouched.json()["required_training_code"] == "gdpr"
    cleared = client.patch(url, json={"required_training_code": None}, headers=world.supervisor_a)
    assert cleared.json()["required_training_code"] is None
    for bad in ("not a code", "x" * 41, 7):
        error = assert_error(
            client.patch(url, json={"required_training_code": bad}, headers=world.supervisor_a),
            422,
        )
        assert error["field"] == "required_training_code"
