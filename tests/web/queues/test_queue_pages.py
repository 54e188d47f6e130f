"""The queue pages through the browser's forms: list, create, edit, skills needed, closed days."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Role
from helpline.queues import service as queue_service
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.http import page_csrf, sign_in_page
from tests.support.queues import make_queue, make_skill

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


def new_queue_form(owner_id: int, token: str, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": token,
        "client_id": str(owner_id),
        "code": "acme-chat",
        "name": "Acme chat",
        "channels": ["chat", "email"],
        "time_zone": "Europe/Istanbul",
        "business_hours": "Mon-Fri 9:00-18:00\nsat 10:00-14:00",
        "holiday_country": "TR",
        "holiday_subdivision": "",
        "priority": "5",
        "callback_offer_seconds": "60",
        "short_abandon_seconds": "5",
        "wrap_up_seconds": "30",
        "service_level_threshold_seconds": "20",
        "max_queue_size": "",
    }
    form.update(overrides)
    return form


def test_supervisor_creates_a_queue_through_the_form(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, "/queues")
    response = client.post(
        "/queues", data=new_queue_form(client_a.id, token), follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/queues/\d+", location)
    page = client.get(location, headers=HTML)
    assert page.status_code == 200
    assert "mon-fri 09:00-18:00; sat 10:00-14:00" in page.text
    assert "Open" in page.text  # Monday 12:30 in Istanbul
    listing = client.get("/queues", headers=HTML)
    assert "acme-chat" in listing.text
    assert "<caption>" in listing.text
    assert 'for="business_hours"' in listing.text


def test_a_post_without_the_csrf_token_is_refused(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    form = new_queue_form(client_a.id, "")
    del form["csrf_token"]
    response = client.post("/queues", data=form, headers=HTML, follow_redirects=False)
    assert response.status_code == 403
    response = client.post(
        "/queues", data=new_queue_form(client_a.id, "forged"), follow_redirects=False
    )
    assert response.status_code == 403
    assert queue_service.list_queues(session, SYSTEM) == []


def test_bad_hours_re_render_the_form_with_the_message(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, "/queues")
    form = new_queue_form(client_a.id, token, business_hours="mon-fri 18:00-09:00")
    response = client.post("/queues", data=form, headers=HTML)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "closes before it opens" in response.text
    # What was typed stays in the form.
    assert "mon-fri 18:00-09:00</textarea>" in response.text
    assert 'value="Acme chat"' in response.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"priority": "high"}, "priority must be a whole number"),
        ({"callback_offer_seconds": ""}, "callback offer seconds is required"),
        ({"wrap_up_seconds": "99999999999999"}, "wrap up seconds must be a whole number"),
        ({"channels": []}, "at least one channel"),
        ({"time_zone": "Mars/Base"}, "IANA time zone"),
        ({"client_id": "x"}, "client id must be a whole number"),
    ],
)
def test_other_bad_values_re_render_with_422(
    client: TestClient,
    session: Session,
    clock: FixedClock,
    client_a: ClientOrganisation,
    overrides: dict[str, Any],
    message: str,
) -> None:
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, "/queues")
    response = client.post("/queues", data=new_queue_form(client_a.id, token, **overrides))
    assert response.status_code == 422
    assert message in response.text


def test_supervisor_of_a_cannot_create_for_b_through_the_form(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    client_b = make_client(session, clock)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, "/queues")
    response = client.post("/queues", data=new_queue_form(client_b.id, token), headers=HTML)
    assert response.status_code == 403


def test_an_agent_sees_queues_but_no_form_and_cannot_post(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    queue = make_queue(session, clock, client_a)
    sign_in_as(client, session, clock, Role.AGENT, [client_a])
    listing = client.get("/queues", headers=HTML)
    assert listing.status_code == 200
    assert queue.code in listing.text
    assert 'action="/queues"' not in listing.text
    token = page_csrf(client, "/queues")
    response = client.post("/queues", data=new_queue_form(client_a.id, token), headers=HTML)
    assert response.status_code == 403
    detail = client.get(f"/queues/{queue.id}", headers=HTML)
    assert detail.status_code == 200
    assert f'action="/queues/{queue.id}"' not in detail.text


def test_queue_of_another_client_is_not_found(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    other = make_queue(session, clock, make_client(session, clock))
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    assert client.get(f"/queues/{other.id}", headers=HTML).status_code == 404
    token = page_csrf(client, "/queues")
    response = client.post(
        f"/queues/{other.id}", data={"csrf_token": token, "name": "Mine"}, headers=HTML
    )
    assert response.status_code == 404


def test_pages_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/queues", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def edit_form(token: str, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": token,
        "name": "Acme billing",
        "channels": ["voice"],
        "time_zone": "Europe/Istanbul",
        "business_hours": "mon-fri 08:00-20:00",
        "holiday_country": "TR",
        "holiday_subdivision": "",
        "priority": "1",
        "callback_offer_seconds": "90",
        "short_abandon_seconds": "5",
        "wrap_up_seconds": "30",
        "service_level_threshold_seconds": "20",
        "max_queue_size": "",
        "overflow_queue_id": "",
        "overflow_after_seconds": "",
        "is_active": "yes",
    }
    form.update(overrides)
    return form


def test_edit_policy_hours_and_overflow(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    queue = make_queue(session, clock, client_a)
    backup = make_queue(session, clock, client_a, code="acme-backup")
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    page = client.get(f"/queues/{queue.id}", headers=HTML)
    assert f'<option value="{backup.id}"' in page.text
    token = page_csrf(client, f"/queues/{queue.id}")
    form = edit_form(token, overflow_queue_id=str(backup.id), overflow_after_seconds="120")
    response = client.post(f"/queues/{queue.id}", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    session.expire_all()
    stored = queue_service.get_queue(session, SYSTEM, queue.id)
    assert stored.business_hours == "mon-fri 08:00-20:00"
    assert (stored.callback_offer_seconds, stored.overflow_queue_id) == (90, backup.id)
    assert stored.channels == ["voice"]


def test_bad_edit_re_renders_with_the_typed_values(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    queue = make_queue(session, clock, client_a)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, f"/queues/{queue.id}")
    form = edit_form(token, short_abandon_seconds="61", name="Typed name")
    response = client.post(f"/queues/{queue.id}", data=form, headers=HTML)
    assert response.status_code == 422
    assert "short abandon seconds is from 0 to 60" in response.text
    assert 'value="Typed name"' in response.text


def test_skill_requirements_form(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    queue = make_queue(session, clock, client_a)
    make_skill(session, clock, "billing", name="Billing")
    make_skill(session, clock, "lang-tr", name="Turkish", language_code="tr")
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, f"/queues/{queue.id}")
    response = client.post(
        f"/queues/{queue.id}/skill-requirements",
        data={"csrf_token": token, "skill_code": ["billing", "lang-tr"], "min_level": ["", "3"]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/queues/{queue.id}", headers=HTML)
    assert "lang-tr · Turkish</td><td>tr</td><td>3</td>" in page.text
    bad = client.post(
        f"/queues/{queue.id}/skill-requirements",
        data={"csrf_token": token, "skill_code": ["billing"], "min_level": ["9"]},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "from 1 to 5" in bad.text


def test_closed_day_forms(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    queue = make_queue(session, clock, client_a)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, f"/queues/{queue.id}")
    url = f"/queues/{queue.id}/closed-dates"
    added = client.post(
        url,
        data={"csrf_token": token, "closed_on": "2026-11-23", "reason": "Training day"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = client.get(f"/queues/{queue.id}", headers=HTML)
    assert "Training day" in page.text
    assert "Closed" in page.text
    bad = client.post(
        url, data={"csrf_token": token, "closed_on": "23.11.2026", "reason": "x"}, headers=HTML
    )
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text
    removed = client.post(
        f"{url}/2026-11-23/remove", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert "Training day" not in client.get(f"/queues/{queue.id}", headers=HTML).text
    missing = client.post(f"{url}/2026-11-23/remove", data={"csrf_token": token}, headers=HTML)
    assert missing.status_code == 404


def test_training_requirement_is_set_and_cleared_through_the_form(
    client: TestClient, session: Session, clock: FixedClock, client_a: ClientOrganisation
) -> None:
    """R-HR-3: the queue names the course an agent needs; clearing the field removes it."""
    queue = make_queue(session, clock, client_a)
    sign_in_as(client, session, clock, Role.SUPERVISOR, [client_a])
    token = page_csrf(client, f"/queues/{queue.id}")
    saved = client.post(
        f"/queues/{queue.id}",
        data=edit_form(token, required_training_code="gdpr-2026"),
        headers=HTML,
    )
    assert saved.status_code == 200, saved.text
    assert "gdpr-2026" in saved.text
    session.expire_all()
    assert queue_service.get_queue(session, SYSTEM, queue.id).required_training_code == "gdpr-2026"
    cleared = client.post(
        f"/queues/{queue.id}", data=edit_form(token, required_training_code=""), headers=HTML
    )
    assert cleared.status_code == 200, cleared.text
    session.expire_all()
    assert queue_service.get_queue(session, SYSTEM, queue.id).required_training_code is None
