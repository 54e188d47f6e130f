"""The live view costs the same SQL statements for any number of queues, agents and contacts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents.rules import PresenceState
from helpline.clock import FixedClock
from helpline.contacts import service as contact_service
from helpline.contacts.rules import Channel, EventKind
from helpline.identity.rules import Role
from helpline.statistics import queries as statistics_queries
from tests.support.factories import SYSTEM, make_user
from tests.support.queues import make_agent, make_queue
from tests.support.statistics import build_centre, open_waiting, put


@contextmanager
def counting(connection: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):  # savepoints are the test's own
            statements.append(args[2])

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_board_query_counts_are_pinned(
    session: Session, clock: FixedClock, connection: Connection
) -> None:
    centre = build_centre(session, clock)
    session.expire_all()
    with counting(connection) as few:
        queues = statistics_queries.queue_board(session, centre.supervisor_a, clock=clock)
        agents = statistics_queries.agent_board(session, centre.supervisor_a, clock=clock)
    assert (len(queues), len(agents)) == (2, 3)

    for number in range(3):
        queue = make_queue(session, clock, centre.client_a, channels=("voice",))
        user = make_user(session, clock, Role.AGENT, clients=[centre.client_a])[0]
        agent = make_agent(session, clock, user)
        put(session, clock, agent, PresenceState.AVAILABLE)
        agent_presence.log_into_queue(session, SYSTEM, agent.id, queue.id, clock=clock)
        for _ in range(number + 1):
            contact = open_waiting(session, clock, queue, Channel.VOICE)
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.OFFERED, agent_id=agent.id, clock=clock
        )
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.ANSWERED, agent_id=agent.id, clock=clock
        )
        clock.advance(30)
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.ENDED, agent_id=agent.id, clock=clock
        )
    session.expire_all()
    with counting(connection) as many:
        queues = statistics_queries.queue_board(session, centre.supervisor_a, clock=clock)
        agents = statistics_queries.agent_board(session, centre.supervisor_a, clock=clock)
    assert (len(queues), len(agents)) == (5, 6)
    assert sum(len(row.contacts) for row in agents) == 4
    # queues; waiting lines; logins with presence; recent handle events — then the presence
    # board's three (agents, client links, queue logins) and the agents' contacts
    assert len(few) == len(many) == 8
