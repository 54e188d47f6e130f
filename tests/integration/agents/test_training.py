"""Training records: who records and reads them, what is refused, and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.agents import queries as agent_queries
from helpline.agents import training as agent_training
from helpline.agents.models import Agent, TrainingRecord
from helpline.clock import FixedClock
from helpline.errors import InvalidInput, NotFound, PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.models import AuditEntry, ClientOrganisation, User
from helpline.identity.rules import Actor, Role
from tests.support.factories import make_client, make_user
from tests.support.queues import make_agent, make_training


@pytest.fixture
def clients(session: Session, clock: FixedClock) -> tuple[ClientOrganisation, ClientOrganisation]:
    return make_client(session, clock), make_client(session, clock)


@pytest.fixture
def agent(
    session: Session, clock: FixedClock, clients: tuple[ClientOrganisation, ClientOrganisation]
) -> Agent:
    return make_agent(
        session, clock, make_user(session, clock, Role.AGENT, clients=[clients[0]])[0]
    )


def record(
    session: Session,
    clock: FixedClock,
    actor: Actor,
    agent: Agent,
    *,
    course_code: str = "data-protection",
    completed_at: datetime | None = None,
    expires_at: datetime | None = None,
    note: str | None = None,
) -> TrainingRecord:
    return agent_training.record_training(
        session,
        actor,
        agent.id,
        course_code=course_code,
        completed_at=completed_at or clock.now(),
        expires_at=expires_at,
        note=note,
        clock=clock,
    )


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.QUALITY, Role.ADMIN])
def test_trainers_record_training(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    agent: Agent,
    role: Role,
) -> None:
    _, actor = make_user(session, clock, role, clients=[] if role is Role.ADMIN else [clients[0]])
    done = clock.now() - timedelta(days=2)
    created = agent_training.record_training(
        session,
        actor,
        agent.id,
        course_code=" NDA.v2 ",
        completed_at=done,
        expires_at=done + timedelta(days=365),
        note="  signed on paper  ",
        clock=clock,
    )
    assert created.course_code == "nda.v2"
    assert created.recorded_by_user_id == actor.user_id
    assert created.note == "signed on paper"
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.subject_type == "training_record", AuditEntry.subject_id == created.id
        )
    )
    assert entry is not None
    assert entry.detail["course_code"] == "nda.v2"
    assert entry.actor_user_id == actor.user_id


@pytest.mark.parametrize("role", [Role.AGENT, Role.PLANNER, Role.CLIENT_VIEWER])
def test_other_roles_cannot_record_training(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    agent: Agent,
    role: Role,
) -> None:
    _, actor = make_user(session, clock, role, clients=[clients[0]])
    with pytest.raises(PermissionDenied):
        record(session, clock, actor, agent)


def test_training_scope(
    session: Session, clock: FixedClock, clients: tuple[ClientOrganisation, ClientOrganisation]
) -> None:
    _, supervisor_a = make_user(session, clock, Role.SUPERVISOR, clients=[clients[0]])
    agent_b = make_agent(
        session, clock, make_user(session, clock, Role.AGENT, clients=[clients[1]])[0]
    )
    agent_ab = make_agent(
        session, clock, make_user(session, clock, Role.AGENT, clients=list(clients))[0]
    )
    with pytest.raises(NotFound):
        record(session, clock, supervisor_a, agent_b)
    with pytest.raises(PermissionDenied, match="outside your scope"):
        record(session, clock, supervisor_a, agent_ab)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"course_code": "x"}, "course_code"),
        ({"course_code": "two words"}, "course_code"),
        ({"completed_at": datetime(2026, 11, 23, 9, 30)}, "completed_at"),  # noqa: DTZ001
        ({"completed_at": datetime(2030, 1, 1, tzinfo=UTC)}, "completed_at"),
        ({"expires_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC)}, "expires_at"),
        ({"note": "n" * 501}, "note"),
        ({"note": "bell\x07"}, "note"),
    ],
)
def test_bad_training_records_are_refused(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    agent: Agent,
    fields: dict[str, Any],
    field: str,
) -> None:
    _, supervisor = make_user(session, clock, Role.SUPERVISOR, clients=[clients[0]])
    with pytest.raises(InvalidInput) as refused:
        record(session, clock, supervisor, agent, **fields)
    assert refused.value.field == field


def test_who_reads_training_records(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    agent: Agent,
) -> None:
    make_training(
        session, clock, agent, "data-protection", expires_at=clock.now() + timedelta(days=1)
    )
    make_training(
        session,
        clock,
        agent,
        "old-course",
        completed_at=clock.now() - timedelta(days=30),
        expires_at=clock.now() - timedelta(days=1),
    )
    agent_user = session.get(User, agent.user_id)
    assert agent_user is not None
    me = identity_service.actor_for(agent_user)
    views = agent_queries.list_training_records(session, me, agent.id, clock=clock)
    assert [(view.record.course_code, view.is_valid_now) for view in views] == [
        ("data-protection", True),
        ("old-course", False),
    ]
    _, quality = make_user(session, clock, Role.QUALITY, clients=[clients[0]])
    assert len(agent_queries.list_training_records(session, quality, agent.id, clock=clock)) == 2
    for role in (Role.AGENT, Role.PLANNER):
        _, other = make_user(session, clock, role, clients=[clients[0]])
        with pytest.raises(PermissionDenied):
            agent_queries.list_training_records(session, other, agent.id, clock=clock)
