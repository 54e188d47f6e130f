"""Routing use cases: offer waiting contacts to agents, and move contacts and agents along."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents.models import (
    Agent,
    AgentChannelCapacity,
    AgentPresence,
    AgentQueueLogin,
    AgentSkill,
    Skill,
)
from helpline.agents.rules import AuxReason, PresenceState
from helpline.callbacks.models import Callback
from helpline.clock import Clock, ensure_utc
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import MAX_EVENT_NOTE_LENGTH, Channel, ContactStatus, EventKind
from helpline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can, can_access_client
from helpline.queues.models import Queue, QueueSkillRequirement
from helpline.routing.models import Offer
from helpline.routing.rules import AvailableAgent, WaitingContact, plan_assignments
from helpline.validation import clean_text

__all__ = [
    "ROUTING_ACTOR",
    "accept_offer",
    "complete_wrap_up",
    "end_contact",
    "expire_offers",
    "list_my_offers",
    "queue_takes",
    "reject_offer",
    "route_waiting_contacts",
    "transfer_contact",
]

ROUTING_ACTOR: Final = Actor.system("routing")
MAX_WRAP_UP_TEXT_LENGTH: Final = 200
# Statuses in which a contact holds its agent's capacity (pending offers count).
HOLDING_STATUSES: Final = (
    ContactStatus.OFFERED.value,
    ContactStatus.CONNECTED.value,
    ContactStatus.ON_HOLD.value,
    ContactStatus.TRANSFERRING.value,
)
_ROUTABLE: Final = (PresenceState.AVAILABLE.value, PresenceState.BUSY.value)


# --- the engine's pass ---------------------------------------------------------------------


def route_waiting_contacts(session: Session, clock: Clock, *, limit: int = 200) -> list[Offer]:
    """One routing pass in one transaction: offer waiting contacts to routable agents.

    Agents are locked (skipped when another pass holds them) before their free capacity is
    counted, and contacts are locked likewise, so two passes never give an agent more than
    its capacity nor a contact to two agents. Order and choice are routing.rules'
    (R-HR-1 skills, R-ACCESS-8 language, R-HR-3 queue logins).
    """
    now = clock.now()
    presences = list(
        session.scalars(
            select(AgentPresence)
            .join(Agent, Agent.id == AgentPresence.agent_id)
            .where(
                AgentPresence.state.in_(_ROUTABLE),
                Agent.is_active.is_(True),
                exists().where(
                    AgentQueueLogin.agent_id == AgentPresence.agent_id,
                    AgentQueueLogin.logged_out_at.is_(None),
                ),
            )
            .order_by(AgentPresence.agent_id)
            .with_for_update(skip_locked=True, of=AgentPresence)
            .execution_options(populate_existing=True)
        )
    )
    if not presences:
        session.commit()
        return []
    agents = _available_agents(session, presences)
    queue_ids = frozenset().union(*(agent.queue_ids for agent in agents))
    lines = {
        (queue_id, channel)
        for agent in agents
        for channel, free in agent.free_capacity.items()
        if free > 0
        for queue_id in agent.queue_ids
    }
    contacts = _waiting_contacts(session, lines, now, limit)
    queues = {
        queue.id: queue for queue in session.scalars(select(Queue).where(Queue.id.in_(queue_ids)))
    }
    plan = plan_assignments(contacts, agents, now)
    state_by_agent = {presence.agent_id: presence.state for presence in presences}
    offers: list[Offer] = []
    for assignment in plan:
        contact = session.get(Contact, assignment.contact_id)
        if contact is None or contact.queue_id is None:  # pragma: no cover - locked above
            continue
        offers.append(
            _offer(session, contact, assignment.agent_id, queues[contact.queue_id], clock)
        )
        if state_by_agent[assignment.agent_id] == PresenceState.AVAILABLE.value:
            _move(session, assignment.agent_id, PresenceState.BUSY, clock)
            state_by_agent[assignment.agent_id] = PresenceState.BUSY.value
    session.commit()
    return offers


def _available_agents(session: Session, presences: list[AgentPresence]) -> list[AvailableAgent]:
    agent_ids = [presence.agent_id for presence in presences]
    queues_of: dict[int, set[int]] = defaultdict(set)
    for agent_id, queue_id in session.execute(
        select(AgentQueueLogin.agent_id, AgentQueueLogin.queue_id).where(
            AgentQueueLogin.agent_id.in_(agent_ids), AgentQueueLogin.logged_out_at.is_(None)
        )
    ):
        queues_of[agent_id].add(queue_id)
    skills_of: dict[int, dict[int, int]] = defaultdict(dict)
    languages_of: dict[int, set[str]] = defaultdict(set)
    for agent_id, skill_id, level, language in session.execute(
        select(AgentSkill.agent_id, AgentSkill.skill_id, AgentSkill.level, Skill.language_code)
        .join(Skill, Skill.id == AgentSkill.skill_id)
        .where(AgentSkill.agent_id.in_(agent_ids))
    ):
        skills_of[agent_id][skill_id] = level
        if language:
            languages_of[agent_id].add(language)
    free = free_capacities(session, agent_ids)
    return [
        AvailableAgent(
            agent_id=presence.agent_id,
            skills=skills_of[presence.agent_id],
            languages=frozenset(languages_of[presence.agent_id]),
            free_capacity=free[presence.agent_id],
            idle_since=ensure_utc(presence.since),
            queue_ids=frozenset(queues_of[presence.agent_id]),
        )
        for presence in presences
    ]


def free_capacities(session: Session, agent_ids: list[int]) -> dict[int, dict[Channel, int]]:
    """Each agent's free capacity per channel from the contacts it holds now.

    Voice is exclusive: a held call leaves nothing free, and a held chat or e-mail leaves no
    voice capacity; chat and e-mail are independent of each other.
    """
    maximum: dict[int, dict[Channel, int]] = {agent_id: {} for agent_id in agent_ids}
    for agent_id, channel, max_contacts in session.execute(
        select(
            AgentChannelCapacity.agent_id,
            AgentChannelCapacity.channel,
            AgentChannelCapacity.max_contacts,
        ).where(AgentChannelCapacity.agent_id.in_(agent_ids))
    ):
        maximum[agent_id][Channel(channel)] = max_contacts
    held: dict[int, dict[Channel, int]] = defaultdict(dict)
    for holder, channel, count in session.execute(
        select(Contact.agent_id, Contact.channel, func.count())
        .where(Contact.agent_id.in_(agent_ids), Contact.status.in_(HOLDING_STATUSES))
        .group_by(Contact.agent_id, Contact.channel)
    ):
        if holder is not None:
            held[holder][Channel(channel)] = count
    free: dict[int, dict[Channel, int]] = {}
    for agent_id in agent_ids:
        holding = held[agent_id]
        left = {
            channel: max(0, maximum[agent_id].get(channel, 0) - holding.get(channel, 0))
            for channel in Channel
        }
        if holding.get(Channel.VOICE):
            left = dict.fromkeys(Channel, 0)
        elif any(holding.values()):
            left[Channel.VOICE] = 0
        free[agent_id] = left
    return free


def _waiting_contacts(
    session: Session, lines: set[tuple[int, Channel]], now: datetime, limit: int
) -> list[WaitingContact]:
    """Contacts waiting in the lines (queue and channel) that have free agents, locked, at
    most `limit` of each line, first in line first: queued ones, and callbacks that are due
    (R-ACCESS-4). A line is read on its own, so a long line nobody can take now does not
    hide another line's contacts."""
    due_callback = exists().where(
        Callback.contact_id == Contact.id,
        Callback.status == "waiting",
        Callback.window_start <= now,
    )
    rows: list[Contact] = []
    for queue_id, channel in sorted(lines):
        rows.extend(
            session.scalars(
                select(Contact)
                .where(
                    Contact.queue_id == queue_id,
                    Contact.channel == channel.value,
                    or_(
                        and_(
                            Contact.status == ContactStatus.QUEUED.value,
                            Contact.agent_id.is_(None),
                        ),
                        and_(Contact.status == ContactStatus.CALLBACK_PENDING.value, due_callback),
                    ),
                )
                .order_by(Contact.priority.desc(), Contact.arrived_at, Contact.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        )
    queue_ids = {queue_id for queue_id, _ in lines}
    requirements: dict[int, dict[int, int]] = defaultdict(dict)
    for queue_id, skill_id, minimum in session.execute(
        select(
            QueueSkillRequirement.queue_id,
            QueueSkillRequirement.skill_id,
            QueueSkillRequirement.min_level,
        ).where(QueueSkillRequirement.queue_id.in_(queue_ids))
    ):
        requirements[queue_id][skill_id] = minimum
    relax: dict[int, int | None] = {
        row.id: row.skill_relaxation_after_seconds
        for row in session.execute(
            select(Queue.id, Queue.skill_relaxation_after_seconds).where(Queue.id.in_(queue_ids))
        )
    }
    waiting = []
    for contact in rows:
        if contact.queue_id is None:  # pragma: no cover - selected by queue
            continue
        arrived_at = ensure_utc(contact.arrived_at)
        queued_at = ensure_utc(contact.queued_at) if contact.queued_at else arrived_at
        waiting.append(
            WaitingContact(
                contact_id=contact.id,
                queue_id=contact.queue_id,
                channel=Channel(contact.channel),
                priority=contact.priority,
                arrived_at=arrived_at,
                queued_at=max(queued_at, arrived_at),
                required_skills=requirements[contact.queue_id],
                language=contact.language,
                relax_after_seconds=relax.get(contact.queue_id),
            )
        )
    return waiting


def _offer(session: Session, contact: Contact, agent_id: int, queue: Queue, clock: Clock) -> Offer:
    now = clock.now()
    offer = Offer(
        contact_id=contact.id,
        agent_id=agent_id,
        queue_id=queue.id,
        status="pending",
        offered_at=now,
        expires_at=now + timedelta(seconds=queue.offer_timeout_seconds),
    )
    session.add(offer)
    contact_service.append_event(
        session, ROUTING_ACTOR, contact.id, kind=EventKind.OFFERED, clock=clock, agent_id=agent_id
    )
    return offer


def _move(
    session: Session,
    agent_id: int,
    state: PresenceState,
    clock: Clock,
    aux_reason: AuxReason | None = None,
) -> None:
    agent_presence.apply_presence_move(
        session, ROUTING_ACTOR, agent_id, state=state, aux_reason=aux_reason, clock=clock
    )


def _presence_state(session: Session, agent_id: int) -> PresenceState:
    state = session.scalar(
        select(AgentPresence.state)
        .where(AgentPresence.agent_id == agent_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return PresenceState(state) if state else PresenceState.OFFLINE


def _locked_contact(session: Session, contact_id: int) -> Contact | None:
    return session.scalar(
        select(Contact)
        .where(Contact.id == contact_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _holds_contacts(session: Session, agent_id: int, statuses: tuple[str, ...]) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.agent_id == agent_id, Contact.status.in_(statuses))
        )
        or 0
    ) > 0


# --- offers --------------------------------------------------------------------------------


def list_my_offers(session: Session, actor: Actor, *, clock: Clock) -> list[Offer]:
    """The calling agent's pending offers that have not expired, oldest first."""
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS)
    if actor.user_id is None:
        return []
    return list(
        session.scalars(
            select(Offer)
            .join(Agent, Agent.id == Offer.agent_id)
            .where(
                Agent.user_id == actor.user_id,
                Offer.status == "pending",
                Offer.expires_at > clock.now(),
            )
            .order_by(Offer.offered_at, Offer.id)
        )
    )


def _locked_offer(session: Session, actor: Actor, offer_id: int) -> tuple[Offer, Contact]:
    """The offer and its contact, for the offered agent's own user or the system."""
    offer = session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    contact = None if offer is None else _locked_contact(session, offer.contact_id)
    if offer is None or contact is None or not can_access_client(actor, contact.client_id):
        raise NotFound(f"no offer {offer_id}", field="offer_id")
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS, client_id=contact.client_id)
    agent = session.get(Agent, offer.agent_id)
    if not actor.is_system and (agent is None or agent.user_id != actor.user_id):
        raise PermissionDenied(
            "only the agent it was offered to may answer an offer", field="offer_id"
        )
    return offer, contact


def accept_offer(session: Session, actor: Actor, offer_id: int, *, clock: Clock) -> Contact:
    """The agent takes the contact: answered; or, for a callback, the agent dials.

    A callback stays offered while the agent calls: the attempt's outcome, recorded through
    callbacks.service.record_attempt, connects it (callback_made) or puts it back in its
    place for a retry (R-ACCESS-4).
    """
    offer, contact = _locked_offer(session, actor, offer_id)
    now = clock.now()
    if offer.status != "pending":
        raise Conflict(f"offer {offer_id} is {offer.status}, not pending", field="offer_id")
    if ensure_utc(offer.expires_at) <= now:
        raise Conflict(f"offer {offer_id} has expired", field="offer_id")
    if not _still_offered(session, offer):
        raise Conflict(f"the contact of offer {offer_id} is no longer offered", field="offer_id")
    offer.status = "accepted"
    offer.decided_at = now
    callback = _awaited_callback(session, contact)
    if callback is not None:
        callback.status = "calling"
        callback.updated_at = now
    else:
        contact_service.append_event(
            session,
            actor,
            contact.id,
            kind=EventKind.ANSWERED,
            clock=clock,
            agent_id=offer.agent_id,
        )
    session.commit()
    return contact


def _awaited_callback(session: Session, contact: Contact) -> Callback | None:
    """The contact's callback while nobody has reached the customer yet."""
    callback = session.scalar(select(Callback).where(Callback.contact_id == contact.id))
    if callback is None:
        return None
    answered = session.scalar(
        select(ContactEvent.id).where(
            ContactEvent.contact_id == contact.id,
            ContactEvent.kind.in_((EventKind.ANSWERED.value, EventKind.CALLBACK_MADE.value)),
        )
    )
    return callback if answered is None else None


def reject_offer(session: Session, actor: Actor, offer_id: int, *, clock: Clock) -> Offer:
    """The agent declines: the contact goes back to its place and the agent to aux missed."""
    offer, _contact = _locked_offer(session, actor, offer_id)
    if offer.status != "pending":
        raise Conflict(f"offer {offer_id} is {offer.status}, not pending", field="offer_id")
    _return_offer(session, actor, offer, "rejected", clock)
    session.commit()
    return offer


def expire_offers(session: Session, clock: Clock) -> int:
    """Time out pending offers past their expiry (timer); returns how many."""
    now = clock.now()
    offers = list(
        session.scalars(
            select(Offer)
            .where(Offer.status == "pending", Offer.expires_at <= now)
            .order_by(Offer.id)
            .with_for_update(skip_locked=True)
        )
    )
    for offer in offers:
        _return_offer(session, ROUTING_ACTOR, offer, "timed_out", clock)
    session.commit()
    return len(offers)


def _still_offered(session: Session, offer: Offer) -> bool:
    contact = _locked_contact(session, offer.contact_id)
    return (
        contact is not None
        and contact.status == ContactStatus.OFFERED.value
        and contact.agent_id == offer.agent_id
    )


def _return_offer(session: Session, actor: Actor, offer: Offer, status: str, clock: Clock) -> None:
    """The contact back in line where it stood (arrived_at is untouched); the agent to aux
    missed unless it still handles other contacts."""
    offer.decided_at = clock.now()
    if not _still_offered(session, offer):
        # The contact left meanwhile (abandoned, say): nothing goes back in line and the
        # agent missed nothing.
        offer.status = "withdrawn"
        _release(session, offer.agent_id, None, clock)
        return
    offer.status = status
    reason = "offer_rejected" if status == "rejected" else "offer_timed_out"
    contact_service.append_event(
        session,
        actor,
        offer.contact_id,
        kind=EventKind.QUEUED,
        clock=clock,
        data={"reason": reason, "agent_id": offer.agent_id},
    )
    if _holds_contacts(session, offer.agent_id, HOLDING_STATUSES):
        return
    state = _presence_state(session, offer.agent_id)
    if state is PresenceState.BUSY:
        # The system may not go from busy to aux directly; it passes through available.
        _move(session, offer.agent_id, PresenceState.AVAILABLE, clock)
        state = PresenceState.AVAILABLE
    if state is PresenceState.AVAILABLE:
        _move(session, offer.agent_id, PresenceState.AUX, clock, AuxReason.MISSED)


# --- handling ------------------------------------------------------------------------------


def _handled_contact(session: Session, actor: Actor, contact_id: int) -> Contact:
    """The contact, for its handling agent's user, a supervisor or admin, or the system."""
    contact = _locked_contact(session, contact_id)
    if contact is None or not can_access_client(actor, contact.client_id):
        raise NotFound(f"no contact {contact_id}", field="contact_id")
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS, client_id=contact.client_id)
    if actor.is_system or can(actor, Permission.MANAGE_AGENTS):
        return contact
    agent = None if contact.agent_id is None else session.get(Agent, contact.agent_id)
    if agent is None or agent.user_id != actor.user_id:
        raise PermissionDenied(
            "only the agent handling the contact may do this", field="contact_id"
        )
    return contact


def transfer_contact(
    session: Session,
    actor: Actor,
    contact_id: int,
    *,
    to_queue_id: int | None = None,
    to_agent_id: int | None = None,
    note: str,
    clock: Clock,
) -> Contact:
    """Transfer with its context (R-OPS-8): to a queue, or offered to a named agent.

    The customer keeps priority and original arrival; the transferring agent is freed.
    """
    if (to_queue_id is None) == (to_agent_id is None):
        raise InvalidInput("transfer to a queue or to an agent, exactly one", field="to_queue_id")
    cleaned_note = clean_text(note, "note", MAX_EVENT_NOTE_LENGTH)
    contact = _handled_contact(session, actor, contact_id)
    from_agent = contact.agent_id
    # Everything is checked before the first event is written.
    if to_agent_id is not None:
        _check_target_agent(session, contact, to_agent_id, from_agent)
    target = session.get(Queue, to_queue_id if to_queue_id is not None else contact.queue_id)
    if target is None or (to_queue_id is not None and not queue_takes(target, contact)):
        raise InvalidInput(
            f"no queue {to_queue_id} to transfer this contact to", field="to_queue_id"
        )
    contact_service.append_event(
        session, actor, contact.id, kind=EventKind.TRANSFERRED, clock=clock, note=cleaned_note
    )
    if to_agent_id is None:
        contact_service.append_event(
            session,
            actor,
            contact.id,
            kind=EventKind.QUEUED,
            clock=clock,
            queue_id=target.id,
            data={"reason": "transferred"},
        )
    else:
        _offer(session, contact, to_agent_id, target, clock)
        if _presence_state(session, to_agent_id) is PresenceState.AVAILABLE:
            _move(session, to_agent_id, PresenceState.BUSY, clock)
    if from_agent is not None:
        # The contact goes on elsewhere, so there is nothing to wrap up: available again.
        _release(session, from_agent, None, clock)
    session.commit()
    return contact


def queue_takes(queue: Queue, contact: Contact) -> bool:
    """Whether the contact may enter the queue: same client, active, serving its channel."""
    return (
        queue.client_id == contact.client_id
        and queue.is_active
        and contact.channel in queue.channels
    )


def _check_target_agent(
    session: Session, contact: Contact, agent_id: int, from_agent: int | None
) -> None:
    agent = session.get(Agent, agent_id)
    if agent is None or agent_id == from_agent:
        raise InvalidInput(f"no other agent {agent_id} to transfer to", field="to_agent_id")
    state = _presence_state(session, agent_id)
    logged_in = session.scalar(
        select(AgentQueueLogin.id).where(
            AgentQueueLogin.agent_id == agent_id,
            AgentQueueLogin.queue_id == contact.queue_id,
            AgentQueueLogin.logged_out_at.is_(None),
        )
    )
    if not agent.is_active or state.value not in _ROUTABLE or logged_in is None:
        raise InvalidInput(
            f"agent {agent_id} is not available in this contact's queue", field="to_agent_id"
        )
    if free_capacities(session, [agent_id])[agent_id][Channel(contact.channel)] <= 0:
        raise InvalidInput(
            f"agent {agent_id} has no free {contact.channel} capacity", field="to_agent_id"
        )


def _release(session: Session, agent_id: int, queue_id: int | None, clock: Clock) -> None:
    """After an agent's contact ends or leaves: wrap-up (when the queue has wrap-up time) or
    available, once the agent holds no other contact."""
    if _holds_contacts(session, agent_id, HOLDING_STATUSES):
        return
    if _presence_state(session, agent_id) is not PresenceState.BUSY:
        return
    queue = None if queue_id is None else session.get(Queue, queue_id)
    wrap_up = queue is not None and queue.wrap_up_seconds > 0
    _move(session, agent_id, PresenceState.WRAP_UP if wrap_up else PresenceState.AVAILABLE, clock)


def end_contact(session: Session, actor: Actor, contact_id: int, *, clock: Clock) -> Contact:
    """The conversation is over; the agent goes to wrap-up (or available) when it was the last."""
    contact = _handled_contact(session, actor, contact_id)
    contact_service.append_event(session, actor, contact.id, kind=EventKind.ENDED, clock=clock)
    if contact.agent_id is not None:
        _release(session, contact.agent_id, contact.queue_id, clock)
    session.commit()
    return contact


def complete_wrap_up(
    session: Session, actor: Actor, contact_id: int, *, reason: str, outcome: str, clock: Clock
) -> Contact:
    """Close the contact with its reason and outcome (R-OPS-7); the agent is available again
    when no other contact waits for its wrap-up."""
    cleaned_reason = clean_text(reason, "reason", MAX_WRAP_UP_TEXT_LENGTH)
    cleaned_outcome = clean_text(outcome, "outcome", MAX_WRAP_UP_TEXT_LENGTH)
    contact = _handled_contact(session, actor, contact_id)
    contact_service.append_event(
        session,
        actor,
        contact.id,
        kind=EventKind.WRAPPED_UP,
        clock=clock,
        data={"reason": cleaned_reason, "outcome": cleaned_outcome},
    )
    agent_id = contact.agent_id
    if (
        agent_id is not None
        and not _holds_contacts(session, agent_id, (ContactStatus.ENDED.value,))
        and _presence_state(session, agent_id) is PresenceState.WRAP_UP
    ):
        _move(session, agent_id, PresenceState.AVAILABLE, clock)
    session.commit()
    return contact
