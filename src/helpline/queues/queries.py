"""Read-only views of queues for lists, pages and API answers: skills needed, client, status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.agents import models as agent_models
from helpline.clock import Clock
from helpline.identity import models as identity_models
from helpline.identity.rules import Actor
from helpline.queues import service as queue_service
from helpline.queues.models import Queue
from helpline.queues.rules import is_open


@dataclass(frozen=True, slots=True)
class SkillRequirementView:
    skill_code: str
    skill_name: str
    language_code: str | None
    min_level: int


@dataclass(frozen=True, slots=True)
class QueueView:
    """A queue with its client's code, its skill needs by code and whether it is open now."""

    queue: Queue
    client_code: str
    skill_requirements: tuple[SkillRequirementView, ...]
    is_open_now: bool


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """Open or closed at an instant, the next opening (UTC) and the queue's local time."""

    queue_id: int
    is_open: bool
    next_opening: datetime | None
    local_time: datetime
    time_zone: str


def get_queue_view(session: Session, actor: Actor, queue_id: int, *, clock: Clock) -> QueueView:
    queue = queue_service.get_queue(session, actor, queue_id)
    return _views(session, [queue], clock.now())[0]


def list_queue_views(
    session: Session, actor: Actor, *, clock: Clock, client_id: int | None = None
) -> list[QueueView]:
    """The queues the actor may see (optionally of one client), by code."""
    queues = queue_service.list_queues(session, actor, client_id=client_id)
    return _views(session, queues, clock.now())


def queue_status(session: Session, actor: Actor, queue_id: int, *, clock: Clock) -> QueueStatus:
    """R-ACCESS-1: what a channel tells a customer about the published hours right now."""
    queue = queue_service.get_queue(session, actor, queue_id)
    now = clock.now()
    is_open, opening = queue_service.open_status_of(queue, now)
    return QueueStatus(
        queue_id=queue.id,
        is_open=is_open,
        next_opening=opening,
        local_time=now.astimezone(ZoneInfo(queue.time_zone)),
        time_zone=queue.time_zone,
    )


def _views(session: Session, queues: list[Queue], now: datetime) -> list[QueueView]:
    skills = _skills_by_id(
        session, {req.skill_id for queue in queues for req in queue.skill_requirements}
    )
    client_ids = {queue.client_id for queue in queues}
    organisation = identity_models.ClientOrganisation
    rows = session.execute(
        select(organisation.id, organisation.code).where(organisation.id.in_(client_ids))
    )
    client_codes: dict[int, str] = {row.id: row.code for row in rows}
    views = []
    for queue in queues:
        requirements = sorted(
            (
                SkillRequirementView(
                    skill_code=skills[req.skill_id].code,
                    skill_name=skills[req.skill_id].name,
                    language_code=skills[req.skill_id].language_code,
                    min_level=req.min_level,
                )
                for req in queue.skill_requirements
            ),
            key=lambda requirement: requirement.skill_code,
        )
        views.append(
            QueueView(
                queue=queue,
                client_code=client_codes.get(queue.client_id, ""),
                skill_requirements=tuple(requirements),
                is_open_now=queue.is_active and is_open(queue_service.calendar_of(queue), now),
            )
        )
    return views


def _skills_by_id(session: Session, skill_ids: Iterable[int]) -> dict[int, agent_models.Skill]:
    ids = set(skill_ids)
    if not ids:
        return {}
    return {
        skill.id: skill
        for skill in session.scalars(
            select(agent_models.Skill).where(agent_models.Skill.id.in_(ids))
        )
    }
