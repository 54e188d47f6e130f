"""The agent and skill pages through the browser's forms."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.clock import FixedClock
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Role
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.http import page_csrf, sign_in_page
from tests.support.queues import make_agent, make_skill

HTML = {"accept": "text/html"}


@pytest.fixture
def client_a(session: Session, clock: FixedClock) -> ClientOrganisation:
    return make_client(session, clock, code="ACME", name="Acme Energy")


def sign_in_as(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    role: Role,
    clients: list[ClientOrganisation],
) -> None:
    user, _ = make_user(session, clock, role, clients=clients)
    sign_in_page(client, user.email)


def test_supervisor_adds_an_agent_through_the_form(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    user, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    page = client.get("/agents", headers=HTML)
    assert page.status_code == 200
    assert f'<option value="{user.id}"' in page.text
    assert '<label for="capacity-chat">' in page.text
    token = page_csrf(client, "/agents")
    response = client.post(
        "/agents",
        data={
            "csrf_token": token,
            "user_id": str(user.id),
            "display_name": "",
            "voice": "1",
            "chat": "4",
            "email": "0",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert re.fullmatch(r"/agents/\d+", response.headers["location"])
    listing = client.get("/agents", headers=HTML)
    assert user.display_name in listing.text
    assert "voice 1, chat 4, email 0" in listing.text
    assert "ACME" in listing.text


def test_bad_capacity_re_renders_the_form(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    user, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, "/agents")
    form = {"csrf_token": token, "user_id": str(user.id), "voice": "3", "chat": "x", "email": "1"}
    response = client.post("/agents", data=form, headers=HTML)
    assert response.status_code == 422
    assert "capacities must be a whole number" in response.text
    form["chat"] = "2"
    response = client.post("/agents", data=form, headers=HTML)
    assert response.status_code == 422
    assert "capacity for voice is from 0 to 1" in response.text
    assert agent_queries.list_agent_views(session, SYSTEM) == []


def test_agent_post_without_csrf_token_is_refused(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    user, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    form = {"user_id": str(user.id), "voice": "1", "chat": "1", "email": "1"}
    assert client.post("/agents", data=form, headers=HTML).status_code == 403


def test_planner_sees_agents_but_cannot_add(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    user, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    agent = make_agent(session, clock, user)
    sign_in_as(client, session, clock, Role.PLANNER, [client_a])
    listing = client.get("/agents", headers=HTML)
    assert listing.status_code == 200
    assert agent.display_name in listing.text
    assert 'action="/agents"' not in listing.text
    token = page_csrf(client, "/agents")
    form = {"csrf_token": token, "user_id": str(user.id), "voice": "1", "chat": "1", "email": "1"}
    assert client.post("/agents", data=form, headers=HTML).status_code == 403
    detail = client.get(f"/agents/{agent.id}", headers=HTML)
    assert detail.status_code == 200
    assert f'action="/agents/{agent.id}/skills"' not in detail.text


def test_client_viewer_cannot_open_agents(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    sign_in_as(client, session, clock, Role.CLIENT_VIEWER, [client_a])
    assert client.get("/agents", headers=HTML).status_code == 403


def test_agent_of_another_client_is_not_found(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    other, _ = make_user(session, clock, Role.AGENT, clients=[make_client(session, clock)])
    agent = make_agent(session, clock, other)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    assert client.get(f"/agents/{agent.id}", headers=HTML).status_code == 404
    token = page_csrf(client, "/agents")
    response = client.post(
        f"/agents/{agent.id}/capacities",
        data={"csrf_token": token, "voice": "1", "chat": "1", "email": "1"},
        headers=HTML,
    )
    assert response.status_code == 404


def test_edit_skills_capacity_and_profile(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    make_skill(session, clock, "billing", name="Billing")
    make_skill(session, clock, "lang-hu", name="Hungarian", language_code="hu")
    user, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    agent = make_agent(session, clock, user, skills=[("billing", 2)])
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    url = f"/agents/{agent.id}"
    token = page_csrf(client, url)
    skills = client.post(
        f"{url}/skills",
        data={"csrf_token": token, "skill_code": ["billing", "lang-hu"], "level": ["", "4"]},
        follow_redirects=False,
    )
    assert skills.status_code == 303, skills.text
    capacity = client.post(
        f"{url}/capacities",
        data={"csrf_token": token, "voice": "0", "chat": "8", "email": "20"},
        follow_redirects=False,
    )
    assert capacity.status_code == 303, capacity.text
    profile = client.post(
        url,
        data={"csrf_token": token, "display_name": "Kata", "is_active": "no"},
        follow_redirects=False,
    )
    assert profile.status_code == 303, profile.text
    session.expire_all()
    view = agent_queries.get_agent_view(session, SYSTEM, agent.id)
    assert [(link.skill.code, link.level) for link in view.skills] == [("lang-hu", 4)]
    assert view.capacities == {"voice": 0, "chat": 8, "email": 20}
    assert (view.agent.display_name, view.agent.is_active) == ("Kata", False)
    page = client.get(url, headers=HTML)
    assert "lang-hu · Hungarian</td><td>hu</td><td>4</td>" in page.text


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/skills", {"skill_code": ["billing"], "level": ["7"]}, "from 1 to 5"),
        ("/skills", {"skill_code": ["billing"], "level": ["x"]}, "level must be a whole number"),
        ("/capacities", {"voice": "1", "chat": "9", "email": "1"}, "chat is from 0 to 8"),
        ("", {"display_name": " ", "is_active": "yes"}, "display name must not be empty"),
    ],
)
def test_bad_edits_re_render_with_422(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    client_a: ClientOrganisation,
    path: str,
    data: dict[str, object],
    message: str,
) -> None:
    make_skill(session, clock, "billing")
    user, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    agent = make_agent(session, clock, user)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, f"/agents/{agent.id}")
    response = client.post(
        f"/agents/{agent.id}{path}", data={"csrf_token": token, **data}, headers=HTML
    )
    assert response.status_code == 422
    assert message in response.text


def test_supervisor_of_a_cannot_change_an_agent_serving_all(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    agent = make_agent(session, clock, user)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    page = client.get(f"/agents/{agent.id}", headers=HTML)
    assert page.status_code == 200
    assert "every client" in page.text
    assert f'action="/agents/{agent.id}/capacities"' not in page.text
    token = page_csrf(client, "/agents")
    response = client.post(
        f"/agents/{agent.id}/capacities",
        data={"csrf_token": token, "voice": "1", "chat": "1", "email": "1"},
        headers=HTML,
    )
    assert response.status_code == 403


def test_skill_catalogue_page(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, "/skills")
    response = client.post(
        "/skills",
        data={"csrf_token": token, "code": "lang-vi", "name": "Vietnamese", "language_code": "vi"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get("/skills", headers=HTML)
    assert "<td>lang-vi</td><td>Vietnamese</td><td>vi</td>" in page.text
    again = client.post(
        "/skills",
        data={"csrf_token": token, "code": "lang-vi", "name": "Again", "language_code": ""},
        headers=HTML,
    )
    assert again.status_code == 409
    assert "exists already" in again.text
    assert 'value="Again"' in again.text
    assert [skill.code for skill in agent_service.list_skills(session, SYSTEM)] == ["lang-vi"]


def test_agent_role_cannot_add_skills(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    sign_in_as(client, session, clock, Role.AGENT, [client_a])
    page = client.get("/skills", headers=HTML)
    assert page.status_code == 200
    assert 'action="/skills"' not in page.text
    token = page_csrf(client, "/skills")
    response = client.post(
        "/skills", data={"csrf_token": token, "code": "x1", "name": "X"}, headers=HTML
    )
    assert response.status_code == 403


def test_agent_pages_need_a_signed_in_user(client: TestClient) -> None:
    for path in ("/agents", "/agents/1", "/skills"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
