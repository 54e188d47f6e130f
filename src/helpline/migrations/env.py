"""Alembic environment: Helpline's metadata, batch mode for SQLite, type comparison on."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from helpline.db import UTCDateTime, import_models, make_engine

config = context.config
target_metadata = import_models()


def _render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import application code that may change later: UTCDateTime is a
    # Python-side conversion over a plain timezone-aware DateTime column.
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        render_item=_render_item,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL configured for migrations")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _run_sqlite_migrations(connection)
            else:
                _configure(connection)
                with context.begin_transaction():
                    context.run_migrations()
    finally:
        engine.dispose()


def _run_sqlite_migrations(connection: Connection) -> None:
    # Batch mode rebuilds a table by copying it and dropping the original; with foreign keys
    # on, that drop fails or cascades into child rows. SQLite only switches the check off
    # outside a transaction, so it is done on the raw connection before SQLAlchemy begins,
    # and every foreign key is checked once the migrations are in.
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("no SQLite connection to migrate")
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise RuntimeError("offline SQL generation is not supported; run `helpline db upgrade`")
run_migrations_online()
