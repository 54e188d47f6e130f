"""Fixtures shared by every test: clock, databases on each backend, sessions, the app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from helpline.app import create_app
from helpline.clock import FixedClock
from helpline.identity import service as identity_service
from helpline.settings import Settings
from tests.support.databases import backends, migrated_database
from tests.support.factories import TEST_SECRET_KEY


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> None:
    """argon2 with its cheapest parameters: the hashes are still real argon2id."""
    identity_service.configure_password_hashing("cheapest")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


@pytest.fixture(scope="session", params=backends())
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    folder: Path = tmp_path_factory.mktemp(f"db-{request.param}")
    with migrated_database(request.param, folder) as engine:
        yield engine


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One outer transaction per test, rolled back at the end; services commit to savepoints."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="test",
        secret_key=TEST_SECRET_KEY,
        database_url="sqlite://",
        argon2_profile="cheapest",
        run_dispatcher=False,
    )


@pytest.fixture
def app(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], clock: FixedClock
) -> FastAPI:
    return create_app(settings, engine=engine, session_factory=session_factory, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on each database, so a silent PostgreSQL skip cannot hide."""
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        if report.when != "call":
            continue
        for backend in ("sqlite", "postgresql"):
            if f"[{backend}" in report.nodeid or f"-{backend}" in report.nodeid:
                counts[backend] = counts.get(backend, 0) + 1
    if counts:
        terminalreporter.write_line(
            "tests per database: "
            + ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        )
