"""The first look: health, login page, token, and the first admin hint."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpline.app import create_app
from helpline.clock import FixedClock
from helpline.db import make_engine
from helpline.identity.rules import Role
from helpline.settings import Settings
from tests.support.factories import TEST_SECRET_KEY, make_user
from tests.support.http import bearer


def test_health_reports_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_login_page_tells_how_to_create_first_admin(client: TestClient) -> None:
    response = client.get("/login", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "helpline user add" in response.text


def test_token_then_me(client: TestClient, session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock, Role.SUPERVISOR)
    headers = bearer(client, user.email)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.json()["role"] == "supervisor"


def test_health_answers_503_when_the_database_is_gone(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET_KEY,
        argon2_profile="cheapest",
        run_dispatcher=False,
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
