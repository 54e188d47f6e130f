"""Migrations are reviewed code: one head, date-prefixed names, no drift from the models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from helpline.db import alembic_config, import_models, make_engine, upgrade_database
from tests.support.databases import backends, fresh_database_url

VERSIONS = Path(__file__).parents[2] / "src" / "helpline" / "migrations" / "versions"


@pytest.fixture(params=backends())
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database_url(request.param, tmp_path)


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_file_names_are_date_prefixed() -> None:
    names = [path.name for path in VERSIONS.glob("*.py") if path.name != "__init__.py"]
    assert names
    for name in names:
        assert re.match(r"^\d{4}_\d{2}_\d{2}_\w+\.py$", name), name


def test_upgrade_empty_database_has_no_drift(empty_database_url: str) -> None:
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, import_models())
        assert differences == [], f"models and migrations differ: {differences}"
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(empty_database_url: str) -> None:
    upgrade_database(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "base")
    engine = make_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert tables <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade_database(empty_database_url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_audit_log_refuses_updates_and_deletes_in_the_database(empty_database_url: str) -> None:
    """R-INFRA-2: the audit log is append-only even for someone with SQL access."""
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_entries (occurred_at, actor_label, action, subject_type,"
                    " detail, previous_hash, entry_hash)"
                    " VALUES (CURRENT_TIMESTAMP, 'x', 'read', 'customer', '{}', :p, :h)"
                ),
                {"p": "0" * 64, "h": "1" * 64},
            )
        for statement in (
            "UPDATE audit_entries SET actor_label = 'y'",
            "DELETE FROM audit_entries",
        ):
            with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def test_upgrade_keeps_existing_rows(empty_database_url: str) -> None:
    """A centre upgrading with live data keeps every contact, event and queue."""
    upgrade_database(empty_database_url, "0002")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO client_organisations (id, code, name, is_active, created_at)"
                    " VALUES (1, 'ACME', 'Acme', true, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO queues (id, client_id, code, name, channels, priority, time_zone,"
                    " business_hours, callback_offer_seconds, short_abandon_seconds,"
                    " wrap_up_seconds, service_level_threshold_seconds, is_active, created_at,"
                    " updated_at) VALUES (1, 1, 'q', 'Q', '[\"chat\"]', 0, 'UTC',"
                    " 'mon-fri 08:00-18:00', 60, 5, 30, 20, true, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO contacts (id, reference, client_id, queue_id, channel, direction,"
                    " status, arrived_at, last_event_seq, updated_at) VALUES (1, 'HL-2026-000001',"
                    " 1, 1, 'chat', 'inbound', 'queued', CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO contact_events (id, contact_id, seq, kind, occurred_at, data,"
                    " previous_hash, entry_hash) VALUES (1, 1, 1, 'arrived', CURRENT_TIMESTAMP,"
                    " '{}', :h, :h)"
                ),
                {"h": "0" * 64},
            )
    finally:
        engine.dispose()

    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            contact = connection.execute(
                text("SELECT priority, queued_at, arrived_at FROM contacts WHERE id = 1")
            ).one()
            assert contact.priority == 0
            assert contact.queued_at == contact.arrived_at
            assert connection.execute(text("SELECT count(*) FROM contact_events")).scalar() == 1
            timeout = connection.execute(text("SELECT offer_timeout_seconds FROM queues")).scalar()
            assert timeout == 20
    finally:
        engine.dispose()
