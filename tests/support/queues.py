"""Factories for queues, skills and agents, built through the services."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from helpline.agents import service as agent_service
from helpline.agents.models import Agent, Skill
from helpline.clock import Clock
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
