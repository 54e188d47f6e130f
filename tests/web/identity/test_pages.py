"""Login, CSRF and the admin pages through HTTP (the browser suite drives them in Chromium)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.identity.rules import Role
from tests.support.factories import PASSWORD, make_client, make_user
from tests.support.http import page_csrf, sign_in_page

HTML = {"accept": "text/html"}


def test_pages_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/admin/users", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users"


def test_login_with_wrong_password_shows_message(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock)
    token = page_csrf(client, "/login")
    response = client.post(
        "/login", data={"email": user.email, "password": "wrong", "csrf_token": token}, headers=HTML
    )
    assert response.status_code == 401
    assert "wrong e-mail or password" in response.text


def test_login_without_csrf_token_is_refused(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock)
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=HTML)
    assert response.status_code == 403


def test_cross_origin_post_is_refused(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock)
    token = page_csrf(client, "/login")
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        headers={**HTML, "origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_login_redirect_stays_on_site(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock)
    token = page_csrf(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_admin_creates_client_and_user_through_forms(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    admin, _ = make_user(session, clock, Role.ADMIN)
    sign_in_page(client, admin.email)
    token = page_csrf(client, "/admin/clients")
    created = client.post(
        "/admin/clients",
        data={"code": "gasco", "name": "Gas Co", "csrf_token": token},
        headers=HTML,
    )
    assert created.status_code == 200
    assert "GASCO" in created.text
    bad = client.post(
        "/admin/clients", data={"code": "a b", "name": "X", "csrf_token": token}, headers=HTML
    )
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text

    user_form = {
        "email": "viewer@gasco.example",
        "password": "a long enough password",
        "role": "client_viewer",
        "clients": "GASCO",
        "csrf_token": token,
    }
    response = client.post("/admin/users", data=user_form, headers=HTML)
    assert response.status_code == 200
    assert "viewer@gasco.example" in response.text
    refused = client.post("/admin/users", data={**user_form, "role": "wizard"}, headers=HTML)
    assert refused.status_code == 422
    assert "unknown role" in refused.text
    assert 'value="viewer@gasco.example"' in refused.text, "the typed e-mail is given back"
    assert "a long enough password" not in refused.text, "the password is never echoed"


def test_client_viewer_is_refused_admin_pages_and_sees_no_users_link(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    tenant = make_client(session, clock)
    viewer, _ = make_user(session, clock, Role.CLIENT_VIEWER, clients=[tenant])
    sign_in_page(client, viewer.email)
    home = client.get("/", headers=HTML)
    assert home.status_code == 200
    assert 'href="/admin/users"' not in home.text
    assert client.get("/admin/users", headers=HTML).status_code == 403


def test_logout_ends_the_session(client: TestClient, session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock)
    sign_in_page(client, user.email)
    token = page_csrf(client, "/")
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    response = client.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 303


def test_audit_page_for_quality_shows_chain_status(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    quality, _ = make_user(session, clock, Role.QUALITY)
    sign_in_page(client, quality.email)
    page = client.get("/admin/audit", headers=HTML)
    assert page.status_code == 200
    assert "hash chain" in page.text
    assert 'href="/admin/audit"' in page.text


def test_audit_page_refused_to_agents(
    client: TestClient, session: Session, clock: FixedClock
) -> None:
    agent, _ = make_user(session, clock, Role.AGENT)
    sign_in_page(client, agent.email)
    assert client.get("/admin/audit", headers=HTML).status_code == 403
