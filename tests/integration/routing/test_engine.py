"""The routing engine through its services: offers, acceptance, capacity, timers, transfers."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from helpline.agents import presence as agent_presence
from helpline.agents.models import Agent
from helpline.agents.rules import AuxReason, PresenceState
from helpline.clock import FixedClock
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact
from helpline.contacts.rules import Channel, EventKind
from helpline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpline.identity.rules import Role
from helpline.queues import service as queue_service
from helpline.routing import jobs as routing_jobs
from helpline.routing import service as routing_service
from helpline.routing.models import Offer
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import make_queue, make_skill
from tests.support.routing import (
    events_of,
    fresh,
    incoming,
    pending_offer,
    presence_of,
    ready_agent,
)


def offered(session: Session, offers: list[Offer]) -> list[tuple[int, int]]:
    return [(offer.contact_id, offer.agent_id) for offer in offers]


def cycle(session_factory: sessionmaker[Session], clock: FixedClock) -> routing_jobs.CycleReport:
    return routing_jobs.run_routing_cycle(session_factory, clock)


def new_offers(session: Session, since_id: int) -> list[tuple[int, int]]:
    rows = session.execute(
        select(Offer.contact_id, Offer.agent_id).where(Offer.id > since_id).order_by(Offer.id)
    )
    return [(row.contact_id, row.agent_id) for row in rows]


def last_offer_id(session: Session) -> int:
    return session.scalar(select(Offer.id).order_by(Offer.id.desc()).limit(1)) or 0


def test_the_acceptance_scenario(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    """3 agents with different skills and languages, 10 contacts over 2 queues (issue 3)."""
    client = make_client(session, clock)
    make_skill(session, clock, "billing")
    make_skill(session, clock, "english", language_code="en")
    make_skill(session, clock, "turkish", language_code="tr")
    high = make_queue(session, clock, client, channels=("chat",), priority=10, wrap_up_seconds=30)
    low = make_queue(
        session, clock, client, channels=("voice", "chat"), priority=0, wrap_up_seconds=30
    )
    queue_service.set_skill_requirements(session, SYSTEM, high.id, [("billing", 3)], clock=clock)
    a1, actor1 = ready_agent(
        session, clock, client, [high, low],
        skills=[("billing", 4), ("english", 5)], capacities={"chat": 2, "voice": 1, "email": 0},
    )  # fmt: skip
    clock.advance(1)
    a2, actor2 = ready_agent(
        session, clock, client, [high, low],
        skills=[("billing", 2), ("english", 3), ("turkish", 4)],
        capacities={"chat": 1, "voice": 1, "email": 0},
    )  # fmt: skip
    clock.advance(1)
    a3, actor3 = ready_agent(
        session, clock, client, [low],
        skills=[("turkish", 5)], capacities={"chat": 0, "voice": 1, "email": 0},
    )  # fmt: skip
    plan = [
        (low, Channel.VOICE, "en"),  # c1
        (high, Channel.CHAT, "en"),  # c2
        (low, Channel.CHAT, "tr"),  # c3
        (high, Channel.CHAT, None),  # c4
        (low, Channel.VOICE, "tr"),  # c5
        (low, Channel.CHAT, None),  # c6
        (high, Channel.CHAT, "tr"),  # c7: nobody with billing 3 speaks Turkish
        (low, Channel.VOICE, None),  # c8
        (high, Channel.CHAT, "en"),  # c9
        (low, Channel.CHAT, "en"),  # c10
    ]
    contacts: list[Contact] = []
    for queue, channel, language in plan:
        clock.advance(1)
        contacts.append(incoming(session, clock, queue, channel, language=language))
    c = {number: contact.id for number, contact in enumerate(contacts, start=1)}

    # Priority first (the high queue), skills (billing 3 only a1), language, and voice
    # exclusive: a1 took chats, so the English call goes to a2; the Turkish call to a3.
    # Rows other tests committed may exist; only offers made from here on are looked at.
    mark = last_offer_id(session)
    cycle(session_factory, clock)
    assert new_offers(session, mark) == [(c[2], a1.id), (c[4], a1.id), (c[1], a2.id), (c[5], a3.id)]
    for agent in (a1, a2, a3):
        assert presence_of(session, agent) == ("busy", None)

    for contact_number, actor in ((2, actor1), (4, actor1), (1, actor2), (5, actor3)):
        offer = pending_offer(session, contacts[contact_number - 1])
        routing_service.accept_offer(session, actor, offer.id, clock=clock)
    assert fresh(session, contacts[1]).status == "connected"

    # Everyone is full: nothing more is offered.
    mark = last_offer_id(session)
    cycle(session_factory, clock)
    assert new_offers(session, mark) == []

    # a1 ends one chat: still busy with the other, and takes the next English billing chat.
    routing_service.end_contact(session, actor1, c[2], clock=clock)
    assert presence_of(session, a1) == ("busy", None)
    cycle(session_factory, clock)
    assert new_offers(session, mark) == [(c[9], a1.id)]
    routing_service.accept_offer(
        session, actor1, pending_offer(session, contacts[8]).id, clock=clock
    )

    # a3 ends its call: wrap-up, no offers until the wrap-up is done with reason and outcome.
    routing_service.end_contact(session, actor3, c[5], clock=clock)
    assert presence_of(session, a3) == ("wrap_up", None)
    mark = last_offer_id(session)
    cycle(session_factory, clock)
    assert new_offers(session, mark) == []
    routing_service.complete_wrap_up(
        session, actor3, c[5], reason="billing question", outcome="resolved", clock=clock
    )
    assert presence_of(session, a3) == ("available", None)
    wrapped = events_of(session, contacts[4])[-1]
    assert (wrapped.kind, wrapped.data) == (
        "wrapped_up",
        {"reason": "billing question", "outcome": "resolved"},
    )
    cycle(session_factory, clock)
    assert new_offers(session, mark) == [(c[8], a3.id)]
    routing_service.accept_offer(
        session, actor3, pending_offer(session, contacts[7]).id, clock=clock
    )

    # A contact that has waited 60 s is offered a callback, once (R-ACCESS-3).
    clock.advance(60)
    report = cycle(session_factory, clock)
    assert report.callbacks_offered >= 4

    def callback_offers() -> dict[int, int]:
        return {
            number: [event.kind for event in events_of(session, contacts[number - 1])].count(
                "callback_offered"
            )
            for number in range(1, 11)
        }

    # c3, c6, c7 and c10 are still queued; the others were offered to agents in time.
    assert callback_offers() == {n: int(n in {3, 6, 7, 10}) for n in range(1, 11)}
    assert fresh(session, contacts[2]).callback_offered_at is not None
    cycle(session_factory, clock)
    assert callback_offers() == {n: int(n in {3, 6, 7, 10}) for n in range(1, 11)}


def test_capacity_and_exclusive_voice_hold_across_passes(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("voice", "chat", "email"))
    agent, _ = ready_agent(
        session, clock, client, [queue], capacities={"chat": 2, "voice": 1, "email": 1}
    )
    chats = [incoming(session, clock, queue, Channel.CHAT) for _ in range(3)]
    call = incoming(session, clock, queue, Channel.VOICE)
    mail = incoming(session, clock, queue, Channel.EMAIL)
    first = routing_service.route_waiting_contacts(session, clock)
    # chats first in line (arrived first), then the e-mail; the call never while chats are held
    assert offered(session, first) == [
        (chats[0].id, agent.id),
        (chats[1].id, agent.id),
        (mail.id, agent.id),
    ]
    assert routing_service.route_waiting_contacts(session, clock) == []
    assert fresh(session, call).status == "queued"
    assert fresh(session, chats[2]).status == "queued"


def test_a_timed_out_offer_puts_the_contact_back_first_in_line(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("voice",))
    first = incoming(session, clock, queue, Channel.VOICE)
    clock.advance(5)
    second = incoming(session, clock, queue, Channel.VOICE)
    slow, _ = ready_agent(session, clock, client, [queue], capacities={"voice": 1})
    arrived_at = fresh(session, first).arrived_at
    assert offered(session, routing_service.route_waiting_contacts(session, clock)) == [
        (first.id, slow.id)
    ]
    clock.advance(19)
    assert routing_service.expire_offers(session, clock) == 0
    clock.advance(1)
    assert routing_service.expire_offers(session, clock) == 1
    assert presence_of(session, slow) == ("aux", "missed")
    back = fresh(session, first)
    assert (back.status, back.agent_id, back.arrived_at) == ("queued", None, arrived_at)
    last = events_of(session, first)[-1]
    assert (last.kind, last.data) == ("queued", {"reason": "offer_timed_out", "agent_id": slow.id})
    assert session.get(Offer, pending_id := last_offer_id(session)) is not None
    assert session.scalar(select(Offer.status).where(Offer.id == pending_id)) == "timed_out"
    # The next agent gets the first contact again, ahead of the second.
    other, _ = ready_agent(session, clock, client, [queue], capacities={"voice": 1})
    assert offered(session, routing_service.route_waiting_contacts(session, clock)) == [
        (first.id, other.id)
    ]
    assert fresh(session, second).status == "queued"


def test_a_rejected_offer_and_who_may_answer_an_offer(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("chat",))
    contact = incoming(session, clock, queue, Channel.CHAT)
    agent, actor = ready_agent(session, clock, client, [queue], capacities={"chat": 1})
    _, stranger = make_user(session, clock, Role.AGENT, clients=[client])
    _, supervisor = make_user(session, clock, Role.SUPERVISOR, clients=[client])
    other_client = make_client(session, clock)
    _, outsider = make_user(session, clock, Role.AGENT, clients=[other_client])
    (offer,) = routing_service.route_waiting_contacts(session, clock)
    with pytest.raises(PermissionDenied):
        routing_service.accept_offer(session, stranger, offer.id, clock=clock)
    with pytest.raises(PermissionDenied):
        routing_service.reject_offer(session, supervisor, offer.id, clock=clock)
    with pytest.raises(NotFound):
        routing_service.accept_offer(session, outsider, offer.id, clock=clock)
    with pytest.raises(NotFound):
        routing_service.accept_offer(session, actor, 999_999, clock=clock)
    assert [o.id for o in routing_service.list_my_offers(session, actor, clock=clock)] == [offer.id]
    assert routing_service.list_my_offers(session, stranger, clock=clock) == []
    routing_service.reject_offer(session, actor, offer.id, clock=clock)
    assert presence_of(session, agent) == ("aux", "missed")
    assert events_of(session, contact)[-1].data == {
        "reason": "offer_rejected",
        "agent_id": agent.id,
    }
    with pytest.raises(Conflict):
        routing_service.accept_offer(session, actor, offer.id, clock=clock)


def test_an_expired_offer_cannot_be_accepted(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("chat",))
    incoming(session, clock, queue, Channel.CHAT)
    _, actor = ready_agent(session, clock, client, [queue], capacities={"chat": 1})
    (offer,) = routing_service.route_waiting_contacts(session, clock)
    clock.advance(20)
    with pytest.raises(Conflict):
        routing_service.accept_offer(session, actor, offer.id, clock=clock)


def test_transfer_to_a_queue_keeps_arrival_priority_and_the_note(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    first_line = make_queue(session, clock, client, channels=("voice",), wrap_up_seconds=30)
    experts = make_queue(session, clock, client, channels=("voice",))
    contact = incoming(session, clock, first_line, Channel.VOICE)
    before = fresh(session, contact)
    arrived_at, priority = before.arrived_at, before.priority
    agent, actor = ready_agent(session, clock, client, [first_line], capacities={"voice": 1})
    (offer,) = routing_service.route_waiting_contacts(session, clock)
    routing_service.accept_offer(session, actor, offer.id, clock=clock)
    clock.advance(30)
    with pytest.raises(InvalidInput):
        routing_service.transfer_contact(
            session, actor, contact.id, to_queue_id=experts.id, to_agent_id=agent.id,
            note="both", clock=clock,
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        routing_service.transfer_contact(
            session, actor, contact.id, to_queue_id=experts.id, note="   ", clock=clock
        )
    routing_service.transfer_contact(
        session, actor, contact.id, to_queue_id=experts.id, note="wants a refund", clock=clock
    )
    moved = fresh(session, contact)
    assert (moved.status, moved.queue_id, moved.agent_id) == ("queued", experts.id, None)
    assert (moved.arrived_at, moved.priority) == (arrived_at, priority)
    kinds = [(event.kind, event.note) for event in events_of(session, contact)][-2:]
    assert kinds == [("transferred", "wants a refund"), ("queued", None)]
    # Nothing to wrap up: the contact goes on elsewhere, the agent is free at once.
    assert presence_of(session, agent) == ("available", None)


def test_transfer_to_a_named_agent_needs_an_eligible_agent(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("chat",))
    contact = incoming(session, clock, queue, Channel.CHAT)
    first, first_actor = ready_agent(session, clock, client, [queue], capacities={"chat": 1})
    (offer,) = routing_service.route_waiting_contacts(session, clock)
    routing_service.accept_offer(session, first_actor, offer.id, clock=clock)
    # A second agent who is full cannot be named; once free it can.
    second, second_actor = ready_agent(session, clock, client, [queue], capacities={"chat": 1})
    busy_contact = incoming(session, clock, queue, Channel.CHAT)
    routing_service.route_waiting_contacts(session, clock)
    assert fresh(session, busy_contact).agent_id == second.id
    with pytest.raises(InvalidInput):
        routing_service.transfer_contact(
            session, first_actor, contact.id, to_agent_id=second.id, note="x", clock=clock
        )
    _, stranger = make_user(session, clock, Role.AGENT, clients=[client])
    with pytest.raises(PermissionDenied):
        routing_service.end_contact(session, stranger, contact.id, clock=clock)
    routing_service.accept_offer(
        session, second_actor, pending_offer(session, busy_contact).id, clock=clock
    )
    routing_service.end_contact(session, second_actor, busy_contact.id, clock=clock)
    routing_service.complete_wrap_up(
        session, second_actor, busy_contact.id, reason="r", outcome="o", clock=clock
    )
    routing_service.transfer_contact(
        session, first_actor, contact.id, to_agent_id=second.id, note="over to you", clock=clock
    )
    moved = fresh(session, contact)
    assert (moved.status, moved.agent_id) == ("offered", second.id)
    assert presence_of(session, second) == ("busy", None)
    assert presence_of(session, first) == ("available", None)


def test_wrap_up_expires_after_the_queue_wrap_up_time(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("chat",), wrap_up_seconds=30)
    contact = incoming(session, clock, queue, Channel.CHAT)
    agent, actor = ready_agent(session, clock, client, [queue], capacities={"chat": 1})
    (offer,) = routing_service.route_waiting_contacts(session, clock)
    routing_service.accept_offer(session, actor, offer.id, clock=clock)
    routing_service.end_contact(session, actor, contact.id, clock=clock)
    with pytest.raises(InvalidInput):
        routing_service.complete_wrap_up(
            session, actor, contact.id, reason="", outcome="ok", clock=clock
        )
    clock.advance(29)
    assert routing_jobs.expire_wrap_ups(session, clock) == 0
    clock.advance(1)
    assert routing_jobs.expire_wrap_ups(session, clock) == 1
    assert presence_of(session, agent) == ("available", None)


def test_overflow_moves_a_waiting_contact_and_keeps_its_arrival(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    spill = make_queue(session, clock, client, channels=("chat",))
    main = make_queue(
        session, clock, client, channels=("chat",),
        overflow_queue_id=spill.id, overflow_after_seconds=120,
    )  # fmt: skip
    contact = incoming(session, clock, main, Channel.CHAT)
    arrived_at = fresh(session, contact).arrived_at
    clock.advance(119)
    assert routing_jobs.overflow_contacts(session, clock) == 0
    clock.advance(1)
    assert routing_jobs.overflow_contacts(session, clock) == 1
    moved = fresh(session, contact)
    assert (moved.queue_id, moved.arrived_at, moved.status) == (spill.id, arrived_at, "queued")
    assert routing_jobs.overflow_contacts(session, clock) == 0


def test_inactive_and_unavailable_agents_are_not_routed(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("chat",))
    agent, actor = ready_agent(session, clock, client, [queue], capacities={"chat": 3})
    contact = incoming(session, clock, queue, Channel.CHAT)
    agent_presence.set_presence(
        session, actor, agent.id, state=PresenceState.AUX, aux_reason=AuxReason.BREAK, clock=clock
    )
    assert routing_service.route_waiting_contacts(session, clock) == []
    agent_presence.set_presence(
        session, actor, agent.id, state=PresenceState.AVAILABLE, clock=clock
    )
    row = session.get(Agent, agent.id)
    assert row is not None
    row.is_active = False
    session.commit()
    assert routing_service.route_waiting_contacts(session, clock) == []
    assert fresh(session, contact).status == "queued"
    row.is_active = True
    session.commit()
    assert offered(session, routing_service.route_waiting_contacts(session, clock)) == [
        (contact.id, agent.id)
    ]


def test_an_offer_whose_contact_left_is_withdrawn_without_a_miss(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("voice",))
    contact = incoming(session, clock, queue, Channel.VOICE)
    agent, actor = ready_agent(session, clock, client, [queue], capacities={"voice": 1})
    (offer,) = routing_service.route_waiting_contacts(session, clock)
    contact_service.record_event(session, SYSTEM, contact.id, kind=EventKind.ABANDONED, clock=clock)
    with pytest.raises(Conflict):
        routing_service.accept_offer(session, actor, offer.id, clock=clock)
    clock.advance(20)
    assert routing_service.expire_offers(session, clock) == 1
    assert session.scalar(select(Offer.status).where(Offer.id == offer.id)) == "withdrawn"
    assert presence_of(session, agent) == ("available", None)
    assert fresh(session, contact).status == "abandoned"


def test_a_line_nobody_can_take_does_not_hide_another_line(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    make_skill(session, clock, "turkish", language_code="tr")
    queue = make_queue(session, clock, client, channels=("chat", "email"))
    for _ in range(3):
        incoming(session, clock, queue, Channel.CHAT, language="tr")
    mail = incoming(session, clock, queue, Channel.EMAIL)
    agent, _ = ready_agent(session, clock, client, [queue], capacities={"chat": 3, "email": 1})
    offers = routing_service.route_waiting_contacts(session, clock, limit=2)
    assert offered(session, offers) == [(mail.id, agent.id)]
