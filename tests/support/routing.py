"""Factories for routing tests: agents that are logged in and available, contacts through intake."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents.models import Agent, AgentPresence
from helpline.clock import Clock
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import Channel, Direction
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Actor, Role
from helpline.queues.models import Queue
from helpline.routing.models import Offer
from tests.support.databases import migrated_database
from tests.support.factories import SYSTEM, make_user
from tests.support.queues import go_available, make_agent


def ready_agent(
    session: Session,
    clock: Clock,
    client: ClientOrganisation,
    queues: Iterable[Queue],
    *,
    skills: Iterable[tuple[str, int]] = (),
    capacities: Mapping[str, int] | None = None,
) -> tuple[Agent, Actor]:
    """An agent of the client, available and logged into the queues; with its user's actor."""
    user, actor = make_user(session, clock, Role.AGENT, clients=[client])
    agent = make_agent(session, clock, user, skills=skills, capacities=capacities)
    go_available(session, clock, agent)
    for queue in queues:
        agent_presence.log_into_queue(session, actor, agent.id, queue.id, clock=clock)
    return agent, actor


def incoming(
    session: Session,
    clock: Clock,
    queue: Queue,
    channel: Channel,
    *,
    language: str | None = None,
) -> Contact:
    return contact_service.open_contact(
        session,
        SYSTEM,
        client_id=queue.client_id,
        channel=channel,
        direction=Direction.INBOUND,
        queue_id=queue.id,
        language=language,
        clock=clock,
    )


def presence_of(session: Session, agent: Agent) -> tuple[str, str | None]:
    presence = session.scalar(
        select(AgentPresence)
        .where(AgentPresence.agent_id == agent.id)
        .execution_options(populate_existing=True)
    )
    assert presence is not None
    return presence.state, presence.aux_reason


def pending_offer(session: Session, contact: Contact) -> Offer:
    offer = session.scalar(
        select(Offer)
        .where(Offer.contact_id == contact.id, Offer.status == "pending")
        .execution_options(populate_existing=True)
    )
    assert offer is not None
    return offer


def events_of(session: Session, contact: Contact) -> list[ContactEvent]:
    return list(
        session.scalars(
            select(ContactEvent)
            .where(ContactEvent.contact_id == contact.id)
            .order_by(ContactEvent.seq)
            .execution_options(populate_existing=True)
        )
    )


def fresh(session: Session, contact: Contact) -> Contact:
    found = session.scalar(
        select(Contact).where(Contact.id == contact.id).execution_options(populate_existing=True)
    )
    assert found is not None
    return found


@contextmanager
def database_of_its_own(engine: Engine, folder: Path) -> Iterator[Engine]:
    """A throwaway migrated database on the backend of `engine`, for tests that really
    commit from several threads: their rows must not leak into the shared test database."""
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
    with migrated_database(backend, folder) as own:
        yield own
