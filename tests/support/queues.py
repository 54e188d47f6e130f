"""Factories for queues, skills, agents, presence and training, built through the services."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents import service as agent_service
from helpline.agents import training as agent_training
from helpline.agents.models import Agent, Skill, TrainingRecord
from helpline.agents.rules import PresenceState
from helpline.clock import Clock
from helpline.identity import service as identity_service
from helpline.identity.models import ClientOrganisation, User
from helpline.queues import service as queue_service
from helpline.queues.models import Queue
from tests.support.factories import SYSTEM

_sequence = itertools.count(1)


def make_queue(
    session: Session,
    clock: Clock,
    client: ClientOrganisation,
    *,
    code: str | None = None,
    channels: Sequence[str] = ("voice", "chat", "email"),
    time_zone: str = "Europe/Istanbul",
    business_hours: str = "mon-fri 09:00-18:00",
    holiday_country: str | None = "TR",
    **policy: Any,
) -> Queue:
    number = next(_sequence)
    return queue_service.create_queue(
        session,
        SYSTEM,
        client_id=client.id,
        code=code or f"queue-{number}",
        name=f"Queue {number}",
        channels=channels,
        time_zone=time_zone,
        business_hours=business_hours,
        holiday_country=holiday_country,
        clock=clock,
        **policy,
    )


def make_skill(
    session: Session,
    clock: Clock,
    code: str | None = None,
    *,
    name: str | None = None,
    language_code: str | None = None,
) -> Skill:
    number = next(_sequence)
    return agent_service.create_skill(
        session,
        SYSTEM,
        code=code or f"skill-{number}",
        name=name or f"Skill {number}",
        language_code=language_code,
        clock=clock,
    )


def make_agent(
    session: Session,
    clock: Clock,
    user: User,
    *,
    skills: Iterable[tuple[str, int]] = (),
    capacities: Mapping[str, int] | None = None,
    display_name: str | None = None,
) -> Agent:
    return agent_service.create_agent(
        session,
        SYSTEM,
        user_id=user.id,
        display_name=display_name,
        skills=skills,
        capacities=capacities,
        clock=clock,
    )


def make_training(
    session: Session,
    clock: Clock,
    agent: Agent,
    course_code: str,
    *,
    completed_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> TrainingRecord:
    return agent_training.record_training(
        session,
        SYSTEM,
        agent.id,
        course_code=course_code,
        completed_at=completed_at or clock.now(),
        expires_at=expires_at,
        clock=clock,
    )


def go_available(session: Session, clock: Clock, agent: Agent) -> None:
    """Put the agent in the available state, as the agent itself would."""
    user = session.get(User, agent.user_id)
    assert user is not None
    agent_presence.set_presence(
        session,
        identity_service.actor_for(user),
        agent.id,
        state=PresenceState.AVAILABLE,
        clock=clock,
    )
