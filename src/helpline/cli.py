"""The `helpline` command: serve, migrate, and administer from the shell."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from helpline.clock import SystemClock
from helpline.db import make_engine, make_session_factory, session_scope, upgrade_database
from helpline.errors import DomainError
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Role
from helpline.settings import Settings, load_settings

app = typer.Typer(help="Helpline: a customer contact centre platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
client_app = typer.Typer(help="Client organisations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(client_app, name="client")

console = Console()
errors = Console(stderr=True)

# The operator at the server's shell acts as Helpline itself.
OPERATOR = Actor.system("cli")

RoleChoice = StrEnum("RoleChoice", {role.name: role.value for role in Role})  # type: ignore[misc]


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ValueError as exc:
        errors.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc
    identity_service.configure_password_hashing(settings.argon2_profile)
    return settings


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]Error:[/red] {message}")
    return typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.", min=1, max=65535)] = None,
) -> None:
    """Apply migrations and start the web server with the API and pages."""
    import uvicorn

    settings = _settings()
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(make_session_factory(engine)) as session:
        if identity_service.count_users(session) == 0:
            console.print(
                "[bold yellow]No users yet.[/bold yellow] Create the first administrator with:\n"
                "  .venv/bin/helpline user add you@example.org --role admin\n"
                "(it asks for the password), then sign in at "
                f"http://{host or settings.host}:{port or settings.port}/login"
            )
    engine.dispose()
    uvicorn.run(
        "helpline.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations to the configured database."""
    settings = _settings()
    upgrade_database(settings.database_url, revision)
    console.print(f"Database at {revision}.")


def _read_password(confirm: bool) -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The user's e-mail address, used to sign in.")],
    role: Annotated[RoleChoice, typer.Option(help="The user's role.", case_sensitive=False)],
    client: Annotated[
        list[str] | None, typer.Option(help="Client organisation code; repeat for several.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a user; the password is read from standard input."""
    settings = _settings()
    password = _read_password(confirm=True)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            user = identity_service.create_user(
                session,
                OPERATOR,
                email=email,
                password=password,
                role=Role(role.value),
                display_name=name,
                client_codes=client or [],
                clock=SystemClock(),
            )
            console.print(f"Created {user.role} {user.email} (id {user.id}).")
    except DomainError as exc:
        raise _fail(exc.message) from exc
    finally:
        engine.dispose()


@client_app.command("add")
def client_add(
    code: Annotated[str, typer.Argument(help="Short code, e.g. ACME.")],
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
) -> None:
    """Create a client organisation."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            client = identity_service.create_client(
                session, OPERATOR, code=code, name=name, clock=SystemClock()
            )
            console.print(f"Created client organisation {client.code} (id {client.id}).")
    except DomainError as exc:
        raise _fail(exc.message) from exc
    finally:
        engine.dispose()


def main() -> None:
    app()
