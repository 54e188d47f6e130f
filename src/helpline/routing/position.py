"""A waiting customer's place in line and estimated wait, read from the database (R-INFO-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from helpline.agents.models import (
    Agent,
    AgentChannelCapacity,
    AgentPresence,
    AgentQueueLogin,
    AgentSkill,
    Skill,
)
from helpline.agents.rules import PresenceState, is_routable
from helpline.callbacks.models import Callback
from helpline.callbacks.rules import DEFAULT_HANDLE_SECONDS, CallbackStatus
from helpline.clock import Clock, ensure_utc
from helpline.contacts import queries as contact_queries
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import WAITING_STATUSES, Channel, ContactStatus, EventKind
from helpline.errors import Conflict
from helpline.identity.rules import Actor
from helpline.routing.rules import WaitingContact, queue_position
from helpline.routing.waiting import estimate_wait_seconds

__all__ = ["RECENT_HANDLE_WINDOW", "WaitingStatus", "estimate_for", "waiting_status"]

# Handle times of contacts finished within this past span feed the estimate.
RECENT_HANDLE_WINDOW: Final = timedelta(hours=1)
_HELD_STATUSES: Final = (
    ContactStatus.OFFERED.value,
    ContactStatus.CONNECTED.value,
    ContactStatus.ON_HOLD.value,
    ContactStatus.TRANSFERRING.value,
)


@dataclass(frozen=True, slots=True)
class WaitingStatus:
    """What a waiting customer is told: place in line, how many wait, and the estimate."""

    position: int
    waiting_count: int
    estimated_wait_seconds: float | None
    callback_offered: bool
    is_callback: bool


def waiting_status(
    session: Session, actor: Actor, contact_id: int, *, clock: Clock
) -> WaitingStatus:
    """The contact's place among the waiting contacts of its queue and its EWT (R-INFO-3).

    Waiting means queued, or a pending callback that is due; the contact asked about counts
    as waiting while it is queued, offered or a pending callback. Not personal data: no audit.
    """
    contact = contact_queries.find_contact(session, actor, contact_id)
    if ContactStatus(contact.status) not in WAITING_STATUSES or contact.queue_id is None:
        raise Conflict(
            f"contact {contact.reference} is not waiting (it is {contact.status})",
            field="contact_id",
        )
    now = clock.now()
    line = _waiting_line(session, contact.queue_id, now)
    if all(item.contact_id != contact.id for item in line):
        line.append(_as_waiting(contact, contact.queue_id))
    position = queue_position(contact.id, line)
    callback = session.scalar(select(Callback).where(Callback.contact_id == contact.id))
    return WaitingStatus(
        position=position,
        waiting_count=len(line),
        estimated_wait_seconds=estimate_for(session, contact, position, now=now),
        callback_offered=contact.callback_offered_at is not None,
        is_callback=callback is not None,
    )


def estimate_for(
    session: Session, contact: Contact, position: int, *, now: datetime
) -> float | None:
    """The EWT of a contact at `position` in its queue, or None when nobody can take it."""
    if contact.queue_id is None:
        return None
    channel = Channel(contact.channel)
    eligible = _eligible_agents(session, contact.queue_id, contact.language)
    free = sum(1 for agent_id in eligible if _has_free_capacity(session, agent_id, channel))
    return estimate_wait_seconds(
        position,
        len(eligible),
        _recent_handle_seconds(session, contact.queue_id, now),
        default_handle_seconds=DEFAULT_HANDLE_SECONDS[channel],
        free_agent_count=free,
    )


def _as_waiting(contact: Contact, queue_id: int) -> WaitingContact:
    arrived_at = ensure_utc(contact.arrived_at)
    queued_at = ensure_utc(contact.queued_at) if contact.queued_at else arrived_at
    return WaitingContact(
        contact_id=contact.id,
        queue_id=queue_id,
        channel=Channel(contact.channel),
        priority=contact.priority,
        arrived_at=arrived_at,
        queued_at=max(queued_at, arrived_at),
        required_skills={},
        language=contact.language,
    )


def _waiting_line(session: Session, queue_id: int, now: datetime) -> list[WaitingContact]:
    """Queued contacts of the queue and its due pending callbacks (the engine's line)."""
    due_callback = and_(
        Contact.status == ContactStatus.CALLBACK_PENDING.value,
        Callback.status == CallbackStatus.WAITING.value,
        Callback.window_start <= now,
    )
    contacts = session.scalars(
        select(Contact)
        .outerjoin(Callback, Callback.contact_id == Contact.id)
        .where(
            Contact.queue_id == queue_id,
            or_(
                and_(Contact.status == ContactStatus.QUEUED.value, Contact.agent_id.is_(None)),
                due_callback,
            ),
        )
    )
    return [_as_waiting(contact, queue_id) for contact in contacts]


def _eligible_agents(session: Session, queue_id: int, language: str | None) -> list[int]:
    """Active agents logged into the queue, in a routable state, speaking the language."""
    query = (
        select(Agent.id, AgentPresence.state)
        .join(AgentQueueLogin, AgentQueueLogin.agent_id == Agent.id)
        .join(AgentPresence, AgentPresence.agent_id == Agent.id)
        .where(
            AgentQueueLogin.queue_id == queue_id,
            AgentQueueLogin.logged_out_at.is_(None),
            Agent.is_active.is_(True),
        )
    )
    if language is not None:
        speakers = (
            select(AgentSkill.agent_id)
            .join(Skill, Skill.id == AgentSkill.skill_id)
            .where(Skill.language_code == language)
        )
        query = query.where(Agent.id.in_(speakers))
    return sorted(
        {
            agent_id
            for agent_id, state in session.execute(query)
            if is_routable(PresenceState(state))
        }
    )


def _has_free_capacity(session: Session, agent_id: int, channel: Channel) -> bool:
    """Free capacity on the channel, voice being exclusive (the engine's shared rule)."""
    held = list(
        session.scalars(
            select(Contact.channel).where(
                Contact.agent_id == agent_id, Contact.status.in_(_HELD_STATUSES)
            )
        )
    )
    if Channel.VOICE.value in held:
        return False
    if channel is Channel.VOICE and held:
        return False
    maximum = session.scalar(
        select(AgentChannelCapacity.max_contacts).where(
            AgentChannelCapacity.agent_id == agent_id,
            AgentChannelCapacity.channel == channel.value,
        )
    )
    return (maximum or 0) - held.count(channel.value) > 0


def _recent_handle_seconds(session: Session, queue_id: int, now: datetime) -> list[float]:
    """answered -> ended durations of the queue's contacts that ended in the last hour."""
    ended: dict[int, datetime] = dict(
        session.execute(
            select(ContactEvent.contact_id, ContactEvent.occurred_at).where(
                ContactEvent.kind == EventKind.ENDED.value,
                ContactEvent.queue_id == queue_id,
                ContactEvent.occurred_at >= now - RECENT_HANDLE_WINDOW,
                ContactEvent.occurred_at <= now,
            )
        ).all()
    )
    if not ended:
        return []
    answered: dict[int, datetime] = {}
    for contact_id, occurred_at in session.execute(
        select(ContactEvent.contact_id, ContactEvent.occurred_at)
        .where(
            ContactEvent.contact_id.in_(ended),
            ContactEvent.kind.in_([EventKind.ANSWERED.value, EventKind.CALLBACK_MADE.value]),
        )
        .order_by(ContactEvent.seq)
    ):
        answered.setdefault(contact_id, occurred_at)
    return [
        (ensure_utc(ended[contact_id]) - ensure_utc(start)).total_seconds()
        for contact_id, start in answered.items()
        if ensure_utc(ended[contact_id]) >= ensure_utc(start)
    ]
