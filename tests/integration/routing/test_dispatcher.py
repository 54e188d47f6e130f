"""The dispatcher thread runs routing cycles on real commits and stops cleanly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from helpline.clock import FixedClock
from helpline.contacts.models import Contact
from helpline.contacts.rules import Channel
from helpline.db import make_session_factory
from helpline.routing.jobs import Dispatcher
from tests.support.factories import make_client
from tests.support.queues import make_queue
from tests.support.routing import database_of_its_own, incoming, ready_agent


@pytest.fixture
def own_engine(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    with database_of_its_own(engine, tmp_path) as own:
        yield own


def test_the_dispatcher_offers_a_waiting_contact_and_stops(own_engine: Engine) -> None:
    factory = make_session_factory(own_engine)
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    with factory() as session:
        client = make_client(session, clock)
        queue = make_queue(session, clock, client, channels=("email",))
        agent, _ = ready_agent(session, clock, client, [queue], capacities={"email": 1})
        contact_id = incoming(session, clock, queue, Channel.EMAIL).id
    dispatcher = Dispatcher(factory, clock, tick_seconds=0.05)
    dispatcher.start()
    try:
        dispatcher.wake()
        deadline = time.monotonic() + 10
        holder = None
        while time.monotonic() < deadline and holder is None:
            with factory() as session:
                holder = session.scalar(select(Contact.agent_id).where(Contact.id == contact_id))
            time.sleep(0.02)
        assert holder == agent.id
        was_running = dispatcher.running
    finally:
        dispatcher.stop()
    assert was_running
    assert not dispatcher.running
    assert dispatcher.cycles >= 1
