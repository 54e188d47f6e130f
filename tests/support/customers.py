"""Factories for customer tests: customers through the service, and a two-client cast of users."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from helpline.clock import Clock
from helpline.customers import service as customer_service
from helpline.customers.models import Customer
from helpline.identity import queries as identity_queries
from helpline.identity.models import AuditEntry, ClientOrganisation, User
from helpline.identity.rules import Actor, Role
from tests.support.factories import SYSTEM, make_client, make_user

_numbers = itertools.count(1)
UserActor = tuple[User, Actor]


def unique_phone() -> str:
    """A valid Turkish mobile number no other factory call hands out."""
    return f"+90532{next(_numbers):07d}"


def make_customer(
    session: Session,
    clock: Clock,
    client: ClientOrganisation,
    *,
    display_name: str | None = None,
    phones: Sequence[str] | None = None,
    emails: Sequence[str] = (),
    **fields: Any,
) -> Customer:
    number = next(_numbers)
    return customer_service.create_customer(
        session,
        SYSTEM,
        client_id=client.id,
        display_name=display_name or f"Customer {number}",
        phones=[unique_phone()] if phones is None else phones,
        emails=emails,
        clock=clock,
        **fields,
    )


class Cast:
    """Two clients, and users of every role that matters to customer data, made when first used.

    Users are made lazily because hashing their passwords is the slow part of a test.
    """

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock
        self.client_a = make_client(session, clock)
        self.client_b = make_client(session, clock)

    def _user(self, role: Role, clients: list[ClientOrganisation] | None = None) -> UserActor:
        return make_user(self._session, self._clock, role, clients=clients)

    @cached_property
    def admin(self) -> UserActor:
        return self._user(Role.ADMIN)

    @cached_property
    def agent(self) -> UserActor:
        """An agent serving every client."""
        return self._user(Role.AGENT)

    @cached_property
    def agent_a(self) -> UserActor:
        """An agent scoped to client A."""
        return self._user(Role.AGENT, [self.client_a])

    @cached_property
    def viewer_a(self) -> UserActor:
        """A client_viewer of client A."""
        return self._user(Role.CLIENT_VIEWER, [self.client_a])

    @cached_property
    def planner(self) -> UserActor:
        return self._user(Role.PLANNER)


def make_cast(session: Session, clock: Clock) -> Cast:
    return Cast(session, clock)


def customer_audit(session: Session, customer_id: int | None = None) -> list[AuditEntry]:
    """The audit entries about customers (one customer's when given), oldest first."""
    entries = identity_queries.list_audit_entries(
        session, SYSTEM, subject_type=customer_service.SUBJECT_TYPE, subject_id=customer_id
    )
    return list(reversed(entries))
