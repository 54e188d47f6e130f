"""The supervisor live view page and its event stream, through the real app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity import service as identity_service
from helpline.identity.models import User
from helpline.identity.rules import Role
from tests.support.factories import SYSTEM, make_user
from tests.support.http import sign_in_page
from tests.support.statistics import Centre, build_centre

HTML = {"accept": "text/html"}


@pytest.fixture
def centre(session: Session, clock: FixedClock) -> Centre:
    return build_centre(session, clock)


def user_of(session: Session, clock: FixedClock, role: Role, centre: Centre) -> User:
    scope = [] if role is Role.ADMIN else [centre.client_a]
    return make_user(session, clock, role, clients=scope)[0]


def test_supervisor_sees_both_tables_wired_to_the_stream(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    sign_in_page(client, user_of(session, clock, Role.SUPERVISOR, centre).email)
    page = client.get("/supervisor", headers=HTML)
    assert page.status_code == 200, page.text
    assert "<h1>Live view</h1>" in page.text
    assert 'hx-ext="sse" sse-connect="/supervisor/stream" sse-swap="board"' in page.text
    assert '<script src="/static/vendor/htmx-ext-sse.js" defer></script>' in page.text
    assert "<caption>Queues now:" in page.text
    assert "<caption>Agents signed in:" in page.text
    voice_row = page.text.split('data-queue="acme-voice"')[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in voice_row.split("</td>")[:-1]]
    # waiting, longest wait, estimated wait, available, busy, wrap-up, aux
    assert cells == ["2", "5:00", "4:00", "1", "1", "0", "1"]
    assert "other-voice" not in page.text  # client B's queue
    assert "Deniz" not in page.text  # client B's agent
    assert centre.handled.reference in page.text
    assert 'title="no agent who could take a contact is logged in">n/a' in page.text


def test_client_viewer_sees_queues_only(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    sign_in_page(client, user_of(session, clock, Role.CLIENT_VIEWER, centre).email)
    page = client.get("/supervisor", headers=HTML)
    assert page.status_code == 200, page.text
    assert 'data-queue="acme-voice"' in page.text
    assert "<caption>Agents signed in:" not in page.text


def test_client_filter_narrows_the_board_and_is_passed_to_the_stream(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    sign_in_page(client, user_of(session, clock, Role.ADMIN, centre).email)
    page = client.get(f"/supervisor?client_id={centre.client_b.id}", headers=HTML)
    assert page.status_code == 200, page.text
    assert 'data-queue="other-voice"' in page.text
    assert 'data-queue="acme-voice"' not in page.text
    assert f'sse-connect="/supervisor/stream?client_id={centre.client_b.id}"' in page.text


def test_agent_is_refused_the_page_and_the_stream(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    sign_in_page(client, user_of(session, clock, Role.AGENT, centre).email)
    page = client.get("/supervisor", headers=HTML)
    assert page.status_code == 403
    assert "acme-voice" not in page.text
    assert client.get("/supervisor/stream").status_code == 403


def test_other_clients_board_is_refused(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    sign_in_page(client, user_of(session, clock, Role.SUPERVISOR, centre).email)
    page = client.get(f"/supervisor?client_id={centre.client_b.id}", headers=HTML)
    assert page.status_code == 403
    assert "other-voice" not in page.text
    stream = client.get(f"/supervisor/stream?client_id={centre.client_b.id}")
    assert stream.status_code == 403


@pytest.mark.parametrize("value", ["0", "-1", "abc", "2147483648", "1.5"])
def test_bad_client_ids_are_answered_422(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre, value: str
) -> None:
    sign_in_page(client, user_of(session, clock, Role.SUPERVISOR, centre).email)
    for path in ("/supervisor", "/supervisor/stream"):
        response = client.get(f"{path}?client_id={value}")
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["field"] == "client_id"


@pytest.mark.parametrize("path", ["/supervisor", "/supervisor/stream"])
def test_signed_out_visitor_is_sent_to_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_stream_sends_the_board_at_once(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    sign_in_page(client, user_of(session, clock, Role.SUPERVISOR, centre).email)
    with client.stream("GET", "/supervisor/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        received = ""
        for chunk in response.iter_text():
            received += chunk
            if received.endswith("\n\n"):
                break
    assert received.startswith("event: board\ndata: ")
    lines = received.rstrip("\n").split("\n")
    assert all(line.startswith("data: ") for line in lines[1:])  # one field per HTML line
    assert 'data: <table class="board" id="queue-board">' in lines
    assert 'data-queue="acme-voice"' in received
    assert "<caption>Agents signed in:" in received
    assert "other-voice" not in received


def test_stream_ends_when_the_account_is_deactivated(
    client: TestClient, session: Session, clock: FixedClock, centre: Centre
) -> None:
    supervisor = user_of(session, clock, Role.SUPERVISOR, centre)
    sign_in_page(client, supervisor.email)
    with client.stream("GET", "/supervisor/stream") as response:
        chunks = response.iter_text()
        assert next(chunks).startswith("event: board\n")
        identity_service.set_user_active(session, SYSTEM, supervisor.id, is_active=False)
        rest = "".join(chunks)  # the next check finds the account gone and ends the stream
    assert "event: board" not in rest
