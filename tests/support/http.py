"""Signing in through the real endpoints, for web tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.factories import PASSWORD


def bearer(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in through the token endpoint and return the Authorization header."""
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def page_csrf(client: TestClient, path: str) -> str:
    """Open a page and return the CSRF token its forms carry."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in_page(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, leaving the session cookie in the client."""
    token = page_csrf(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
