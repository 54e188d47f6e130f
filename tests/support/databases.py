"""Test databases: a migrated SQLite file always, a throwaway PostgreSQL one when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from helpline.db import make_engine, upgrade_database

POSTGRES_URL_VARIABLE = "HELPLINE_TEST_POSTGRES_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_URL_VARIABLE) else ["sqlite"]


def _postgres_url() -> str:
    url = os.environ[POSTGRES_URL_VARIABLE]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@contextmanager
def migrated_database(backend: str, folder: Path) -> Iterator[Engine]:
    """A fresh database at the head migration; PostgreSQL gets its own database per run."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'helpline-test.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    yield from _postgres_database()


def _postgres_database() -> Iterator[Engine]:
    # A database of its own, so parallel runs never see each other's rows. If the server
    # does not answer, this raises: a configured PostgreSQL suite fails, it never skips.
    server_url = make_url(_postgres_url())
    name = f"helpline_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fresh_database_url(backend: str, folder: Path) -> Iterator[str]:
    """An empty, unmigrated database URL (for migration tests)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'empty-{uuid.uuid4().hex[:8]}.db'}"
        return
    server_url = make_url(_postgres_url())
    name = f"helpline_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
