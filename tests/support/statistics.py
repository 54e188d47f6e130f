"""A small centre for live view tests: two queues of client A, one of B, agents in known states."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents.models import Agent
from helpline.agents.rules import AuxReason, PresenceState
from helpline.clock import FixedClock
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact
from helpline.contacts.rules import Channel, Direction, EventKind
from helpline.identity import service as identity_service
from helpline.identity.models import ClientOrganisation, User
from helpline.identity.rules import Actor, Role
from helpline.queues.models import Queue
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import make_agent, make_queue


@dataclass
class Centre:
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    voice: Queue
    chat: Queue
    other: Queue
    available: Agent
    busy: Agent
    on_break: Agent
    agent_b: Agent
    supervisor_a: Actor
    agent_actor: Actor
    waiting: list[Contact]
    handled: Contact


def open_waiting(session: Session, clock: FixedClock, queue: Queue, channel: Channel) -> Contact:
    client_id = queue.client_id
    return contact_service.open_contact(
        session,
        SYSTEM,
        client_id=client_id,
        channel=channel,
        direction=Direction.INBOUND,
        queue_id=queue.id,
        clock=clock,
    )


def put(session: Session, clock: FixedClock, agent: Agent, state: PresenceState) -> None:
    """The agent moves itself, except to busy, which follows a contact (the system's move)."""
    user = session.get(User, agent.user_id)
    assert user is not None
    agent_presence.set_presence(
        session,
        SYSTEM if state is PresenceState.BUSY else identity_service.actor_for(user),
        agent.id,
        state=state,
        aux_reason=AuxReason.BREAK if state is PresenceState.AUX else None,
        clock=clock,
    )


def build_centre(session: Session, clock: FixedClock) -> Centre:
    """At the end the clock is 10 minutes past the start; see the comments for every figure."""
    client_a = make_client(session, clock, code="ACME", name="Acme Energy")
    client_b = make_client(session, clock, code="OTHER", name="Other Ltd")
    voice = make_queue(session, clock, client_a, code="acme-voice", channels=("voice",))
    chat = make_queue(session, clock, client_a, code="acme-chat", channels=("chat",))
    other = make_queue(session, clock, client_b, code="other-voice", channels=("voice",))

    def agent_of(client: ClientOrganisation, name: str) -> Agent:
        user = make_user(session, clock, Role.AGENT, clients=[client])[0]
        return make_agent(session, clock, user, display_name=name)

    available, busy = agent_of(client_a, "Ayla"), agent_of(client_a, "Berk")
    on_break, agent_b = agent_of(client_a, "Cem"), agent_of(client_b, "Deniz")
    for agent in (available, busy, on_break):
        put(session, clock, agent, PresenceState.AVAILABLE)
        agent_presence.log_into_queue(session, SYSTEM, agent.id, voice.id, clock=clock)
    put(session, clock, agent_b, PresenceState.AVAILABLE)
    agent_presence.log_into_queue(session, SYSTEM, agent_b.id, other.id, clock=clock)

    # Berk answers a voice contact at 0:00 and ends it at 4:00: a 240 s handle time.
    handled = open_waiting(session, clock, voice, Channel.VOICE)
    contact_service.record_event(
        session, SYSTEM, handled.id, kind=EventKind.OFFERED, agent_id=busy.id, clock=clock
    )
    contact_service.record_event(
        session, SYSTEM, handled.id, kind=EventKind.ANSWERED, agent_id=busy.id, clock=clock
    )
    put(session, clock, busy, PresenceState.BUSY)
    clock.advance(240)
    contact_service.record_event(
        session, SYSTEM, handled.id, kind=EventKind.ENDED, agent_id=busy.id, clock=clock
    )
    # Cem goes on a break at 4:00; the voice line forms at 5:00 and 7:30, chat at 9:00.
    put(session, clock, on_break, PresenceState.AUX)
    clock.advance(60)
    first = open_waiting(session, clock, voice, Channel.VOICE)
    clock.advance(150)
    second = open_waiting(session, clock, voice, Channel.VOICE)
    clock.advance(90)
    third = open_waiting(session, clock, chat, Channel.CHAT)
    clock.advance(60)
    _, supervisor_a = make_user(session, clock, Role.SUPERVISOR, clients=[client_a])
    _, agent_actor = make_user(session, clock, Role.AGENT, clients=[client_a])
    return Centre(
        client_a=client_a,
        client_b=client_b,
        voice=voice,
        chat=chat,
        other=other,
        available=available,
        busy=busy,
        on_break=on_break,
        agent_b=agent_b,
        supervisor_a=supervisor_a,
        agent_actor=agent_actor,
        waiting=[first, second, third],
        handled=handled,
    )
