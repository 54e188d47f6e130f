"""Read-only figures for the supervisor live view: queues and agents now (R-OPS-2, R-OPS-5)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.agents import queries as agent_queries
from helpline.agents.models import Agent, AgentPresence, AgentQueueLogin
from helpline.agents.rules import AuxReason, PresenceState, is_routable
from helpline.callbacks.rules import DEFAULT_HANDLE_SECONDS
from helpline.clock import Clock
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import WAITING_STATUSES, Channel, ContactStatus, EventKind
from helpline.errors import PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, Role, can
from helpline.queues.models import Queue
from helpline.routing.waiting import estimate_wait_seconds

__all__ = [
    "AgentBoardRow",
    "CurrentContact",
    "QueueBoardRow",
    "SupervisorBoard",
    "agent_board",
    "queue_board",
    "supervisor_board",
]

# Handle times of contacts ended this long ago or less feed the estimated wait (R-INFO-3).
RECENT_HANDLE_WINDOW = timedelta(hours=1)
# Contacts an agent holds now: offered to it, being handled, or ended and awaiting wrap-up.
CURRENT_STATUSES = frozenset(
    {
        ContactStatus.OFFERED,
        ContactStatus.CONNECTED,
        ContactStatus.ON_HOLD,
        ContactStatus.TRANSFERRING,
        ContactStatus.ENDED,
    }
)
# Contacts that occupy an agent's capacity (the shared capacity decision of issue 3).
_OCCUPYING_STATUSES = CURRENT_STATUSES - {ContactStatus.ENDED}


@dataclass(frozen=True, slots=True)
class QueueBoardRow:
    """One queue now: its line, the wait and the agents logged into it by state."""

    queue_id: int
    client_id: int
    code: str
    name: str
    waiting: int
    longest_wait_seconds: float | None
    estimated_wait_seconds: float | None
    available: int
    busy: int
    wrap_up: int
    aux: int

    @property
    def logged_in(self) -> int:
        return self.available + self.busy + self.wrap_up + self.aux


@dataclass(frozen=True, slots=True)
class CurrentContact:
    reference: str
    channel: Channel
    status: ContactStatus


@dataclass(frozen=True, slots=True)
class AgentBoardRow:
    """One agent now: state, how long it has lasted, its queues and the contacts it holds."""

    agent_id: int
    display_name: str
    state: PresenceState
    aux_reason: AuxReason | None
    seconds_in_state: float
    queue_codes: tuple[str, ...]
    contacts: tuple[CurrentContact, ...]


def _authorise_board(actor: Actor, client_id: int | None) -> None:
    # The live view shows how colleagues work: not for agents (R-DATA-1).
    identity_service.authorise(actor, Permission.VIEW_QUEUES, client_id=client_id)
    if actor.role is Role.AGENT:
        raise PermissionDenied("the role agent may not view the supervisor live view")


def queue_board(
    session: Session, actor: Actor, *, clock: Clock, client_id: int | None = None
) -> list[QueueBoardRow]:
    """Every active queue the actor sees (of one client when given), by code (R-OPS-2).

    Waiting counts queued, offered and callback-pending contacts; the longest wait runs from
    when each entered its queue (or arrived); the estimated wait is for a new arrival, from
    the handle times of the queue's contacts ended in the last hour (routing.waiting), None
    when no agent that could take a contact is logged in. Four statements however many
    queues, agents and contacts there are.
    """
    _authorise_board(actor, client_id)
    now = clock.now()
    query = (
        select(Queue.id, Queue.client_id, Queue.code, Queue.name, Queue.channels)
        .where(Queue.is_active.is_(True))
        .order_by(Queue.code, Queue.id)
    )
    scope = identity_service.visible_client_ids(actor)
    if scope is not None:
        query = query.where(Queue.client_id.in_(scope))
    if client_id is not None:
        query = query.where(Queue.client_id == client_id)
    queues = session.execute(query).all()
    queue_ids = [queue.id for queue in queues]

    waiting_since = func.coalesce(Contact.queued_at, Contact.arrived_at)
    lines = {
        queue_id: (count, oldest)
        for queue_id, count, oldest in session.execute(
            select(Contact.queue_id, func.count(Contact.id), func.min(waiting_since))
            .where(
                Contact.queue_id.in_(queue_ids),
                Contact.status.in_([status.value for status in WAITING_STATUSES]),
            )
            .group_by(Contact.queue_id)
        )
    }

    occupied = (
        select(Contact.id)
        .where(
            Contact.agent_id == Agent.id,
            Contact.status.in_([status.value for status in _OCCUPYING_STATUSES]),
        )
        .exists()
    )
    states: dict[int, list[tuple[PresenceState, bool]]] = defaultdict(list)
    for queue_id, state, is_active, is_occupied in session.execute(
        select(AgentQueueLogin.queue_id, AgentPresence.state, Agent.is_active, occupied)
        .join(Agent, Agent.id == AgentQueueLogin.agent_id)
        .outerjoin(AgentPresence, AgentPresence.agent_id == Agent.id)
        .where(AgentQueueLogin.queue_id.in_(queue_ids), AgentQueueLogin.logged_out_at.is_(None))
    ):
        presence = PresenceState(state or PresenceState.OFFLINE)
        if presence is not PresenceState.OFFLINE:
            states[queue_id].append((presence, bool(is_active) and not is_occupied))

    handle_seconds = _recent_handle_seconds(session, queue_ids, now)
    rows = []
    for queue in queues:
        count, oldest = lines.get(queue.id, (0, None))
        logged = states.get(queue.id, [])
        by_state = {state: sum(1 for item, _ in logged if item is state) for state in PresenceState}
        eligible = sum(1 for state, _ in logged if is_routable(state))
        free = sum(1 for state, idle in logged if state is PresenceState.AVAILABLE and idle)
        rows.append(
            QueueBoardRow(
                queue_id=queue.id,
                client_id=queue.client_id,
                code=queue.code,
                name=queue.name,
                waiting=count,
                longest_wait_seconds=(
                    max((now - oldest).total_seconds(), 0.0) if oldest is not None else None
                ),
                estimated_wait_seconds=estimate_wait_seconds(
                    count + 1,
                    eligible,
                    handle_seconds.get(queue.id, []),
                    default_handle_seconds=DEFAULT_HANDLE_SECONDS[_main_channel(queue.channels)],
                    free_agent_count=min(free, eligible),
                ),
                available=by_state[PresenceState.AVAILABLE],
                busy=by_state[PresenceState.BUSY],
                wrap_up=by_state[PresenceState.WRAP_UP],
                aux=by_state[PresenceState.AUX],
            )
        )
    return rows


def _main_channel(channels: list[str]) -> Channel:
    """The queue's first channel in Channel order: voice, then chat, then e-mail."""
    return next((channel for channel in Channel if channel.value in channels), Channel.VOICE)


def _recent_handle_seconds(
    session: Session, queue_ids: list[int], now: datetime
) -> dict[int, list[float]]:
    """Answered-to-ended seconds of each queue's contacts ended within the recent window."""
    ended_recently = select(ContactEvent.contact_id).where(
        ContactEvent.kind == EventKind.ENDED.value,
        ContactEvent.occurred_at >= now - RECENT_HANDLE_WINDOW,
        ContactEvent.occurred_at <= now,
    )
    answered: dict[int, datetime] = {}
    ended: dict[int, datetime] = {}
    queue_of: dict[int, int] = {}
    for contact_id, queue_id, kind, occurred_at in session.execute(
        select(Contact.id, Contact.queue_id, ContactEvent.kind, ContactEvent.occurred_at)
        .join(ContactEvent, ContactEvent.contact_id == Contact.id)
        .where(
            Contact.queue_id.in_(queue_ids),
            Contact.id.in_(ended_recently),
            ContactEvent.kind.in_([EventKind.ANSWERED.value, EventKind.ENDED.value]),
        )
    ):
        if queue_id is None:
            continue
        queue_of[contact_id] = queue_id
        if kind == EventKind.ANSWERED.value:
            answered[contact_id] = min(answered.get(contact_id, occurred_at), occurred_at)
        else:
            ended[contact_id] = max(ended.get(contact_id, occurred_at), occurred_at)
    durations: dict[int, list[float]] = defaultdict(list)
    for contact_id, start in answered.items():
        end = ended.get(contact_id)
        if end is not None and end >= start:
            durations[queue_of[contact_id]].append((end - start).total_seconds())
    return durations


def agent_board(
    session: Session, actor: Actor, *, clock: Clock, client_id: int | None = None
) -> list[AgentBoardRow]:
    """Every agent the actor sees (of one client when given), by name, signed-in ones only.

    Offline agents are left out: the live view is about who is working now (R-OPS-2).
    Contacts of clients outside the actor's scope are not shown. Four statements however
    many agents and contacts there are.
    """
    _authorise_board(actor, client_id)
    presence = agent_queries.presence_board(session, actor, client_id=client_id, clock=clock)
    working = [view for view in presence if view.state is not PresenceState.OFFLINE]
    query = (
        select(Contact.agent_id, Contact.reference, Contact.channel, Contact.status)
        .where(
            Contact.agent_id.in_([view.agent_id for view in working]),
            Contact.status.in_([status.value for status in CURRENT_STATUSES]),
        )
        .order_by(Contact.arrived_at, Contact.id)
    )
    scope = identity_service.visible_client_ids(actor)
    if scope is not None:
        query = query.where(Contact.client_id.in_(scope))
    if client_id is not None:
        query = query.where(Contact.client_id == client_id)
    held: dict[int, list[CurrentContact]] = defaultdict(list)
    for agent_id, reference, channel, status in session.execute(query):
        if agent_id is None:
            continue
        held[agent_id].append(
            CurrentContact(
                reference=reference, channel=Channel(channel), status=ContactStatus(status)
            )
        )
    return [
        AgentBoardRow(
            agent_id=view.agent_id,
            display_name=view.display_name,
            state=view.state,
            aux_reason=view.aux_reason,
            seconds_in_state=view.seconds_in_state,
            queue_codes=tuple(login.queue_code for login in view.queues),
            contacts=tuple(held.get(view.agent_id, ())),
        )
        for view in working
    ]


@dataclass(frozen=True, slots=True)
class SupervisorBoard:
    """The whole live view at one moment; `agents` is None for who may not see agents."""

    at: datetime
    queues: list[QueueBoardRow]
    agents: list[AgentBoardRow] | None


def supervisor_board(
    session: Session, actor: Actor, *, clock: Clock, client_id: int | None = None
) -> SupervisorBoard:
    """Queues and, for roles that see agents (not client viewers), agents now (R-OPS-2)."""
    queues = queue_board(session, actor, clock=clock, client_id=client_id)
    agents = (
        agent_board(session, actor, clock=clock, client_id=client_id)
        if can(actor, Permission.VIEW_AGENTS)
        else None
    )
    return SupervisorBoard(at=clock.now(), queues=queues, agents=agents)
