"""Factories that build valid records through the services, for integration and web tests."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from helpline.clock import Clock
from helpline.identity import service as identity_service
from helpline.identity.models import ClientOrganisation, User
from helpline.identity.rules import Actor, Role

SYSTEM = Actor.system("tests")
PASSWORD = "correct horse battery staple"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-the-settings-check"
_sequence = itertools.count(1)


def make_client(
    session: Session, clock: Clock, code: str | None = None, name: str | None = None
) -> ClientOrganisation:
    number = next(_sequence)
    return identity_service.create_client(
        session,
        SYSTEM,
        code=code or f"CLIENT{number}",
        name=name or f"Client {number}",
        clock=clock,
    )


def make_user(
    session: Session,
    clock: Clock,
    role: Role = Role.AGENT,
    clients: list[ClientOrganisation] | None = None,
    email: str | None = None,
) -> tuple[User, Actor]:
    number = next(_sequence)
    user = identity_service.create_user(
        session,
        SYSTEM,
        email=email or f"{role.value}{number}@example.org",
        password=PASSWORD,
        role=role,
        client_codes=[client.code for client in clients or []],
        clock=clock,
    )
    return user, identity_service.actor_for(user)
