"""Presence use cases: an agent's state moves with their history, and its queue logins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.agents import service as agent_service
from helpline.agents import training as agent_training
from helpline.agents.models import Agent, AgentPresence, AgentQueueLogin, AgentStateChange
from helpline.agents.rules import (
    AuxReason,
    PresenceMover,
    PresenceState,
    can_manage_agent,
    check_presence_move,
)
from helpline.clock import Clock
from helpline.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can, can_access_client
from helpline.queues.models import Queue

# Who may act on an agent's presence and queue logins (the moves themselves are in
# agents.rules.PRESENCE_MOVES):
# - the agent itself, recognised by its user id;
# - a supervisor or admin (MANAGE_AGENTS) who reaches every client the agent serves, as for
#   any other change to an agent (agents.rules.can_manage_agent);
# - Helpline itself (Actor.system), which makes the moves that follow from contacts.
# An agent outside the actor's sight is answered NotFound; one in sight but not the actor's
# to change, PermissionDenied.


def set_presence(
    session: Session,
    actor: Actor,
    agent_id: int,
    *,
    state: PresenceState,
    aux_reason: AuxReason | None = None,
    clock: Clock,
) -> AgentPresence:
    """Move an agent to `state` (with a reason for aux) and keep the move in its history.

    Going offline also logs the agent out of every queue. Repeating the present state and
    reason changes nothing. Timestamps of every move feed adherence (R-OPS-2) and occupancy
    and break monitoring (R-HR-8).
    """
    presence = apply_presence_move(
        session, actor, agent_id, state=state, aux_reason=aux_reason, clock=clock
    )
    session.commit()
    return presence


def apply_presence_move(
    session: Session,
    actor: Actor,
    agent_id: int,
    *,
    state: PresenceState,
    aux_reason: AuxReason | None = None,
    clock: Clock,
) -> AgentPresence:
    """set_presence in the caller's transaction (the caller commits).

    For the routing engine, which moves an agent to busy in the same transaction that
    assigns the contact; it acts as Actor.system and may make only the system's moves.
    """
    agent, mover = _agent_and_mover(session, actor, agent_id)
    _lock_agent(session, agent.id)
    presence = _locked_presence(session, agent, clock)
    current = PresenceState(presence.state)
    current_reason = AuxReason(presence.aux_reason) if presence.aux_reason else None
    if not check_presence_move(current, current_reason, state, aux_reason, mover):
        return presence
    if state is PresenceState.AVAILABLE and not agent.is_active and mover is not _SYSTEM:
        raise InvalidInput(f"the agent {agent.display_name} is deactivated", field="state")
    now = clock.now()
    presence.state = state.value
    presence.aux_reason = aux_reason.value if aux_reason else None
    presence.since = now
    presence.updated_at = now
    session.add(
        AgentStateChange(
            agent_id=agent.id,
            state=state.value,
            aux_reason=presence.aux_reason,
            started_at=now,
            actor_user_id=actor.user_id,
            by_system=actor.is_system,
        )
    )
    if state is PresenceState.OFFLINE:
        open_logins = session.scalars(
            select(AgentQueueLogin).where(
                AgentQueueLogin.agent_id == agent.id, AgentQueueLogin.logged_out_at.is_(None)
            )
        )
        for login in open_logins:
            login.logged_out_at = now
    session.flush()
    return presence


def presence_of(session: Session, agent: Agent) -> tuple[PresenceState, AuxReason | None]:
    """The agent's state and aux reason; an agent that never moved is offline.

    For use cases that have authorised their actor already.
    """
    presence = session.get(AgentPresence, agent.id)
    if presence is None:
        return PresenceState.OFFLINE, None
    return (
        PresenceState(presence.state),
        AuxReason(presence.aux_reason) if presence.aux_reason else None,
    )


# --- queue logins --------------------------------------------------------------------------


def log_into_queue(
    session: Session, actor: Actor, agent_id: int, queue_id: int, *, clock: Clock
) -> AgentQueueLogin:
    """Log an agent into a queue, so that routing may offer it the queue's contacts.

    Refused while the agent is offline, for a queue of a client the agent does not serve,
    for an inactive queue, and when the queue requires a training course the agent has no
    record of that is completed and in date now (R-HR-3; R-DATA-9 when the course is the
    confidentiality undertaking or data-protection training). A record that expires later
    does not end a login retroactively; the next login is refused.
    """
    agent, _mover = _agent_and_mover(session, actor, agent_id)
    queue = session.get(Queue, queue_id)
    # A queue the actor cannot see is answered like a missing one.
    if queue is None or not can_access_client(actor, queue.client_id):
        raise InvalidInput(f"no queue {queue_id}", field="queue_id")
    served = agent_service.client_ids_of(session, agent)
    if served and queue.client_id not in served:
        raise PermissionDenied(
            f"the agent {agent.display_name} does not serve the client organisation of "
            f"queue {queue.code}",
            field="queue_id",
        )
    if not queue.is_active:
        raise InvalidInput(f"the queue {queue.code} is inactive", field="queue_id")
    if not agent.is_active:
        raise InvalidInput(f"the agent {agent.display_name} is deactivated", field="agent_id")
    _lock_agent(session, agent.id)
    state, _reason = presence_of(session, agent)
    if state is PresenceState.OFFLINE:
        raise IllegalTransition(
            f"the agent {agent.display_name} is offline; go available or aux before logging "
            "into a queue",
            field="state",
        )
    now = clock.now()
    course = queue.required_training_code
    if course and not agent_training.has_valid_training(session, agent.id, course, at=now):
        raise PermissionDenied(
            f"the queue {queue.code} requires the training course {course}, and the agent "
            f"{agent.display_name} has no record of it that is completed and in date",
            field="queue_id",
        )
    if _open_login(session, agent.id, queue.id) is not None:
        raise Conflict(
            f"the agent {agent.display_name} is logged into queue {queue.code} already",
            field="queue_id",
        )
    login = AgentQueueLogin(agent_id=agent.id, queue_id=queue.id, logged_in_at=now)
    session.add(login)
    try:
        session.commit()
    except IntegrityError as error:  # the partial unique index caught a concurrent login
        session.rollback()
        raise Conflict(
            f"the agent is logged into queue {queue.code} already", field="queue_id"
        ) from error
    return login


def log_out_of_queue(
    session: Session, actor: Actor, agent_id: int, queue_id: int, *, clock: Clock
) -> AgentQueueLogin:
    """End the agent's open login to a queue; NotFound when there is none."""
    agent, _mover = _agent_and_mover(session, actor, agent_id)
    queue = session.get(Queue, queue_id)
    if queue is None or not can_access_client(actor, queue.client_id):
        raise NotFound(f"no queue {queue_id}", field="queue_id")
    _lock_agent(session, agent.id)
    login = _open_login(session, agent.id, queue.id)
    if login is None:
        raise NotFound(
            f"the agent {agent.display_name} is not logged into queue {queue.code}",
            field="queue_id",
        )
    login.logged_out_at = clock.now()
    session.commit()
    return login


# --- internals -----------------------------------------------------------------------------

_SYSTEM = PresenceMover.SYSTEM


def _agent_and_mover(session: Session, actor: Actor, agent_id: int) -> tuple[Agent, PresenceMover]:
    """The agent the actor may act on, and in which part (see the note at the top)."""
    if actor.is_system:
        identity_service.authorise(actor, Permission.MANAGE_AGENTS)
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound(f"no agent {agent_id}", field="agent_id")
        return agent, PresenceMover.SYSTEM
    agent = agent_service.get_agent(session, actor, agent_id)  # VIEW_AGENTS, else NotFound
    if actor.user_id == agent.user_id:
        return agent, PresenceMover.AGENT
    if not can(actor, Permission.MANAGE_AGENTS):
        raise PermissionDenied(
            "you may change only your own presence and queue logins", field="agent_id"
        )
    if not can_manage_agent(actor, agent_service.client_ids_of(session, agent)):
        raise PermissionDenied(
            "this agent also serves client organisations outside your scope", field="agent_id"
        )
    return agent, PresenceMover.SUPERVISOR


def _lock_agent(session: Session, agent_id: int) -> None:
    # Every presence move and queue login takes the agent's row first, so two requests for
    # one agent run one after the other (on SQLite, BEGIN IMMEDIATE already serialises).
    session.execute(select(Agent.id).where(Agent.id == agent_id).with_for_update())


def _locked_presence(session: Session, agent: Agent, clock: Clock) -> AgentPresence:
    presence = session.scalar(
        select(AgentPresence)
        .where(AgentPresence.agent_id == agent.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if presence is None:
        # An agent that never moved has been offline since it was created.
        presence = AgentPresence(
            agent_id=agent.id,
            state=PresenceState.OFFLINE.value,
            aux_reason=None,
            since=agent.created_at,
            updated_at=clock.now(),
        )
        session.add(presence)
    return presence


def _open_login(session: Session, agent_id: int, queue_id: int) -> AgentQueueLogin | None:
    return session.scalar(
        select(AgentQueueLogin).where(
            AgentQueueLogin.agent_id == agent_id,
            AgentQueueLogin.queue_id == queue_id,
            AgentQueueLogin.logged_out_at.is_(None),
        )
    )
