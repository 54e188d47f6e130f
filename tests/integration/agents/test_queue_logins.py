"""Queue logins: the training gate (R-HR-3), client scope, one open login per queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents import queries as agent_queries
from helpline.agents.models import Agent, AgentQueueLogin
from helpline.agents.rules import AuxReason, PresenceState
from helpline.clock import FixedClock
from helpline.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Actor, Role
from helpline.queues import service as queue_service
from helpline.queues.models import Queue
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import go_available, make_agent, make_queue, make_training


@dataclass
class World:
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    agent: Agent
    me: Actor  # the agent's own user
    queue: Queue  # client A, no course required
    gated: Queue  # client A, requires data-protection
    queue_b: Queue


@pytest.fixture
def world(session: Session, clock: FixedClock) -> World:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    user, me = make_user(session, clock, Role.AGENT, clients=[client_a])
    return World(
        client_a=client_a,
        client_b=client_b,
        agent=make_agent(session, clock, user),
        me=me,
        queue=make_queue(session, clock, client_a),
        gated=make_queue(session, clock, client_a, required_training_code=" Data-Protection "),
        queue_b=make_queue(session, clock, client_b),
    )


def log_in(session: Session, clock: FixedClock, actor: Actor, agent: Agent, queue: Queue) -> int:
    login = agent_presence.log_into_queue(session, actor, agent.id, queue.id, clock=clock)
    return login.id


def test_queue_keeps_its_required_course_normalised(
    session: Session, clock: FixedClock, world: World
) -> None:
    assert world.gated.required_training_code == "data-protection"
    assert world.queue.required_training_code is None
    changed = queue_service.update_queue(
        session, SYSTEM, world.queue.id, required_training_code="NDA", clock=clock
    )
    assert changed.required_training_code == "nda"
    cleared = queue_service.update_queue(
        session, SYSTEM, world.queue.id, required_training_code=None, clock=clock
    )
    assert cleared.required_training_code is None
    with pytest.raises(InvalidInput) as refused:
        queue_service.update_queue(
            session, SYSTEM, world.queue.id, required_training_code="no spaces", clock=clock
        )
    assert refused.value.field == "required_training_code"


def test_offline_agent_cannot_log_in(session: Session, clock: FixedClock, world: World) -> None:
    with pytest.raises(IllegalTransition, match="offline"):
        log_in(session, clock, world.me, world.agent, world.queue)
    go_available(session, clock, world.agent)
    agent_presence.set_presence(
        session,
        world.me,
        world.agent.id,
        state=PresenceState.AUX,
        aux_reason=AuxReason.MEETING,
        clock=clock,
    )
    log_in(session, clock, world.me, world.agent, world.queue)  # aux is logged on


def test_training_gate_refuses_then_accepts_after_a_record(
    session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent)
    with pytest.raises(PermissionDenied, match="training course data-protection") as refused:
        log_in(session, clock, world.me, world.agent, world.gated)
    assert refused.value.field == "queue_id"
    make_training(session, clock, world.agent, "first-aid")  # another course does not count
    with pytest.raises(PermissionDenied):
        log_in(session, clock, world.me, world.agent, world.gated)
    make_training(session, clock, world.agent, "data-protection")
    log_in(session, clock, world.me, world.agent, world.gated)
    view = agent_queries.get_presence_view(session, world.me, world.agent.id, clock=clock)
    assert [login.queue_id for login in view.queues] == [world.gated.id]


def test_expired_training_refuses_the_next_login_but_ends_none(
    session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent)
    make_training(
        session,
        clock,
        world.agent,
        "data-protection",
        completed_at=clock.now() - timedelta(days=300),
        expires_at=clock.now() + timedelta(hours=1),
    )
    log_in(session, clock, world.me, world.agent, world.gated)
    clock.advance(3600)  # the record expires now
    view = agent_queries.get_presence_view(session, world.me, world.agent.id, clock=clock)
    assert [login.queue_id for login in view.queues] == [world.gated.id]  # not retroactive
    agent_presence.log_out_of_queue(session, world.me, world.agent.id, world.gated.id, clock=clock)
    with pytest.raises(PermissionDenied, match="data-protection"):
        log_in(session, clock, world.me, world.agent, world.gated)
    make_training(session, clock, world.agent, "data-protection")  # refreshed
    log_in(session, clock, world.me, world.agent, world.gated)


def test_agent_must_serve_the_queues_client(
    session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent)
    # The agent cannot see client B's queue: answered like a missing one.
    with pytest.raises(InvalidInput, match=f"no queue {world.queue_b.id}"):
        log_in(session, clock, world.me, world.agent, world.queue_b)
    # A supervisor of every client sees the queue, but the agent does not serve B.
    _, supervisor = make_user(session, clock, Role.SUPERVISOR)
    with pytest.raises(PermissionDenied, match="does not serve"):
        log_in(session, clock, supervisor, world.agent, world.queue_b)
    with pytest.raises(InvalidInput):
        agent_presence.log_into_queue(session, supervisor, world.agent.id, 999_999, clock=clock)


def test_other_actors_and_scopes(session: Session, clock: FixedClock, world: World) -> None:
    go_available(session, clock, world.agent)
    colleague, colleague_actor = make_user(session, clock, Role.AGENT, clients=[world.client_a])
    make_agent(session, clock, colleague)
    with pytest.raises(PermissionDenied, match="only your own"):
        log_in(session, clock, colleague_actor, world.agent, world.queue)
    _, supervisor_b = make_user(session, clock, Role.SUPERVISOR, clients=[world.client_b])
    with pytest.raises(NotFound):
        log_in(session, clock, supervisor_b, world.agent, world.queue)
    _, supervisor_a = make_user(session, clock, Role.SUPERVISOR, clients=[world.client_a])
    log_in(session, clock, supervisor_a, world.agent, world.queue)
    agent_presence.log_out_of_queue(
        session, supervisor_a, world.agent.id, world.queue.id, clock=clock
    )


def test_one_open_login_per_queue(session: Session, clock: FixedClock, world: World) -> None:
    go_available(session, clock, world.agent)
    log_in(session, clock, world.me, world.agent, world.queue)
    with pytest.raises(Conflict, match="already"):
        log_in(session, clock, world.me, world.agent, world.queue)
    clock.advance(60)
    agent_presence.log_out_of_queue(session, world.me, world.agent.id, world.queue.id, clock=clock)
    with pytest.raises(NotFound, match="not logged into"):
        agent_presence.log_out_of_queue(
            session, world.me, world.agent.id, world.queue.id, clock=clock
        )
    log_in(session, clock, world.me, world.agent, world.queue)  # a new period


def test_the_database_refuses_a_second_open_login(
    session: Session, clock: FixedClock, world: World
) -> None:
    now = clock.now()
    session.add(AgentQueueLogin(agent_id=world.agent.id, queue_id=world.queue.id, logged_in_at=now))
    session.add(
        AgentQueueLogin(
            agent_id=world.agent.id, queue_id=world.queue.id, logged_in_at=now, logged_out_at=now
        )
    )
    session.flush()  # closed periods may repeat
    session.add(AgentQueueLogin(agent_id=world.agent.id, queue_id=world.queue.id, logged_in_at=now))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_inactive_queue_and_unknown_queue(
    session: Session, clock: FixedClock, world: World
) -> None:
    go_available(session, clock, world.agent)
    queue_service.update_queue(session, SYSTEM, world.queue.id, is_active=False, clock=clock)
    with pytest.raises(InvalidInput, match="inactive"):
        log_in(session, clock, world.me, world.agent, world.queue)
    with pytest.raises(NotFound):
        agent_presence.log_out_of_queue(session, world.me, world.agent.id, 999_999, clock=clock)


def test_login_choices_show_the_gate(session: Session, clock: FixedClock, world: World) -> None:
    go_available(session, clock, world.agent)
    log_in(session, clock, world.me, world.agent, world.queue)
    choices = {
        choice.queue.id: choice
        for choice in agent_queries.queue_login_choices(
            session, world.me, world.agent.id, clock=clock
        )
    }
    assert set(choices) == {world.queue.id, world.gated.id}
    assert choices[world.queue.id].is_logged_in
    assert choices[world.gated.id].required_training_code == "data-protection"
    assert not choices[world.gated.id].has_training
