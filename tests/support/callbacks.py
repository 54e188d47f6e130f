"""Factories for callback tests: a queue with waiting callers, offers made as the engine would."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from helpline.agents.models import Agent
from helpline.callbacks import service as callback_service
from helpline.callbacks.models import Callback
from helpline.callbacks.rules import CallbackKind
from helpline.clock import FixedClock
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact
from helpline.contacts.rules import Channel, EventKind
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Actor
from helpline.queues.models import Queue
from tests.support.factories import SYSTEM, make_client
from tests.support.queues import make_queue
from tests.support.routing import incoming, ready_agent

PHONE = "+905321234567"


@dataclass
class Line:
    """A queue (Istanbul, mon-fri 09:00-18:00, Turkish holidays) with callers waiting."""

    client: ClientOrganisation
    queue: Queue
    contacts: list[Contact]


def make_line(session: Session, clock: FixedClock, *, waiting: int = 3) -> Line:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    contacts = []
    for _ in range(waiting):
        contacts.append(incoming(session, clock, queue, Channel.VOICE))
        clock.advance(1)
    return Line(client, queue, contacts)


def add_agent(session: Session, clock: FixedClock, line: Line) -> tuple[Agent, Actor]:
    return ready_agent(session, clock, line.client, [line.queue])


def offer(session: Session, clock: FixedClock, contact: Contact, agent: Agent) -> None:
    """What the engine does when a contact's turn comes: offer it to the agent."""
    contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.OFFERED, agent_id=agent.id, clock=clock
    )


def request(
    session: Session,
    clock: FixedClock,
    contact: Contact,
    *,
    actor: Actor = SYSTEM,
    kind: CallbackKind = CallbackKind.KEEP_PLACE,
) -> Callback:
    return callback_service.request_callback(
        session, actor, contact.id, phone=PHONE, kind=kind, clock=clock
    )
