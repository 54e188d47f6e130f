"""GET /api/v1/supervisor/board: the live view's figures as JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity.rules import Role
from tests.support.factories import make_user
from tests.support.http import bearer
from tests.support.statistics import Centre, build_centre

URL = "/api/v1/supervisor/board"


@pytest.fixture
def centre(session: Session, clock: FixedClock) -> Centre:
    return build_centre(session, clock)


def token_for(
    client: TestClient, session: Session, clock: FixedClock, role: Role, centre: Centre
) -> dict[str, str]:
    scope = [] if role is Role.ADMIN else [centre.client_a]
    return bearer(client, make_user(session, clock, role, clients=scope)[0].email)


def test_supervisor_reads_the_board(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    response = client.get(URL, headers=token_for(client, session, clock, Role.SUPERVISOR, centre))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["at"] == "2026-11-23T09:40:00Z"
    queues = {row["code"]: row for row in body["queues"]}
    assert set(queues) == {"acme-chat", "acme-voice"}
    voice = queues["acme-voice"]
    assert (voice["waiting"], voice["longest_wait_seconds"]) == (2, 300.0)
    assert voice["estimated_wait_seconds"] == pytest.approx(240.0)
    assert (voice["available"], voice["busy"], voice["wrap_up"], voice["aux"]) == (1, 1, 0, 1)
    assert queues["acme-chat"]["estimated_wait_seconds"] is None
    agents = {row["display_name"]: row for row in body["agents"]}
    assert set(agents) == {"Ayla", "Berk", "Cem"}
    assert agents["Cem"]["state"] == "aux"
    assert agents["Cem"]["aux_reason"] == "break"
    assert agents["Berk"]["contacts"] == [
        {"reference": centre.handled.reference, "channel": "voice", "status": "ended"}
    ]


def test_client_viewer_gets_queues_and_no_agents(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    headers = token_for(client, session, clock, Role.CLIENT_VIEWER, centre)
    response = client.get(URL, headers=headers)
    assert response.status_code == 200, response.text
    assert {row["code"] for row in response.json()["queues"]} == {"acme-chat", "acme-voice"}
    assert response.json()["agents"] is None


def test_admin_filters_by_client(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    headers = token_for(client, session, clock, Role.ADMIN, centre)
    response = client.get(URL, params={"client_id": centre.client_b.id}, headers=headers)
    assert response.status_code == 200, response.text
    assert [row["code"] for row in response.json()["queues"]] == ["other-voice"]
    assert [row["display_name"] for row in response.json()["agents"]] == ["Deniz"]


def test_agent_is_refused(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    response = client.get(URL, headers=token_for(client, session, clock, Role.AGENT, centre))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_other_clients_board_is_refused(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    headers = token_for(client, session, clock, Role.SUPERVISOR, centre)
    response = client.get(URL, params={"client_id": centre.client_b.id}, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "client"


@pytest.mark.parametrize("value", ["0", "-3", "abc", "2147483648", "1e3", ""])
def test_bad_client_id_is_422(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre, value: str
) -> None:
    headers = token_for(client, session, clock, Role.SUPERVISOR, centre)
    response = client.get(URL, params={"client_id": value}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "client_id"


def test_unauthenticated_is_401(client: TestClient) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"]
