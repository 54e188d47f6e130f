"""A callback keeps its place in line and is made through the engine (R-ACCESS-3, R-ACCESS-4)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpline.callbacks import service as callback_service
from helpline.callbacks.rules import AttemptOutcome
from helpline.clock import FixedClock
from helpline.contacts import queries as contact_queries
from helpline.contacts.rules import Channel
from helpline.routing import service as routing_service
from tests.support.callbacks import PHONE
from tests.support.factories import SYSTEM, make_client
from tests.support.queues import make_queue
from tests.support.routing import incoming, pending_offer, ready_agent


def test_accepted_callback_is_served_at_its_original_position(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("voice",))
    first = incoming(session, clock, queue, Channel.VOICE)
    clock.advance(30)
    later = incoming(session, clock, queue, Channel.VOICE)
    clock.advance(40)
    # 70 s in line: the customer takes the callback instead of waiting, keeping the place.
    callback = callback_service.request_callback(
        session, SYSTEM, first.id, phone=PHONE, clock=clock
    )
    clock.advance(60)
    agent, agent_actor = ready_agent(session, clock, client, [queue])

    offers = routing_service.route_waiting_contacts(session, clock)

    assert [offer.contact_id for offer in offers] == [first.id], "the callback goes first"
    offer = pending_offer(session, first)
    routing_service.accept_offer(session, agent_actor, offer.id, clock=clock)
    session.refresh(callback)
    assert callback.status == "calling"
    assert contact_queries.find_contact(session, SYSTEM, first.id).status == "offered"

    callback_service.record_attempt(
        session, agent_actor, callback.id, outcome=AttemptOutcome.ANSWERED, clock=clock
    )
    served = contact_queries.find_contact(session, SYSTEM, first.id)
    assert served.status == "connected"
    assert served.agent_id == agent.id
    assert served.arrived_at < later.arrived_at
    kinds = [event.kind for event in contact_queries.list_events(session, SYSTEM, first.id)]
    assert kinds == ["arrived", "queued", "callback_requested", "offered", "callback_made"]
    assert contact_queries.find_contact(session, SYSTEM, later.id).status == "queued"


def test_unanswered_callback_returns_to_its_place_for_a_retry(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, channels=("voice",))
    contact = incoming(session, clock, queue, Channel.VOICE)
    callback = callback_service.request_callback(
        session, SYSTEM, contact.id, phone=PHONE, clock=clock
    )
    _, agent_actor = ready_agent(session, clock, client, [queue])
    routing_service.route_waiting_contacts(session, clock)
    routing_service.accept_offer(
        session, agent_actor, pending_offer(session, contact).id, clock=clock
    )

    callback_service.record_attempt(
        session, agent_actor, callback.id, outcome=AttemptOutcome.NO_ANSWER, clock=clock
    )

    session.refresh(callback)
    assert (callback.status, callback.attempts) == ("waiting", 1)
    assert contact_queries.find_contact(session, SYSTEM, contact.id).status == "callback_pending"
    assert routing_service.route_waiting_contacts(session, clock) == [], "not due before retry"
