"""The queue list costs the same number of SQL statements however many queues there are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.queues import queries as queue_queries
from helpline.queues import service as queue_service
from tests.support.factories import SYSTEM, make_client
from tests.support.queues import make_queue, make_skill


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


def add_queue(session: Session, clock: FixedClock, skill_codes: list[str]) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    pairs = [(code, 2) for code in skill_codes]
    queue_service.set_skill_requirements(session, SYSTEM, queue.id, pairs, clock=clock)


def test_list_queue_views_query_count_is_pinned(
    session: Session, clock: FixedClock, connection: Connection
) -> None:
    codes = [make_skill(session, clock).code for _ in range(3)]
    add_queue(session, clock, codes[:1])
    session.expire_all()
    with counting(connection) as few:
        assert len(queue_queries.list_queue_views(session, SYSTEM, clock=clock)) == 1
    for _ in range(4):
        add_queue(session, clock, codes)
    session.expire_all()
    with counting(connection) as many:
        assert len(queue_queries.list_queue_views(session, SYSTEM, clock=clock)) == 5
    # queues, their skill needs, their closed days, the skills, the client codes
    assert len(few) == len(many) == 5
