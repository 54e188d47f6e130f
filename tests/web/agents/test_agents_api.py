"""The skills and agents API over HTTP: happy paths, bad input, roles, client scope, sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.agents.models import Agent
from helpline.clock import FixedClock
from helpline.identity.models import ClientOrganisation, User
from helpline.identity.rules import Role
from tests.support.factories import make_client, make_user
from tests.support.http import bearer
from tests.support.queues import make_agent, make_skill

API = "/api/v1"


@dataclass
class World:
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    agent_a: Agent
    agent_b: Agent
    agent_all: Agent
    supervisor_a: dict[str, str]


@pytest.fixture
def world(client: TestClient, session: Session, clock: FixedClock) -> World:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    make_skill(session, clock, "billing", name="Billing")
    make_skill(session, clock, "lang-tr", name="Turkish", language_code="tr")
    agent_a = make_agent(
        session,
        clock,
        make_user(session, clock, Role.AGENT, clients=[client_a])[0],
        skills=[("billing", 2)],
    )
    agent_b = make_agent(
        session, clock, make_user(session, clock, Role.AGENT, clients=[client_b])[0]
    )
    agent_all = make_agent(session, clock, make_user(session, clock, Role.AGENT)[0])
    supervisor, _ = make_user(session, clock, Role.SUPERVISOR, clients=[client_a])
    return World(client_a, client_b, agent_a, agent_b, agent_all, bearer(client, supervisor.email))


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


# --- skills ----------------------------------------------------------------------------------


def test_create_and_list_skills(client: TestClient, world: World) -> None:
    response = client.post(
        f"{API}/skills",
        json={"code": "Lang-RU", "name": "Russian", "language_code": "ru-RU"},
        headers=world.supervisor_a,
    )
    assert response.status_code == 201, response.text
    assert response.json()["code"] == "lang-ru"
    assert response.json()["language_code"] == "ru"
    listed = client.get(f"{API}/skills", headers=world.supervisor_a)
    assert [item["code"] for item in listed.json()] == ["billing", "lang-ru", "lang-tr"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"code": "billing", "name": "Again"}, 409, "code"),
        ({"code": "turkish", "name": "Turkish", "language_code": "TR"}, 409, "language_code"),
        ({"code": "lang-de", "name": "German", "language_code": "de"}, 422, "language_code"),
        ({"code": "no way", "name": "Bad"}, 422, "code"),
        ({"code": "ok", "name": "n" * 121}, 422, "name"),
        ({"code": "ok", "name": "Fine", "language_code": "x" * 36}, 422, "language_code"),
        ({"code": "ok", "name": 5}, 422, "name"),
        ({"code": "ok"}, 422, "name"),
        ({"code": "ok", "name": "Fine", "level": 3}, 422, "level"),
    ],
)
def test_create_skill_bad_input(
    client: TestClient, world: World, body: dict[str, Any], status: int, field: str
) -> None:
    error = assert_error(
        client.post(f"{API}/skills", json=body, headers=world.supervisor_a), status
    )
    assert error["field"] == field


def test_skill_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    planner = as_role(client, session, clock, Role.PLANNER, [world.client_a])
    body = {"code": "sales", "name": "Sales"}
    assert_error(client.post(f"{API}/skills", json=body, headers=planner), 403)
    viewer = as_role(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    assert_error(client.get(f"{API}/skills", headers=viewer), 403)
    assert_error(client.get(f"{API}/skills"), 401)
    assert_error(client.post(f"{API}/skills", json=body), 401)
    malformed = client.post(
        f"{API}/skills",
        content="{",
        headers={**world.supervisor_a, "content-type": "application/json"},
    )
    assert_error(malformed, 400, "malformed_json")


# --- POST /agents ----------------------------------------------------------------------------


def new_user(
    session: Session, clock: FixedClock, clients: list[ClientOrganisation], role: Role = Role.AGENT
) -> User:
    return make_user(session, clock, role, clients=clients)[0]


def test_create_agent(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    user = new_user(session, clock, [world.client_a])
    body = {
        "user_id": user.id,
        "skills": [{"skill_code": "lang-tr", "level": 4}, {"skill_code": "billing", "level": 1}],
        "capacities": {"chat": 5},
    }
    response = client.post(f"{API}/agents", json=body, headers=world.supervisor_a)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["display_name"] == user.display_name
    assert created["email"] == user.email
    assert created["client_ids"] == [world.client_a.id]
    assert created["languages"] == ["tr"]
    assert [(item["skill_code"], item["level"]) for item in created["skills"]] == [
        ("billing", 1),
        ("lang-tr", 4),
    ]
    assert created["capacities"] == {"voice": 1, "chat": 5, "email": 5}


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("unknown user", 422, "user_id"),
        ("planner user", 422, "user_id"),
        ("has agent", 409, "user_id"),
        ("voice 2", 422, "capacities"),
        ("fax", 422, "capacities.fax.[key]"),
        ("unknown skill", 422, "skills"),
        ("level 0", 422, "skills.0.level"),
        ("huge id", 422, "user_id"),
        ("long name", 422, "display_name"),
        ("string id", 422, "user_id"),
    ],
)
def test_create_agent_bad_input(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    world: World,
    case: str,
    status: int,
    field: str,
) -> None:
    user = new_user(session, clock, [world.client_a])
    body: dict[str, Any] = {"user_id": user.id}
    if case == "unknown user":
        body["user_id"] = 999_999
    elif case == "planner user":
        body["user_id"] = new_user(session, clock, [world.client_a], Role.PLANNER).id
    elif case == "has agent":
        body["user_id"] = world.agent_a.user_id
    elif case == "voice 2":
        body["capacities"] = {"voice": 2}
    elif case == "fax":
        body["capacities"] = {"fax": 1}
    elif case == "unknown skill":
        body["skills"] = [{"skill_code": "juggling", "level": 2}]
    elif case == "level 0":
        body["skills"] = [{"skill_code": "billing", "level": 0}]
    elif case == "huge id":
        body["user_id"] = 2**40
    elif case == "long name":
        body["display_name"] = "n" * 201
    elif case == "string id":
        body["user_id"] = "me"
    error = assert_error(
        client.post(f"{API}/agents", json=body, headers=world.supervisor_a), status
    )
    assert error["field"] == field


def test_create_agent_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    user_a = new_user(session, clock, [world.client_a])
    planner = as_role(client, session, clock, Role.PLANNER, [])
    assert_error(client.post(f"{API}/agents", json={"user_id": user_a.id}, headers=planner), 403)
    user_b = new_user(session, clock, [world.client_b])
    response = client.post(f"{API}/agents", json={"user_id": user_b.id}, headers=world.supervisor_a)
    assert_error(response, 403, "permission_denied")
    assert_error(client.post(f"{API}/agents", json={"user_id": user_a.id}), 401)


# --- GET /agents, GET /agents/{id} -----------------------------------------------------------


def test_list_agents_is_scoped(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/agents", headers=world.supervisor_a)
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()}
    assert ids == {world.agent_a.id, world.agent_all.id}


def test_read_agent(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/agents/{world.agent_a.id}", headers=world.supervisor_a)
    assert response.status_code == 200
    assert response.json()["skills"][0]["skill_code"] == "billing"


def test_agent_reads_refused(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    assert_error(client.get(f"{API}/agents/{world.agent_b.id}", headers=world.supervisor_a), 404)
    assert_error(client.get(f"{API}/agents/999999", headers=world.supervisor_a), 404)
    assert_error(client.get(f"{API}/agents/x", headers=world.supervisor_a), 422)
    viewer = as_role(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    assert_error(client.get(f"{API}/agents", headers=viewer), 403)
    assert_error(client.get(f"{API}/agents/{world.agent_a.id}", headers=viewer), 403)
    assert_error(client.get(f"{API}/agents"), 401)
    assert_error(client.get(f"{API}/agents/{world.agent_a.id}"), 401)


# --- PATCH /agents/{id} ----------------------------------------------------------------------


def test_update_agent(client: TestClient, world: World) -> None:
    response = client.patch(
        f"{API}/agents/{world.agent_a.id}",
        json={"display_name": "Zeynep", "is_active": False},
        headers=world.supervisor_a,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["display_name"], response.json()["is_active"]) == ("Zeynep", False)
    response = client.patch(
        f"{API}/agents/{world.agent_a.id}", json={"is_active": True}, headers=world.supervisor_a
    )
    assert response.json()["display_name"] == "Zeynep"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": None}, "display_name"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "d" * 201}, "display_name"),
        ({"is_active": "sometimes"}, "is_active"),
        ({"user_id": 3}, "user_id"),
    ],
)
def test_update_agent_bad_input(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    url = f"{API}/agents/{world.agent_a.id}"
    error = assert_error(client.patch(url, json=body, headers=world.supervisor_a), 422)
    assert error["field"] == field


def test_update_agent_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    body = {"is_active": False}
    assert_error(
        client.patch(f"{API}/agents/{world.agent_b.id}", json=body, headers=world.supervisor_a),
        404,
    )
    assert_error(
        client.patch(f"{API}/agents/{world.agent_all.id}", json=body, headers=world.supervisor_a),
        403,
    )
    agent = as_role(client, session, clock, Role.AGENT, [world.client_a])
    assert_error(client.patch(f"{API}/agents/{world.agent_a.id}", json=body, headers=agent), 403)
    assert_error(client.patch(f"{API}/agents/{world.agent_a.id}", json=body), 401)


# --- PUT /agents/{id}/skills -----------------------------------------------------------------


def test_set_agent_skills(client: TestClient, world: World) -> None:
    response = client.put(
        f"{API}/agents/{world.agent_a.id}/skills",
        json={"skills": [{"skill_code": "lang-tr", "level": 5}]},
        headers=world.supervisor_a,
    )
    assert response.status_code == 200, response.text
    assert [item["skill_code"] for item in response.json()["skills"]] == ["lang-tr"]
    assert response.json()["languages"] == ["tr"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skills": [{"skill_code": "juggling", "level": 1}]}, "skills"),
        ({"skills": [{"skill_code": "billing", "level": 1}] * 2}, "skills"),
        ({"skills": [{"skill_code": "billing", "level": 6}]}, "skills.0.level"),
        ({"skills": [{"skill_code": "b" * 41, "level": 1}]}, "skills.0.skill_code"),
        ({"skills": {"billing": 1}}, "skills"),
    ],
)
def test_set_agent_skills_bad_input(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    url = f"{API}/agents/{world.agent_a.id}/skills"
    error = assert_error(client.put(url, json=body, headers=world.supervisor_a), 422)
    assert error["field"] == field


def test_set_agent_skills_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    body: dict[str, Any] = {"skills": []}
    url_b = f"{API}/agents/{world.agent_b.id}/skills"
    assert_error(client.put(url_b, json=body, headers=world.supervisor_a), 404)
    quality = as_role(client, session, clock, Role.QUALITY, [world.client_a])
    url_a = f"{API}/agents/{world.agent_a.id}/skills"
    assert_error(client.put(url_a, json=body, headers=quality), 403)
    assert_error(client.put(url_a, json=body), 401)


# --- PUT /agents/{id}/capacities -------------------------------------------------------------


def test_set_agent_capacities(client: TestClient, world: World) -> None:
    response = client.put(
        f"{API}/agents/{world.agent_a.id}/capacities",
        json={"capacities": {"voice": 0, "chat": 8}},
        headers=world.supervisor_a,
    )
    assert response.status_code == 200, response.text
    assert response.json()["capacities"] == {"voice": 0, "chat": 8, "email": 0}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"capacities": {"chat": 9}}, "capacities"),
        ({"capacities": {"email": -1}}, "capacities"),
        ({"capacities": {"sms": 1}}, "capacities.sms.[key]"),
        ({"capacities": {"chat": "many"}}, "capacities.chat"),
        ({"capacities": {"chat": 10**12}}, "capacities"),
        ({}, "capacities"),
    ],
)
def test_set_agent_capacities_bad_input(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    url = f"{API}/agents/{world.agent_a.id}/capacities"
    error = assert_error(client.put(url, json=body, headers=world.supervisor_a), 422)
    assert error["field"] == field


def test_set_agent_capacities_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    body = {"capacities": {"chat": 2}}
    url_b = f"{API}/agents/{world.agent_b.id}/capacities"
    assert_error(client.put(url_b, json=body, headers=world.supervisor_a), 404)
    url_all = f"{API}/agents/{world.agent_all.id}/capacities"
    assert_error(client.put(url_all, json=body, headers=world.supervisor_a), 403)
    planner = as_role(client, session, clock, Role.PLANNER, [world.client_a])
    url_a = f"{API}/agents/{world.agent_a.id}/capacities"
    assert_error(client.put(url_a, json=body, headers=planner), 403)
    assert_error(client.put(url_a, json=body), 401)
