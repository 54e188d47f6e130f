"""Read-only views of agents: profiles, presence board, state seconds, queue logins, training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.agents import service as agent_service
from helpline.agents.models import (
    Agent,
    AgentPresence,
    AgentQueueLogin,
    AgentSkill,
    AgentStateChange,
    TrainingRecord,
)
from helpline.agents.rules import (
    MAX_STATE_SECONDS_RANGE_DAYS,
    AuxReason,
    PresenceState,
    StateChange,
    can_manage_agent,
    is_agent_visible_to,
    is_training_valid,
    state_seconds,
    validate_period,
)
from helpline.clock import Clock
from helpline.contacts.rules import Channel
from helpline.errors import NotFound
from helpline.identity import models as identity_models
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can
from helpline.queues.models import Queue


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent with the facts that live on its user: e-mail and the clients it serves."""

    agent: Agent
    email: str
    client_ids: frozenset[int]

    @property
    def skills(self) -> list[AgentSkill]:
        return sorted(self.agent.skills, key=lambda link: link.skill.code)

    @property
    def languages(self) -> list[str]:
        return sorted(
            link.skill.language_code for link in self.agent.skills if link.skill.language_code
        )

    @property
    def capacities(self) -> dict[str, int]:
        """Max contacts per channel, every channel present, in Channel order."""
        by_channel = {row.channel: row.max_contacts for row in self.agent.capacities}
        return {channel.value: by_channel.get(channel.value, 0) for channel in Channel}

    def may_be_managed_by(self, actor: Actor) -> bool:
        return can(actor, Permission.MANAGE_AGENTS) and can_manage_agent(actor, self.client_ids)


def list_agent_views(session: Session, actor: Actor) -> list[AgentView]:
    """Every agent the actor may see (agents.service.get_agent states the scope rule), by name."""
    identity_service.authorise(actor, Permission.VIEW_AGENTS)
    rows = session.execute(
        select(Agent, identity_models.User)
        .join(identity_models.User, identity_models.User.id == Agent.user_id)
        .order_by(Agent.display_name, Agent.id)
    )
    return [
        AgentView(agent=agent, email=user.email, client_ids=user.client_ids)
        for agent, user in rows
        if is_agent_visible_to(actor, user.client_ids)
    ]


def get_agent_view(session: Session, actor: Actor, agent_id: int) -> AgentView:
    agent = agent_service.get_agent(session, actor, agent_id)
    user = session.get(identity_models.User, agent.user_id)
    email = user.email if user is not None else ""
    return AgentView(
        agent=agent, email=email, client_ids=agent_service.client_ids_of(session, agent)
    )


def list_users_without_agent(session: Session, actor: Actor) -> list[identity_models.User]:
    """Active agents and supervisors with no agent profile that the actor may give one."""
    identity_service.authorise(actor, Permission.MANAGE_AGENTS)
    users = session.scalars(
        select(identity_models.User)
        .where(
            identity_models.User.role.in_([role.value for role in agent_service.AGENT_ROLES]),
            identity_models.User.is_active.is_(True),
            ~select(Agent.id).where(Agent.user_id == identity_models.User.id).exists(),
        )
        .order_by(identity_models.User.display_name, identity_models.User.email)
    )
    return [user for user in users if can_manage_agent(actor, user.client_ids)]


# --- presence ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueLoginView:
    queue_id: int
    queue_code: str
    logged_in_at: datetime


@dataclass(frozen=True, slots=True)
class PresenceView:
    """An agent's state now, how long it has lasted and the queues it is logged into."""

    agent_id: int
    display_name: str
    is_active: bool
    state: PresenceState
    aux_reason: AuxReason | None
    since: datetime
    seconds_in_state: float
    queues: tuple[QueueLoginView, ...]


def presence_board(
    session: Session, actor: Actor, *, client_id: int | None = None, clock: Clock
) -> list[PresenceView]:
    """Every agent the actor may see (of one client when given), by name, for the live view.

    An agent serving every client is on every client's board. Three statements however
    many agents there are.
    """
    identity_service.authorise(actor, Permission.VIEW_AGENTS, client_id=client_id)
    return _presence_views(session, actor, None, client_id, clock.now())


def get_presence_view(
    session: Session, actor: Actor, agent_id: int, *, clock: Clock
) -> PresenceView:
    agent = agent_service.get_agent(session, actor, agent_id)
    return _presence_views(session, actor, agent.id, None, clock.now())[0]


def _presence_views(
    session: Session, actor: Actor, agent_id: int | None, client_id: int | None, now: datetime
) -> list[PresenceView]:
    query = (
        select(
            Agent.id,
            Agent.user_id,
            Agent.display_name,
            Agent.is_active,
            Agent.created_at,
            AgentPresence.state,
            AgentPresence.aux_reason,
            AgentPresence.since,
        )
        .outerjoin(AgentPresence, AgentPresence.agent_id == Agent.id)
        .order_by(Agent.display_name, Agent.id)
    )
    if agent_id is not None:
        query = query.where(Agent.id == agent_id)
    rows = session.execute(query).all()
    link = identity_models.UserClient
    served: dict[int, set[int]] = {}
    for user_id, linked_client in session.execute(
        select(link.user_id, link.client_id).where(link.user_id.in_({row.user_id for row in rows}))
    ):
        served.setdefault(user_id, set()).add(linked_client)
    rows = [
        row
        for row in rows
        if is_agent_visible_to(actor, frozenset(served.get(row.user_id, ())))
        and (client_id is None or not served.get(row.user_id) or client_id in served[row.user_id])
    ]
    logins: dict[int, list[QueueLoginView]] = {}
    for login_agent, queue_id, queue_code, logged_in_at in session.execute(
        select(AgentQueueLogin.agent_id, Queue.id, Queue.code, AgentQueueLogin.logged_in_at)
        .join(Queue, Queue.id == AgentQueueLogin.queue_id)
        .where(
            AgentQueueLogin.agent_id.in_({row.id for row in rows}),
            AgentQueueLogin.logged_out_at.is_(None),
        )
        .order_by(Queue.code)
    ):
        logins.setdefault(login_agent, []).append(
            QueueLoginView(queue_id=queue_id, queue_code=queue_code, logged_in_at=logged_in_at)
        )
    views = []
    for row in rows:
        since = row.since if row.since is not None else row.created_at
        views.append(
            PresenceView(
                agent_id=row.id,
                display_name=row.display_name,
                is_active=row.is_active,
                state=PresenceState(row.state or PresenceState.OFFLINE),
                aux_reason=AuxReason(row.aux_reason) if row.aux_reason else None,
                since=since,
                seconds_in_state=max((now - since).total_seconds(), 0.0),
                queues=tuple(logins.get(row.id, ())),
            )
        )
    return views


def agent_state_seconds(
    session: Session, actor: Actor, agent_id: int, start: datetime, end: datetime
) -> dict[PresenceState, float]:
    """Seconds the agent spent in each state within [start, end), at most 31 days long.

    The raw figures for occupancy (R-HR-8) and adherence (R-OPS-2); see
    agents.rules.state_seconds for how the edges of the period are counted.
    """
    agent = agent_service.get_agent(session, actor, agent_id)
    validate_period(start, end, max_days=MAX_STATE_SECONDS_RANGE_DAYS)
    change = AgentStateChange
    opening = session.execute(
        select(change.started_at, change.state, change.aux_reason)
        .where(change.agent_id == agent.id, change.started_at <= start)
        .order_by(change.started_at.desc(), change.id.desc())
        .limit(1)
    ).all()
    within = session.execute(
        select(change.started_at, change.state, change.aux_reason)
        .where(change.agent_id == agent.id, change.started_at > start, change.started_at < end)
        .order_by(change.started_at, change.id)
    ).all()
    changes = [
        StateChange(
            started_at=started_at,
            state=PresenceState(state),
            aux_reason=AuxReason(reason) if reason else None,
        )
        for started_at, state, reason in [*opening, *within]
    ]
    return state_seconds(changes, start, end)


def recent_state_changes(
    session: Session, actor: Actor, agent_id: int, *, limit: int = 20
) -> list[AgentStateChange]:
    """The agent's latest presence moves, newest first."""
    agent = agent_service.get_agent(session, actor, agent_id)
    return list(
        session.scalars(
            select(AgentStateChange)
            .where(AgentStateChange.agent_id == agent.id)
            .order_by(AgentStateChange.started_at.desc(), AgentStateChange.id.desc())
            .limit(limit)
        )
    )


def own_agent_id(session: Session, actor: Actor) -> int:
    """The id of the actor's own agent profile; NotFound when the user has none."""
    identity_service.authorise(actor, Permission.VIEW_AGENTS)
    agent_id = session.scalar(select(Agent.id).where(Agent.user_id == actor.user_id))
    if agent_id is None:
        raise NotFound("you have no agent profile; a supervisor gives you one", field="agent_id")
    return agent_id


@dataclass(frozen=True, slots=True)
class QueueChoice:
    """A queue the agent could log into, whether it is, and the course the queue requires."""

    queue: Queue
    is_logged_in: bool
    required_training_code: str | None
    has_training: bool


def queue_login_choices(
    session: Session, actor: Actor, agent_id: int, *, clock: Clock
) -> list[QueueChoice]:
    """Active queues the actor sees of the clients the agent serves, by code."""
    agent = agent_service.get_agent(session, actor, agent_id)
    served = agent_service.client_ids_of(session, agent)
    query = select(Queue).where(Queue.is_active.is_(True)).order_by(Queue.code)
    scope = identity_service.visible_client_ids(actor)
    if scope is not None:
        query = query.where(Queue.client_id.in_(scope))
    if served:
        query = query.where(Queue.client_id.in_(served))
    queues = list(session.scalars(query))
    logged_in = set(
        session.scalars(
            select(AgentQueueLogin.queue_id).where(
                AgentQueueLogin.agent_id == agent.id, AgentQueueLogin.logged_out_at.is_(None)
            )
        )
    )
    now = clock.now()
    valid_courses = {
        view.record.course_code
        for view in _training_views(session, agent.id, now)
        if view.is_valid_now
    }
    return [
        QueueChoice(
            queue=queue,
            is_logged_in=queue.id in logged_in,
            required_training_code=queue.required_training_code,
            has_training=queue.required_training_code is None
            or queue.required_training_code in valid_courses,
        )
        for queue in queues
    ]


# --- training records ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingRecordView:
    record: TrainingRecord
    is_valid_now: bool


def list_training_records(
    session: Session, actor: Actor, agent_id: int, *, clock: Clock
) -> list[TrainingRecordView]:
    """The agent's learning records, newest completion first (R-HR-3 evidence).

    Read by the agent itself and by those who record training (RECORD_TRAINING); other
    colleagues and planners are refused.
    """
    agent = agent_service.get_agent(session, actor, agent_id)
    if actor.user_id != agent.user_id:
        identity_service.authorise(actor, Permission.RECORD_TRAINING)
    return _training_views(session, agent.id, clock.now())


def _training_views(session: Session, agent_id: int, now: datetime) -> list[TrainingRecordView]:
    records = session.scalars(
        select(TrainingRecord)
        .where(TrainingRecord.agent_id == agent_id)
        .order_by(TrainingRecord.completed_at.desc(), TrainingRecord.id.desc())
    )
    return [
        TrainingRecordView(
            record=record,
            is_valid_now=is_training_valid(record.completed_at, record.expires_at, now),
        )
        for record in records
    ]
