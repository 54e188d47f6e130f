"""Factories for contact tests: queues, customers and agents as rows, contacts through intake."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sqlalchemy.orm import Session

from helpline.agents.models import Agent
from helpline.clock import Clock
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact
from helpline.contacts.rules import Channel, Direction
from helpline.customers.models import Customer
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Actor
from helpline.queues.models import Queue
from tests.support.factories import SYSTEM, make_user

_sequence = itertools.count(1)


def make_queue(
    session: Session,
    clock: Clock,
    client: ClientOrganisation,
    *,
    channels: Sequence[Channel] = (Channel.VOICE, Channel.CHAT, Channel.EMAIL),
    is_active: bool = True,
) -> Queue:
    # Rows rather than the queues service, which another domain owns and may reshape.
    number = next(_sequence)
    queue = Queue(
        client_id=client.id,
        code=f"contacts-queue-{number}",
        name=f"Queue {number}",
        channels=[channel.value for channel in channels],
        time_zone="UTC",
        business_hours="mon-sun 00:00-00:00",
        is_active=is_active,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(queue)
    session.commit()
    return queue


def make_customer(session: Session, clock: Clock, client: ClientOrganisation) -> Customer:
    number = next(_sequence)
    customer = Customer(
        client_id=client.id,
        display_name=f"Customer {number}",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(customer)
    session.commit()
    return customer


def make_agent(session: Session, clock: Clock, *, is_active: bool = True) -> Agent:
    user, _ = make_user(session, clock)
    agent = Agent(
        user_id=user.id,
        display_name=user.display_name,
        is_active=is_active,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(agent)
    session.commit()
    return agent


def make_contact(
    session: Session,
    clock: Clock,
    client: ClientOrganisation,
    *,
    queue: Queue | None = None,
    customer: Customer | None = None,
    channel: Channel = Channel.VOICE,
    direction: Direction = Direction.INBOUND,
    actor: Actor = SYSTEM,
) -> Contact:
    """A contact opened through intake, the only way contacts are created."""
    return contact_service.open_contact(
        session,
        actor,
        client_id=client.id,
        channel=channel,
        direction=direction,
        queue_id=queue.id if queue else None,
        customer_id=customer.id if customer else None,
        clock=clock,
    )
