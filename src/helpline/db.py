"""Engine, session factory, the declarative base and migrations."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names make migrations reviewable and portable across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every domain that owns tables; alembic and the tests import them all through import_models().
MODEL_MODULES = (
    "helpline.identity.models",
    "helpline.customers.models",
    "helpline.queues.models",
    "helpline.agents.models",
    "helpline.contacts.models",
    "helpline.routing.models",
    "helpline.callbacks.models",
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: Helpline stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def import_models() -> MetaData:
    """Import every domain's tables so that Base.metadata is complete."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata


# Execution option naming how a SQLite transaction begins; only pure reads ask for DEFERRED.
SQLITE_BEGIN_OPTION = "helpline_sqlite_begin"


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; take it over
    # (SQLAlchemy's documented recipe) and turn on WAL and foreign keys for every connection.
    # Transactions begin IMMEDIATE: a deferred one that reads and then writes fails at once
    # with "database is locked" when another writer committed in between, while IMMEDIATE
    # takes the write lock up front and waits for it (busy_timeout). Readers are not blocked
    # in WAL mode; writers queue, as they must on SQLite anyway.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {'DEFERRED' if mode == 'DEFERRED' else 'IMMEDIATE'}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for CLI commands and jobs; services commit, anything left open is rolled back."""
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Date-prefixed names keep the history readable in a directory listing.
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def ensure_sqlite_folder(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = url[len(prefix) :].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`; `helpline serve` calls this on start."""
    ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)


def database_status(engine: Engine) -> str:
    """'ok' when a trivial query answers, else the error class name (for /health)."""
    try:
        with engine.connect().execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"}) as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return type(exc).__name__
    return "ok"
