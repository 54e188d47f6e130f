"""Two routing engines at once on real commits: capacity and single assignment always hold."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import Channel
from helpline.db import make_session_factory
from helpline.routing import service as routing_service
from helpline.routing.models import Offer
from tests.support.factories import make_client
from tests.support.queues import make_queue
from tests.support.routing import database_of_its_own, incoming, ready_agent

CAPACITY = 3
DEADLINE_SECONDS = 120


class TickingClock:
    """A clock shared by threads that moves one microsecond on every reading, so event times
    are unique and follow the order in which they were taken."""

    def __init__(self, at: datetime) -> None:
        self._at = at
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._at += timedelta(microseconds=1)
            return self._at


def _agent_loop(
    factory: sessionmaker[Session],
    clock: TickingClock,
    agent_ids: list[int],
    total: int,
    failures: list[BaseException],
) -> None:
    """One engine plus the agents it drives: route, end what was held, accept what is offered."""
    actor = routing_service.ROUTING_ACTOR
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while time.monotonic() < deadline and not failures:
            with factory() as session:
                routing_service.route_waiting_contacts(session, clock, limit=100)
            with factory() as session:
                held = list(
                    session.scalars(
                        select(Contact.id).where(
                            Contact.agent_id.in_(agent_ids), Contact.status == "connected"
                        )
                    )
                )
                offers = list(
                    session.scalars(
                        select(Offer.id).where(
                            Offer.agent_id.in_(agent_ids), Offer.status == "pending"
                        )
                    )
                )
            for contact_id in held:
                with factory() as session:
                    routing_service.end_contact(session, actor, contact_id, clock=clock)
                with factory() as session:
                    routing_service.complete_wrap_up(
                        session, actor, contact_id, reason="r", outcome="o", clock=clock
                    )
            for offer_id in offers:
                with factory() as session:
                    routing_service.accept_offer(session, actor, offer_id, clock=clock)
            with factory() as session:
                finished = session.scalar(
                    select(func.count()).select_from(Contact).where(Contact.status == "wrapped_up")
                )
            if finished == total:
                return
    except BaseException as error:  # reported by the test
        failures.append(error)


@pytest.fixture
def own_engine(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    with database_of_its_own(engine, tmp_path) as own:
        yield own


def test_two_engines_never_overfill_an_agent_nor_offer_a_contact_twice(own_engine: Engine) -> None:
    sqlite = own_engine.dialect.name == "sqlite"
    contacts_wanted, agents_wanted = (300, 10) if sqlite else (2000, 40)
    factory = make_session_factory(own_engine)
    clock = TickingClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    with factory() as session:
        client = make_client(session, clock)
        queue = make_queue(
            session, clock, client, channels=("chat",), wrap_up_seconds=0,
            callback_offer_seconds=3600,
        )  # fmt: skip
        agent_ids = [
            ready_agent(session, clock, client, [queue], capacities={"chat": CAPACITY})[0].id
            for _ in range(agents_wanted)
        ]
        contact_ids = [
            incoming(session, clock, queue, Channel.CHAT).id for _ in range(contacts_wanted)
        ]

    failures: list[BaseException] = []
    threads = [
        threading.Thread(
            target=_agent_loop,
            args=(
                make_session_factory(own_engine),
                clock,
                agent_ids[half::2],
                contacts_wanted,
                failures,
            ),
        )
        for half in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    with factory() as session:
        statuses = Counter(
            session.scalars(select(Contact.status).where(Contact.id.in_(contact_ids)))
        )
        assert statuses == {"wrapped_up": contacts_wanted}
        events = list(
            session.execute(
                select(ContactEvent.contact_id, ContactEvent.kind, ContactEvent.agent_id,
                       ContactEvent.occurred_at)
                .where(ContactEvent.contact_id.in_(contact_ids))
                .order_by(ContactEvent.occurred_at, ContactEvent.id)
            )
        )  # fmt: skip
        offers = list(
            session.execute(
                select(Offer.contact_id, Offer.agent_id, Offer.status).where(
                    Offer.contact_id.in_(contact_ids)
                )
            )
        )
    # Every contact was offered once, to one agent, accepted, answered, ended and wrapped up once.
    assert Counter(row.contact_id for row in offers) == Counter(dict.fromkeys(contact_ids, 1))
    assert {row.status for row in offers} == {"accepted"}
    kinds = Counter((row.contact_id, row.kind) for row in events)
    for contact_id in contact_ids:
        for kind in ("offered", "answered", "ended", "wrapped_up"):
            assert kinds[contact_id, kind] == 1, (contact_id, kind)
    # At no moment did an agent hold more contacts than its capacity: from its offer to its end.
    holder = {row.contact_id: row.agent_id for row in offers}
    held: dict[int, int] = defaultdict(int)
    peak: dict[int, int] = defaultdict(int)
    for row in events:
        if row.kind == "offered":
            agent = holder[row.contact_id]
            assert row.agent_id == agent
            held[agent] += 1
            peak[agent] = max(peak[agent], held[agent])
        elif row.kind == "ended":
            held[holder[row.contact_id]] -= 1
    assert max(peak.values()) <= CAPACITY
    assert max(peak.values()) == CAPACITY  # the agents were really filled
    assert set(peak) <= set(agent_ids)
