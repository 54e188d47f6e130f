"""The agent list and the presence board cost the same SQL statements for any number of agents."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents import queries as agent_queries
from helpline.clock import FixedClock
from helpline.identity.rules import Role
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import go_available, make_agent, make_queue, make_skill


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


def test_list_agent_views_query_count_is_pinned(
    session: Session, clock: FixedClock, connection: Connection
) -> None:
    client = make_client(session, clock)
    codes = [make_skill(session, clock).code for _ in range(3)]
    make_agent(session, clock, make_user(session, clock, Role.AGENT, clients=[client])[0])
    session.expire_all()
    with counting(connection) as few:
        views = agent_queries.list_agent_views(session, SYSTEM)
        _ = [(view.skills, view.capacities, view.client_ids) for view in views]
    for _ in range(3):
        user, _ = make_user(session, clock, Role.AGENT, clients=[client])
        make_agent(session, clock, user, skills=[(code, 3) for code in codes])
    session.expire_all()
    with counting(connection) as many:
        views = agent_queries.list_agent_views(session, SYSTEM)
        _ = [(view.skills, view.capacities, view.client_ids) for view in views]
    assert len(views) == 4
    # agents with users, the users' client links, skills (with their skill rows), capacities
    assert len(few) == len(many) == 4


def test_presence_board_query_count_is_pinned(
    session: Session, clock: FixedClock, connection: Connection
) -> None:
    client = make_client(session, clock)
    queues = [make_queue(session, clock, client) for _ in range(3)]
    make_agent(session, clock, make_user(session, clock, Role.AGENT, clients=[client])[0])
    _, supervisor = make_user(session, clock, Role.SUPERVISOR, clients=[client])
    session.expire_all()
    with counting(connection) as few:
        board = agent_queries.presence_board(session, supervisor, clock=clock)
    assert len(board) == 1
    for _ in range(4):
        agent = make_agent(
            session, clock, make_user(session, clock, Role.AGENT, clients=[client])[0]
        )
        go_available(session, clock, agent)
        for queue in queues:
            agent_presence.log_into_queue(session, SYSTEM, agent.id, queue.id, clock=clock)
    session.expire_all()
    with counting(connection) as many:
        board = agent_queries.presence_board(session, supervisor, clock=clock)
    assert len(board) == 5
    assert sum(len(view.queues) for view in board) == 12
    # agents with their presence, the users' client links, open queue logins with queue codes
    assert len(few) == len(many) == 3
