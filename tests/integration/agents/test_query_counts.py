"""The agent list costs the same number of SQL statements however many agents there are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from helpline.agents import queries as agent_queries
from helpline.clock import FixedClock
from helpline.identity.rules import Role
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import make_agent, make_skill


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
