"""The contacts API through HTTP: intake, lookups, the event log; bad input and refusals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import REFERENCE_PATTERN, Channel
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Role
from helpline.queues.models import Queue
from tests.support.contacts import make_agent, make_contact, make_customer, make_queue
from tests.support.factories import make_client, make_user
from tests.support.http import bearer

Headers = dict[str, str]
TOO_BIG_ID = 2**31


@dataclass
class World:
    """Two clients with a queue and a queued contact each; users are signed in on first use."""

    http: TestClient
    session: Session
    clock: FixedClock
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    queue_a: Queue
    queue_b: Queue
    contact_a: Contact
    contact_b: Contact
    customer_a: int
    agent_id: int

    def _sign_in(self, role: Role, clients: list[ClientOrganisation] | None = None) -> Headers:
        # Password hashing is slow on purpose; only the roles a test uses are created.
        user, _ = make_user(self.session, self.clock, role, clients=clients)
        return bearer(self.http, user.email)

    @cached_property
    def supervisor(self) -> Headers:
        return self._sign_in(Role.SUPERVISOR)

    @cached_property
    def agent_a(self) -> Headers:
        return self._sign_in(Role.AGENT, [self.client_a])

    @cached_property
    def viewer_a(self) -> Headers:
        return self._sign_in(Role.CLIENT_VIEWER, [self.client_a])

    @cached_property
    def planner(self) -> Headers:
        return self._sign_in(Role.PLANNER)


@pytest.fixture
def world(client: TestClient, session: Session, clock: FixedClock) -> World:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    queue_a, queue_b = make_queue(session, clock, client_a), make_queue(session, clock, client_b)
    customer = make_customer(session, clock, client_a)
    return World(
        http=client,
        session=session,
        clock=clock,
        client_a=client_a,
        client_b=client_b,
        queue_a=queue_a,
        queue_b=queue_b,
        contact_a=make_contact(session, clock, client_a, queue=queue_a, customer=customer),
        contact_b=make_contact(session, clock, client_b, queue=queue_b),
        customer_a=customer.id,
        agent_id=make_agent(session, clock).id,
    )


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert error["field"] == field
    message: str = error["message"]
    return message


def event_count(session: Session, contact_id: int) -> int:
    count = session.scalar(
        select(func.count(ContactEvent.id)).where(ContactEvent.contact_id == contact_id)
    )
    return count or 0


# --- POST /contacts ------------------------------------------------------------------------


def test_open_contact(client: TestClient, world: World) -> None:
    body = {
        "client_id": world.client_a.id,
        "channel": "chat",
        "queue_id": world.queue_a.id,
        "customer_id": world.customer_a,
        "subject": "Where is my refund?",
        "note": "asked in the widget",
    }
    response = client.post("/api/v1/contacts", json=body, headers=world.agent_a)
    assert response.status_code == 201, response.text
    created = response.json()
    assert REFERENCE_PATTERN.fullmatch(created["reference"])
    assert created["direction"] == "inbound"
    assert created["status"] == "queued"
    assert created["last_event_seq"] == 2
    assert created["subject"] == "Where is my refund?"
    events = client.get(f"/api/v1/contacts/{created['id']}/events", headers=world.agent_a)
    assert [event["kind"] for event in events.json()] == ["arrived", "queued"]
    assert events.json()[0]["note"] == "asked in the widget"


def test_open_contact_malformed_json(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/contacts",
        content=b'{"client_id": 1,',
        headers={**world.supervisor, "content-type": "application/json"},
    )
    assert_error(response, 400, "malformed_json")


OPEN_CONTACT_BAD_SHAPES: list[tuple[dict[str, Any], str]] = [
    ({"client_id": "abc"}, "client_id"),
    ({"client_id": TOO_BIG_ID}, "client_id"),
    ({"queue_id": [1]}, "queue_id"),
    ({"channel": 5}, "channel"),
    ({"channel": "fax"}, "channel"),
    ({"direction": "sideways"}, "direction"),
    ({"subject": ["a"]}, "subject"),
    ({"subject": "s" * 301}, "subject"),
    ({"note": "n" * 2001}, "note"),
    ({"reference": "HL-2026-000001"}, "reference"),
]


def test_open_contact_refuses_bad_shapes(
    client: TestClient, world: World, subtests: pytest.Subtests
) -> None:
    for change, field in OPEN_CONTACT_BAD_SHAPES:
        with subtests.test(change=change):
            body = {"client_id": world.client_a.id, "channel": "voice", **change}
            response = client.post("/api/v1/contacts", json=body, headers=world.supervisor)
            assert_error(response, 422, "invalid_input", field)


def test_open_contact_refuses_unknown_and_foreign_ids(
    client: TestClient, session: Session, world: World
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"client_id": 999_999}, "client_id"),
        ({"queue_id": 999_999}, "queue_id"),
        ({"customer_id": 999_999}, "customer_id"),
        ({"queue_id": world.queue_b.id}, "queue_id"),
        ({"subject": "bad\u0000byte"}, "subject"),
    ]
    before = session.scalar(select(func.count(Contact.id)))
    for change, field in cases:
        body = {"client_id": world.client_a.id, "channel": "voice", **change}
        response = client.post("/api/v1/contacts", json=body, headers=world.supervisor)
        assert_error(response, 422, "invalid_input", field)
    assert session.scalar(select(func.count(Contact.id))) == before


def test_open_contact_refuses_roles_and_foreign_client(client: TestClient, world: World) -> None:
    body_a = {"client_id": world.client_a.id, "channel": "email"}
    for headers in (world.planner, world.viewer_a):
        response = client.post("/api/v1/contacts", json=body_a, headers=headers)
        assert_error(response, 403, "permission_denied")
    body_b = {"client_id": world.client_b.id, "channel": "email"}
    response = client.post("/api/v1/contacts", json=body_b, headers=world.agent_a)
    assert_error(response, 403, "permission_denied", "client")
    assert_error(client.post("/api/v1/contacts", json=body_a), 401, "not_authenticated")


# --- GET /contacts -------------------------------------------------------------------------


def test_list_contacts_scoped_and_filtered(client: TestClient, world: World) -> None:
    everything = client.get("/api/v1/contacts", headers=world.supervisor).json()
    assert [item["id"] for item in everything] == [world.contact_b.id, world.contact_a.id]
    mine = client.get("/api/v1/contacts", headers=world.viewer_a).json()
    assert [item["id"] for item in mine] == [world.contact_a.id]
    foreign = client.get(
        "/api/v1/contacts", params={"client_id": world.client_b.id}, headers=world.viewer_a
    )
    assert foreign.status_code == 200
    assert foreign.json() == []
    queued_voice = client.get(
        "/api/v1/contacts",
        params={"status": "queued", "channel": "voice", "queue_id": world.queue_b.id},
        headers=world.supervisor,
    )
    assert [item["id"] for item in queued_voice.json()] == [world.contact_b.id]
    by_customer = client.get(
        "/api/v1/contacts", params={"customer_id": world.customer_a}, headers=world.supervisor
    )
    assert [item["id"] for item in by_customer.json()] == [world.contact_a.id]
    page = client.get(
        "/api/v1/contacts",
        params={"limit": 1, "before_id": world.contact_b.id},
        headers=world.supervisor,
    )
    assert [item["id"] for item in page.json()] == [world.contact_a.id]


LIST_BAD_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"status": "lost"}, "status"),
    ({"channel": "fax"}, "channel"),
    ({"limit": 0}, "limit"),
    ({"limit": 1000}, "limit"),
    ({"client_id": "abc"}, "client_id"),
    ({"before_id": TOO_BIG_ID}, "before_id"),
]


def test_list_contacts_refuses_bad_filters(
    client: TestClient, world: World, subtests: pytest.Subtests
) -> None:
    for params, field in LIST_BAD_FILTERS:
        with subtests.test(params=params):
            response = client.get("/api/v1/contacts", params=params, headers=world.supervisor)
            assert_error(response, 422, "invalid_input", field)


def test_list_contacts_refusals(client: TestClient, world: World) -> None:
    assert_error(client.get("/api/v1/contacts", headers=world.planner), 403, "permission_denied")
    assert_error(client.get("/api/v1/contacts"), 401, "not_authenticated")


# --- GET /contacts/{id} and /contacts/by-reference/{reference} -----------------------------


def test_read_contact_shows_status_and_allowed_events(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/contacts/{world.contact_b.id}", headers=world.supervisor)
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["reference"] == world.contact_b.reference
    assert detail["status"] == "queued"
    assert detail["allowed_events"] == [
        "queued",
        "offered",
        "abandoned",
        "callback_requested",
        "callback_offered",
    ]
    assert detail["is_callback"] is False
    assert detail["transfer_count"] == 0


def test_read_contact_with_customer_is_audited(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    admin, _ = make_user(session, clock, Role.ADMIN)
    admin_headers = bearer(client, admin.email)
    assert client.get(f"/api/v1/contacts/{world.contact_a.id}", headers=world.viewer_a).is_success
    entries = client.get(
        "/api/v1/audit",
        params={"subject_type": "contact", "subject_id": world.contact_a.id},
        headers=admin_headers,
    ).json()
    assert len(entries) == 1
    assert entries[0]["action"] == "read"
    assert (
        entries[0]["actor_label"]
        == client.get("/api/v1/me", headers=world.viewer_a).json()["label"]
    )


def test_read_contact_refusals(client: TestClient, world: World) -> None:
    path_b = f"/api/v1/contacts/{world.contact_b.id}"
    assert_error(client.get(path_b, headers=world.viewer_a), 404, "not_found", "contact_id")
    assert_error(client.get(path_b, headers=world.agent_a), 404, "not_found")
    assert_error(client.get(path_b, headers=world.planner), 403, "permission_denied")
    assert_error(client.get(path_b), 401, "not_authenticated")
    assert_error(client.get("/api/v1/contacts/999999", headers=world.supervisor), 404, "not_found")
    for bad in ("abc", "0", str(TOO_BIG_ID)):
        response = client.get(f"/api/v1/contacts/{bad}", headers=world.supervisor)
        assert_error(response, 422, "invalid_input", "contact_id")


def test_read_contact_by_reference(client: TestClient, world: World) -> None:
    for reference in (world.contact_a.reference, world.contact_a.reference.lower()):
        response = client.get(f"/api/v1/contacts/by-reference/{reference}", headers=world.viewer_a)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == world.contact_a.id
        assert response.json()["allowed_events"]


def test_read_contact_by_reference_refusals(client: TestClient, world: World) -> None:
    base = "/api/v1/contacts/by-reference"
    foreign = f"{base}/{world.contact_b.reference}"
    assert_error(client.get(foreign, headers=world.viewer_a), 404, "not_found", "reference")
    assert_error(client.get(foreign, headers=world.planner), 403, "permission_denied")
    assert_error(client.get(foreign), 401, "not_authenticated")
    unknown = client.get(f"{base}/HL-2026-999999", headers=world.supervisor)
    assert_error(unknown, 404, "not_found", "reference")
    for bad in ("HL-2026-000000", "HL-26-1", "hello", "HL-2026-" + "1" * 30):
        response = client.get(f"{base}/{bad}", headers=world.supervisor)
        assert_error(response, 422, "invalid_input", "reference")


# --- GET /contacts/{id}/events -------------------------------------------------------------


def test_list_events(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/contacts/{world.contact_b.id}/events", headers=world.supervisor)
    assert response.status_code == 200, response.text
    events = response.json()
    assert [(event["seq"], event["kind"]) for event in events] == [(1, "arrived"), (2, "queued")]
    assert events[1]["queue_id"] == world.queue_b.id


def test_list_events_refusals(client: TestClient, world: World) -> None:
    path_b = f"/api/v1/contacts/{world.contact_b.id}/events"
    assert_error(client.get(path_b, headers=world.viewer_a), 404, "not_found")
    assert_error(client.get(path_b, headers=world.planner), 403, "permission_denied")
    assert_error(client.get(path_b), 401, "not_authenticated")
    unknown = client.get("/api/v1/contacts/999999/events", headers=world.supervisor)
    assert_error(unknown, 404, "not_found")
    bad = client.get("/api/v1/contacts/x/events", headers=world.supervisor)
    assert_error(bad, 422, "invalid_input", "contact_id")


# --- POST /contacts/{id}/events ------------------------------------------------------------


def test_record_events_through_a_call(client: TestClient, world: World) -> None:
    path = f"/api/v1/contacts/{world.contact_a.id}/events"
    steps: list[dict[str, Any]] = [
        {"kind": "offered", "agent_id": world.agent_id, "expected_seq": 2},
        {"kind": "answered", "agent_id": world.agent_id, "expected_seq": 3},
        {"kind": "transferred", "note": "billing question", "data": {"account": {"id": "A1"}}},
        {"kind": "queued", "queue_id": world.queue_a.id},
    ]
    for seq, body in enumerate(steps, start=3):
        response = client.post(path, json=body, headers=world.agent_a)
        assert response.status_code == 201, response.text
        assert response.json()["seq"] == seq
        assert response.json()["kind"] == body["kind"]
    detail = client.get(f"/api/v1/contacts/{world.contact_a.id}", headers=world.agent_a).json()
    assert detail["status"] == "queued"
    assert detail["last_event_seq"] == 6
    assert detail["transfer_count"] == 1
    assert detail["was_answered"] is True
    events = client.get(path, headers=world.agent_a).json()
    assert events[4]["data"] == {"account": {"id": "A1"}}
    assert events[4]["note"] == "billing question"


def test_illegal_transition_is_409_naming_both_states(
    client: TestClient, session: Session, world: World
) -> None:
    path = f"/api/v1/contacts/{world.contact_b.id}/events"
    response = client.post(path, json={"kind": "wrapped_up"}, headers=world.supervisor)
    message = assert_error(response, 409, "illegal_transition", "kind")
    assert "queued" in message
    assert "wrapped_up" in message
    assert world.contact_b.reference in message
    assert event_count(session, world.contact_b.id) == 2


def test_stale_expected_seq_is_409(client: TestClient, session: Session, world: World) -> None:
    path = f"/api/v1/contacts/{world.contact_b.id}/events"
    response = client.post(
        path, json={"kind": "abandoned", "expected_seq": 1}, headers=world.supervisor
    )
    assert_error(response, 409, "conflict", "expected_seq")
    assert event_count(session, world.contact_b.id) == 2


def test_record_event_malformed_json(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/v1/contacts/{world.contact_b.id}/events",
        content=b"{kind: abandoned}",
        headers={**world.supervisor, "content-type": "application/json"},
    )
    assert_error(response, 400, "malformed_json")


RECORD_EVENT_BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"kind": "teleported"}, "kind"),
    ({"kind": "arrived"}, "kind"),
    ({"kind": 3}, "kind"),
    ({}, "kind"),
    ({"kind": "abandoned", "agent_id": "x"}, "agent_id"),
    ({"kind": "abandoned", "agent_id": 999_999}, "agent_id"),
    ({"kind": "offered"}, "agent_id"),
    ({"kind": "queued", "queue_id": TOO_BIG_ID}, "queue_id"),
    ({"kind": "abandoned", "note": "n" * 2001}, "note"),
    ({"kind": "abandoned", "note": 12}, "note"),
    ({"kind": "abandoned", "expected_seq": -1}, "expected_seq"),
    ({"kind": "abandoned", "data": ["a"]}, "data"),
    ({"kind": "abandoned", "data": "text"}, "data"),
    ({"kind": "abandoned", "data": {f"k{i}": i for i in range(51)}}, "data"),
    ({"kind": "abandoned", "data": {"a": {"b": {"c": {"d": 1}}}}}, "data"),
    ({"kind": "abandoned", "data": {"blob": "x" * 9000}}, "data"),
    ({"kind": "abandoned", "unknown": 1}, "unknown"),
]


def test_record_event_refuses_bad_input(
    client: TestClient, session: Session, world: World, subtests: pytest.Subtests
) -> None:
    path = f"/api/v1/contacts/{world.contact_b.id}/events"
    for body, field in RECORD_EVENT_BAD_BODIES:
        with subtests.test(body=body):
            response = client.post(path, json=body, headers=world.supervisor)
            assert_error(response, 422, "invalid_input", field)
    assert event_count(session, world.contact_b.id) == 2


def test_record_event_refuses_non_json_numbers(
    client: TestClient, session: Session, world: World
) -> None:
    response = client.post(
        f"/api/v1/contacts/{world.contact_b.id}/events",
        content=json.dumps({"kind": "abandoned", "data": {"ratio": float("nan")}}),
        headers={**world.supervisor, "content-type": "application/json"},
    )
    assert_error(response, 422, "invalid_input", "data")
    assert event_count(session, world.contact_b.id) == 2


def test_record_event_refuses_a_very_deep_document(client: TestClient, world: World) -> None:
    deep = '{"kind": "abandoned", "data": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    response = client.post(
        f"/api/v1/contacts/{world.contact_b.id}/events",
        content=deep,
        headers={**world.supervisor, "content-type": "application/json"},
    )
    assert_error(response, 400, "http_error")


def test_record_event_refusals(client: TestClient, session: Session, world: World) -> None:
    body = {"kind": "abandoned"}
    path_a = f"/api/v1/contacts/{world.contact_a.id}/events"
    path_b = f"/api/v1/contacts/{world.contact_b.id}/events"
    for path in (path_a, path_b):
        assert_error(client.post(path, json=body, headers=world.viewer_a), 403, "permission_denied")
        assert_error(client.post(path, json=body, headers=world.planner), 403, "permission_denied")
    assert_error(client.post(path_b, json=body, headers=world.agent_a), 404, "not_found")
    assert_error(client.post(path_b, json=body), 401, "not_authenticated")
    unknown = client.post("/api/v1/contacts/999999/events", json=body, headers=world.supervisor)
    assert_error(unknown, 404, "not_found")
    assert event_count(session, world.contact_a.id) == 2
    assert event_count(session, world.contact_b.id) == 2


def test_queued_event_refuses_a_queue_of_another_client_or_channel(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    email_only = make_queue(session, clock, world.client_b, channels=[Channel.EMAIL])
    path = f"/api/v1/contacts/{world.contact_b.id}/events"
    for body in (
        {"kind": "offered", "agent_id": world.agent_id},
        {"kind": "answered"},
        {"kind": "transferred"},
    ):
        assert client.post(path, json=body, headers=world.supervisor).status_code == 201
    for queue_id in (world.queue_a.id, email_only.id, 999_999):
        response = client.post(
            path, json={"kind": "queued", "queue_id": queue_id}, headers=world.supervisor
        )
        assert_error(response, 422, "invalid_input", "queue_id")
    assert event_count(session, world.contact_b.id) == 5
