"""The presence pages through the browser's forms: /me/presence and the agent's page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.agents import queries as agent_queries
from helpline.agents.models import Agent
from helpline.agents.rules import PresenceState
from helpline.clock import FixedClock
from helpline.identity.models import ClientOrganisation, User
from helpline.identity.rules import Role
from helpline.queues import service as queue_service
from helpline.queues.models import Queue
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.http import page_csrf, sign_in_page
from tests.support.queues import go_available, make_agent, make_queue, make_training

HTML = {"accept": "text/html"}


@dataclass
class World:
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    user: User
    agent: Agent
    agent_b: Agent
    queue: Queue
    gated: Queue
    queue_b: Queue


@pytest.fixture
def world(session: Session, clock: FixedClock) -> World:
    client_a = make_client(session, clock, code="ACME", name="Acme Energy")
    client_b = make_client(session, clock)
    user, _ = make_user(session, clock, Role.AGENT, clients=[client_a])
    return World(
        client_a=client_a,
        client_b=client_b,
        user=user,
        agent=make_agent(session, clock, user, display_name="Ayşe"),
        agent_b=make_agent(
            session, clock, make_user(session, clock, Role.AGENT, clients=[client_b])[0]
        ),
        queue=make_queue(session, clock, client_a, code="acme-general"),
        gated=make_queue(
            session, clock, client_a, code="acme-vip", required_training_code="data-protection"
        ),
        queue_b=make_queue(session, clock, client_b, code="other-general"),
    )


def state_of(session: Session, agent: Agent, clock: FixedClock) -> PresenceState:
    session.expire_all()
    return agent_queries.get_presence_view(session, SYSTEM, agent.id, clock=clock).state


def required_course(session: Session, queue: Queue) -> str | None:
    session.expire_all()
    return queue_service.get_queue(session, SYSTEM, queue.id).required_training_code


def sign_in_as(
    client: TestClient, session: Session, clock: FixedClock, role: Role, clients: list[Any]
) -> None:
    user, _ = make_user(session, clock, role, clients=clients)
    sign_in_page(client, user.email)


# --- /me/presence --------------------------------------------------------------------------


def test_agent_sets_its_presence_and_queues_from_its_page(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    sign_in_page(client, world.user.email)
    page = client.get("/me/presence", headers=HTML)
    assert page.status_code == 200
    assert "You are <strong>offline</strong>" in page.text
    assert '<label for="aux_reason">Reason</label>' in page.text
    assert 'value="missed"' not in page.text
    token = page_csrf(client, "/me/presence")
    response = client.post(
        "/me/presence", data={"csrf_token": token, "state": "available"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert state_of(session, world.agent, clock) is PresenceState.AVAILABLE
    login = client.post(
        "/me/queue-logins",
        data={"csrf_token": token, "queue_id": str(world.queue.id)},
        follow_redirects=False,
    )
    assert login.status_code == 303, login.text
    page = client.get("/me/presence", headers=HTML)
    assert 'aria-label="Log out of acme-general"' in page.text
    assert "data-protection (you have no valid record)" in page.text
    pause = client.post(
        "/me/presence",
        data={"csrf_token": token, "state": "aux", "aux_reason": "lunch"},
        follow_redirects=False,
    )
    assert pause.status_code == 303
    assert "You are <strong>aux (lunch)</strong>" in client.get("/me/presence").text
    out = client.post(
        f"/me/queue-logins/{world.queue.id}/remove",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert out.status_code == 303, out.text
    view = agent_queries.get_presence_view(session, SYSTEM, world.agent.id, clock=clock)
    assert view.queues == ()


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"state": "asleep"}, 422, "unknown state"),
        ({"state": "aux", "aux_reason": ""}, 422, "aux needs a reason"),
        ({"state": "aux", "aux_reason": "nap"}, 422, "unknown aux reason"),
        ({"state": "available", "aux_reason": "break"}, 422, "a reason is given only with aux"),
        ({"state": "aux", "aux_reason": "missed"}, 422, "set by the system"),
        ({"state": "busy"}, 409, "from offline to busy"),
        ({}, 422, "unknown state"),
    ],
)
def test_bad_presence_forms_are_shown_on_the_page(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    world: World,
    form: dict[str, str],
    status: int,
    message: str,
) -> None:
    sign_in_page(client, world.user.email)
    token = page_csrf(client, "/me/presence")
    response = client.post("/me/presence", data={"csrf_token": token, **form}, headers=HTML)
    assert response.status_code == status
    assert message in response.text
    assert 'role="alert"' in response.text
    assert state_of(session, world.agent, clock) is PresenceState.OFFLINE


def test_queue_login_refusals_on_my_page(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    sign_in_page(client, world.user.email)
    token = page_csrf(client, "/me/presence")

    def log_in(queue_id: str) -> tuple[int, str]:
        response = client.post(
            "/me/queue-logins", data={"csrf_token": token, "queue_id": queue_id}, headers=HTML
        )
        return response.status_code, response.text

    status, text = log_in(str(world.queue.id))
    assert (status, "go available or aux before" in text) == (409, True)
    go_available(session, clock, world.agent)
    status, text = log_in(str(world.gated.id))
    assert status == 403
    assert "requires the training course data-protection" in text
    assert log_in("x")[0] == 422
    status, text = log_in(str(world.queue_b.id))  # client B's queue is hidden from the agent
    assert status == 422
    assert f"no queue {world.queue_b.id}" in text
    make_training(session, clock, world.agent, "data-protection")
    status, _ = log_in(str(world.gated.id))
    assert status == 200  # the redirect to /me/presence was followed
    not_in = client.post(
        f"/me/queue-logins/{world.queue.id}/remove", data={"csrf_token": token}, headers=HTML
    )
    assert not_in.status_code == 404
    assert "not logged into queue acme-general" in not_in.text
    bad_path = client.post("/me/queue-logins/abc/remove", data={"csrf_token": token}, headers=HTML)
    assert bad_path.status_code == 422


def test_my_presence_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    for path in ("/me/presence",):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    for path in ("/me/presence", "/me/queue-logins", f"/me/queue-logins/{world.queue.id}/remove"):
        response = client.post(path, data={"state": "available"}, follow_redirects=False)
        assert response.status_code in {303, 403}
        assert response.status_code == 403 or response.headers["location"].startswith("/login")
    sign_in_as(client, session, clock, Role.PLANNER, [world.client_a])
    assert client.get("/me/presence", headers=HTML).status_code == 404  # no agent profile
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in_as(client, session, clock, Role.CLIENT_VIEWER, [world.client_a])
    assert client.get("/me/presence", headers=HTML).status_code == 403
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in_page(client, world.user.email)
    no_token = client.post("/me/presence", data={"state": "available"}, headers=HTML)
    assert no_token.status_code == 403
    assert state_of(session, world.agent, clock) is PresenceState.OFFLINE


# --- the agent's page, for a supervisor ------------------------------------------------------


def test_supervisor_manages_presence_queues_and_training(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [world.client_a])
    url = f"/agents/{world.agent.id}"
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    assert '<h2 id="presence">Presence</h2>' in page.text
    assert f'action="/agents/{world.agent.id}/training-records"' in page.text
    token = page_csrf(client, url)
    training = client.post(
        f"{url}/training-records",
        data={
            "csrf_token": token,
            "course_code": "Data-Protection",
            "completed_on": "2026-11-20",
            "expires_on": "2027-11-20",
            "note": "classroom",
        },
        follow_redirects=False,
    )
    assert training.status_code == 303, training.text
    moved = client.post(
        f"{url}/presence", data={"csrf_token": token, "state": "available"}, follow_redirects=False
    )
    assert moved.status_code == 303, moved.text
    login = client.post(
        f"{url}/queue-logins",
        data={"csrf_token": token, "queue_id": str(world.gated.id)},
        follow_redirects=False,
    )
    assert login.status_code == 303, login.text
    page = client.get(url, headers=HTML)
    assert "<td>data-protection</td>" in page.text
    assert "2026-11-20 00:00" in page.text  # the centre's day (UTC here)
    assert 'aria-label="Log out of acme-vip"' in page.text
    out = client.post(
        f"{url}/queue-logins/{world.gated.id}/remove",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert out.status_code == 303, out.text
    forced = client.post(
        f"{url}/presence",
        data={"csrf_token": token, "state": "aux", "aux_reason": "coaching"},
        follow_redirects=False,
    )
    assert forced.status_code == 303
    assert "aux (coaching)" in client.get(url, headers=HTML).text


@pytest.mark.parametrize(
    ("path", "form", "status", "message"),
    [
        ("presence", {"state": "nap"}, 422, "unknown state"),
        ("presence", {"state": "aux"}, 422, "aux needs a reason"),
        ("presence", {"state": "offline", "aux_reason": "break"}, 422, "only with aux"),
        ("presence", {"state": "wrap_up"}, 409, "supervisor may not move"),
        ("queue-logins", {"queue_id": "x"}, 422, "queue id must be a whole number"),
        ("queue-logins", {"queue_id": "{queue}"}, 409, "is offline"),
        ("training-records", {"course_code": "dp", "completed_on": "20.11.2026"}, 422, "YYYY"),
        ("training-records", {"course_code": "dp", "completed_on": ""}, 422, "YYYY"),
        ("training-records", {"course_code": "dp", "completed_on": "2030-01-01"}, 422, "future"),
        ("training-records", {"course_code": "d p", "completed_on": "2026-11-01"}, 422, "course"),
        (
            "training-records",
            {"course_code": "dp", "completed_on": "2026-11-01", "expires_on": "2026-10-01"},
            422,
            "expire after",
        ),
    ],
)
def test_bad_supervisor_forms_are_shown_on_the_page(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    world: World,
    path: str,
    form: dict[str, str],
    status: int,
    message: str,
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [world.client_a])
    url = f"/agents/{world.agent.id}"
    token = page_csrf(client, url)
    form = {key: value.replace("{queue}", str(world.queue.id)) for key, value in form.items()}
    response = client.post(f"{url}/{path}", data={"csrf_token": token, **form}, headers=HTML)
    assert response.status_code == status, response.text
    assert message in response.text
    assert 'role="alert"' in response.text
    if path == "training-records":
        assert f'value="{form["course_code"]}"' in response.text  # what was typed is kept


def test_training_gate_on_the_agents_page(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [world.client_a])
    url = f"/agents/{world.agent.id}"
    page = client.get(url, headers=HTML)
    assert "acme-vip · " in page.text
    assert "(requires data-protection: missing)" in page.text
    token = page_csrf(client, url)
    response = client.post(
        f"{url}/queue-logins",
        data={"csrf_token": token, "queue_id": str(world.gated.id)},
        headers=HTML,
    )
    assert response.status_code == 403
    assert "requires the training course data-protection" in response.text


def test_agents_page_refusals(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    for path in (
        "presence",
        "queue-logins",
        f"queue-logins/{world.queue.id}/remove",
        "training-records",
    ):
        response = client.post(f"/agents/{world.agent.id}/{path}", data={}, follow_redirects=False)
        assert response.status_code in {303, 403}
    # A colleague sees the page but may not change the agent, nor read its training.
    sign_in_as(client, session, clock, Role.AGENT, [world.client_a])
    url = f"/agents/{world.agent.id}"
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    assert f'action="{url}/presence"' not in page.text
    assert '<h2 id="training">' not in page.text
    token = page_csrf(client, url)
    for path, form in (
        ("presence", {"state": "available"}),
        ("queue-logins", {"queue_id": str(world.queue.id)}),
        ("training-records", {"course_code": "dp", "completed_on": "2026-11-01"}),
    ):
        response = client.post(f"{url}/{path}", data={"csrf_token": token, **form}, headers=HTML)
        assert response.status_code == 403, path
    client.post("/logout", data={"csrf_token": token})
    # A supervisor of A does not find client B's agent.
    sign_in_as(client, session, clock, Role.SUPERVISOR, [world.client_a])
    token = page_csrf(client, url)
    url_b = f"/agents/{world.agent_b.id}"
    for path, form in (
        ("presence", {"state": "available"}),
        ("queue-logins", {"queue_id": str(world.queue_b.id)}),
        (f"queue-logins/{world.queue_b.id}/remove", {}),
        ("training-records", {"course_code": "dp", "completed_on": "2026-11-01"}),
    ):
        response = client.post(f"{url_b}/{path}", data={"csrf_token": token, **form}, headers=HTML)
        assert response.status_code == 404, path
    missing = client.post(
        f"{url}/queue-logins/999999/remove", data={"csrf_token": token}, headers=HTML
    )
    assert missing.status_code == 404
    assert state_of(session, world.agent, clock) is PresenceState.OFFLINE


def test_agent_sees_its_own_training_and_a_link_to_its_page(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    make_training(session, clock, world.agent, "first-aid")
    sign_in_page(client, world.user.email)
    page = client.get(f"/agents/{world.agent.id}", headers=HTML)
    assert '<a href="/me/presence">' in page.text
    assert "<td>first-aid</td>" in page.text
    assert "<td>first-aid</td>" in client.get("/me/presence", headers=HTML).text


# --- the queue forms keep the required course ---------------------------------------------------


def test_queue_form_sets_and_keeps_the_required_course(
    client: TestClient, session: Session, clock: FixedClock, world: World
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [world.client_a])
    url = f"/queues/{world.queue.id}"
    token = page_csrf(client, url)
    form = {
        "csrf_token": token,
        "name": "General",
        "channels": ["voice"],
        "time_zone": "Europe/Istanbul",
        "business_hours": "mon-fri 09:00-18:00",
        "priority": "0",
        "callback_offer_seconds": "60",
        "short_abandon_seconds": "5",
        "wrap_up_seconds": "30",
        "service_level_threshold_seconds": "20",
    }
    response = client.post(
        url, data={**form, "required_training_code": "NDA"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert required_course(session, world.queue) == "nda"
    # The page always sends the field; left empty it clears the requirement.
    cleared = client.post(url, data={**form, "required_training_code": ""}, follow_redirects=False)
    assert cleared.status_code == 303
    assert required_course(session, world.queue) is None
    bad = client.post(url, data={**form, "required_training_code": "n d a"}, headers=HTML)
    assert bad.status_code == 422
    assert "course code" in bad.text
