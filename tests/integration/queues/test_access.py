"""Who may read and change queues: roles and client scope."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.errors import NotFound, PermissionDenied
from helpline.identity.rules import Role
from helpline.queues import queries as queue_queries
from helpline.queues import service as queue_service
from tests.support.factories import make_client, make_user
from tests.support.queues import make_queue


def new_queue_fields(client_id: int) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "code": "new-queue",
        "name": "New",
        "channels": ["chat"],
        "time_zone": "Europe/Istanbul",
        "business_hours": "mon-fri 09:00-18:00",
    }


@pytest.mark.parametrize("role", [Role.AGENT, Role.PLANNER, Role.QUALITY, Role.CLIENT_VIEWER])
def test_roles_without_manage_queues_cannot_create_or_change(
    session: Session, clock: FixedClock, role: Role
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    _, actor = make_user(session, clock, role, clients=[client])
    with pytest.raises(PermissionDenied):
        queue_service.create_queue(session, actor, clock=clock, **new_queue_fields(client.id))
    with pytest.raises(PermissionDenied):
        queue_service.update_queue(session, actor, queue.id, name="Mine", clock=clock)
    with pytest.raises(PermissionDenied):
        queue_service.add_closed_date(
            session, actor, queue.id, closed_on=date(2026, 12, 1), reason="x", clock=clock
        )
    # Reading is allowed to every role within scope.
    assert queue_service.get_queue(session, actor, queue.id).id == queue.id


def test_supervisor_of_a_cannot_create_in_b(session: Session, clock: FixedClock) -> None:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    _, supervisor = make_user(session, clock, Role.SUPERVISOR, clients=[client_a])
    with pytest.raises(PermissionDenied):
        queue_service.create_queue(
            session, supervisor, clock=clock, **new_queue_fields(client_b.id)
        )


def test_supervisor_of_a_cannot_see_or_touch_a_queue_of_b(
    session: Session, clock: FixedClock
) -> None:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    queue_b = make_queue(session, clock, client_b)
    _, supervisor = make_user(session, clock, Role.SUPERVISOR, clients=[client_a])
    with pytest.raises(NotFound):
        queue_service.get_queue(session, supervisor, queue_b.id)
    with pytest.raises(NotFound):
        queue_service.update_queue(session, supervisor, queue_b.id, name="Taken", clock=clock)
    with pytest.raises(NotFound):
        queue_service.set_skill_requirements(session, supervisor, queue_b.id, [], clock=clock)
    with pytest.raises(NotFound):
        queue_service.remove_closed_date(
            session, supervisor, queue_b.id, date(2026, 12, 1), clock=clock
        )
    with pytest.raises(NotFound):
        queue_service.queue_open_status(session, supervisor, queue_b.id, clock=clock)


def test_client_viewer_lists_only_own_client_queues(session: Session, clock: FixedClock) -> None:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    queue_a = make_queue(session, clock, client_a)
    make_queue(session, clock, client_b)
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[client_a])
    views = queue_queries.list_queue_views(session, viewer, clock=clock)
    assert [view.queue.id for view in views] == [queue_a.id]
    assert queue_queries.list_queue_views(session, viewer, clock=clock, client_id=client_b.id) == []


def test_unscoped_supervisor_manages_every_client(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    _, supervisor = make_user(session, clock, Role.SUPERVISOR)
    changed = queue_service.update_queue(session, supervisor, queue.id, priority=7, clock=clock)
    assert changed.priority == 7
