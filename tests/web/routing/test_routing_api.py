"""The routing API through HTTP: offers, transfer, end and wrap-up; bad input and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.contacts.models import Contact
from helpline.contacts.rules import Channel
from helpline.identity.models import ClientOrganisation, User
from helpline.identity.rules import Role
from helpline.queues.models import Queue
from helpline.routing import service as routing_service
from tests.support.factories import make_client, make_user
from tests.support.http import bearer
from tests.support.queues import make_queue
from tests.support.routing import incoming, pending_offer, ready_agent

Headers = dict[str, str]
TOO_BIG_ID = 2**31


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    """The real app, whose API includes the routing routes."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@dataclass
class World:
    http: TestClient
    session: Session
    clock: FixedClock
    client: ClientOrganisation
    queue: Queue
    other_queue: Queue
    agent_id: int
    agent: Headers
    colleague: Headers  # an agent of the same client, not offered anything
    outsider: Headers  # an agent of another client
    contacts: list[Contact]

    def sign_in(self, role: Role, clients: list[ClientOrganisation] | None = None) -> Headers:
        user, _ = make_user(self.session, self.clock, role, clients=clients)
        return bearer(self.http, user.email)

    def offer_id(self, number: int) -> int:
        return pending_offer(self.session, self.contacts[number]).id


@pytest.fixture
def world(http: TestClient, session: Session, clock: FixedClock) -> World:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("chat",), wrap_up_seconds=30)
    other_queue = make_queue(session, clock, client, channels=("chat",))
    contacts = [incoming(session, clock, queue, Channel.CHAT) for _ in range(2)]
    agent, _ = ready_agent(session, clock, client, [queue], capacities={"chat": 2})
    user = session.get(User, agent.user_id)
    assert user is not None
    routing_service.route_waiting_contacts(session, clock)
    colleague, _ = make_user(session, clock, Role.AGENT, clients=[client])
    outsider, _ = make_user(session, clock, Role.AGENT, clients=[make_client(session, clock)])
    return World(
        http=http,
        session=session,
        clock=clock,
        client=client,
        queue=queue,
        other_queue=other_queue,
        agent_id=agent.id,
        agent=bearer(http, user.email),
        colleague=bearer(http, colleague.email),
        outsider=bearer(http, outsider.email),
        contacts=contacts,
    )


def assert_error(response_json: dict[str, object], code: str | None = None) -> None:
    error = response_json["error"]
    assert isinstance(error, dict) and {"code", "message", "field"} <= error.keys()
    if code is not None:
        assert error["code"] == code


def test_my_offers_accept_end_and_wrap_up(world: World) -> None:
    http = world.http
    mine = http.get("/api/v1/offers/mine", headers=world.agent)
    assert mine.status_code == 200
    assert {offer["contact_id"] for offer in mine.json()} == {c.id for c in world.contacts}
    assert http.get("/api/v1/offers/mine", headers=world.colleague).json() == []
    assert http.get("/api/v1/offers/mine").status_code == 401

    contact_id = world.contacts[0].id
    accepted = http.post(f"/api/v1/offers/{world.offer_id(0)}/accept", headers=world.agent)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["agent_id"]) == ("connected", world.agent_id)

    ended = http.post(f"/api/v1/contacts/{contact_id}/end", headers=world.agent)
    assert (ended.status_code, ended.json()["status"]) == (200, "ended")
    wrapped = http.post(
        f"/api/v1/contacts/{contact_id}/wrap-up",
        json={"reason": "billing", "outcome": "resolved"},
        headers=world.agent,
    )
    assert (wrapped.status_code, wrapped.json()["status"]) == (200, "wrapped_up")


def test_accepting_and_rejecting_are_refused_to_others(world: World) -> None:
    http, offer_id = world.http, world.offer_id(0)
    assert http.post(f"/api/v1/offers/{offer_id}/accept").status_code == 401
    refused = http.post(f"/api/v1/offers/{offer_id}/accept", headers=world.colleague)
    assert refused.status_code == 403
    assert_error(refused.json())
    hidden = http.post(f"/api/v1/offers/{offer_id}/reject", headers=world.outsider)
    assert hidden.status_code == 404
    assert_error(hidden.json())
    planner = world.sign_in(Role.PLANNER)
    assert http.post(f"/api/v1/offers/{offer_id}/reject", headers=planner).status_code == 403
    assert http.post("/api/v1/offers/999999/accept", headers=world.agent).status_code == 404
    assert http.post(f"/api/v1/offers/{TOO_BIG_ID}/accept", headers=world.agent).status_code == 422
    assert http.post("/api/v1/offers/abc/reject", headers=world.agent).status_code == 422

    rejected = http.post(f"/api/v1/offers/{offer_id}/reject", headers=world.agent)
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    again = http.post(f"/api/v1/offers/{offer_id}/accept", headers=world.agent)
    assert again.status_code == 409
    assert_error(again.json())


def test_transfer_with_bad_input_and_refusals(world: World) -> None:
    http = world.http
    http.post(f"/api/v1/offers/{world.offer_id(0)}/accept", headers=world.agent)
    url = f"/api/v1/contacts/{world.contacts[0].id}/transfer"
    good = {"to_queue_id": world.other_queue.id, "note": "needs the billing team"}
    assert http.post(url, json=good).status_code == 401
    malformed = http.post(
        url, content=b"{not json", headers={**world.agent, "content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert_error(malformed.json())
    bad_bodies = [
        {"to_queue_id": "x", "note": "n"},
        {"to_queue_id": world.other_queue.id, "note": "n" * 2001},
        {"to_queue_id": world.other_queue.id},
        {"to_queue_id": world.other_queue.id, "note": "n", "extra": 1},
        {"to_queue_id": TOO_BIG_ID, "note": "n"},
        {"to_queue_id": world.other_queue.id, "to_agent_id": world.agent_id, "note": "n"},
        {"to_queue_id": 999_999, "note": "n"},
        {"to_agent_id": 999_999, "note": "n"},
    ]
    for body in bad_bodies:
        response = http.post(url, json=body, headers=world.agent)
        assert response.status_code == 422, (body, response.text)
        assert_error(response.json())
    viewer = world.sign_in(Role.CLIENT_VIEWER, [world.client])
    assert http.post(url, json=good, headers=viewer).status_code == 403
    assert http.post(url, json=good, headers=world.colleague).status_code == 403
    assert http.post(url, json=good, headers=world.outsider).status_code == 404
    assert (
        http.post("/api/v1/contacts/999999/transfer", json=good, headers=world.agent).status_code
        == 404
    )

    moved = http.post(url, json=good, headers=world.agent)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["queue_id"], moved.json()["status"]) == (world.other_queue.id, "queued")


def test_end_and_wrap_up_refusals(world: World) -> None:
    http = world.http
    http.post(f"/api/v1/offers/{world.offer_id(0)}/accept", headers=world.agent)
    contact_id = world.contacts[0].id
    end_url = f"/api/v1/contacts/{contact_id}/end"
    assert http.post(end_url).status_code == 401
    assert http.post(end_url, headers=world.colleague).status_code == 403
    assert http.post(end_url, headers=world.outsider).status_code == 404
    assert http.post("/api/v1/contacts/999999/end", headers=world.agent).status_code == 404
    wrap_url = f"/api/v1/contacts/{contact_id}/wrap-up"
    # Not ended yet: the state machine refuses the wrap-up.
    early = http.post(wrap_url, json={"reason": "r", "outcome": "o"}, headers=world.agent)
    assert early.status_code == 409
    assert_error(early.json())
    assert http.post(end_url, headers=world.agent).status_code == 200
    assert http.post(end_url, headers=world.agent).status_code == 409  # ended already
    for body in (
        {"reason": "r"},
        {"reason": "", "outcome": "o"},
        {"reason": "r", "outcome": "o" * 201},
        {"reason": 1, "outcome": "o"},
        {"reason": "   ", "outcome": "o"},
    ):
        response = http.post(wrap_url, json=body, headers=world.agent)
        assert response.status_code == 422, (body, response.text)
        assert_error(response.json())
    assert (
        http.post(
            wrap_url, json={"reason": "r", "outcome": "o"}, headers=world.outsider
        ).status_code
        == 404
    )
    assert (
        http.post(
            wrap_url, json={"reason": "r", "outcome": "o"}, headers=world.colleague
        ).status_code
        == 403
    )
