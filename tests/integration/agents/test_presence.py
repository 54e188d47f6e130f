"""Presence through the services: who moves whom, the history, and time per state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.agents import presence as agent_presence
from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.agents.models import Agent, AgentStateChange
from helpline.agents.rules import AuxReason, PresenceState
from helpline.clock import FixedClock
from helpline.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Actor, Role
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import make_agent, make_queue

ENGINE = Actor.system("routing")
AVL, BSY, WRP, AUX, OFF = (
    PresenceState.AVAILABLE,
    PresenceState.BUSY,
    PresenceState.WRAP_UP,
    PresenceState.AUX,
    PresenceState.OFFLINE,
)


@dataclass
class World:
    client_a: ClientOrganisation
    client_b: ClientOrganisation
    agent_a: Agent
    actor_a: Actor  # the user of agent_a
    colleague_a: Agent
    agent_b: Agent
    agent_ab: Agent
    supervisor_a: Actor


@pytest.fixture
def world(session: Session, clock: FixedClock) -> World:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    user_a, actor_a = make_user(session, clock, Role.AGENT, clients=[client_a])
    return World(
        client_a=client_a,
        client_b=client_b,
        agent_a=make_agent(session, clock, user_a),
        actor_a=actor_a,
        colleague_a=make_agent(
            session, clock, make_user(session, clock, Role.AGENT, clients=[client_a])[0]
        ),
        agent_b=make_agent(
            session, clock, make_user(session, clock, Role.AGENT, clients=[client_b])[0]
        ),
        agent_ab=make_agent(
            session,
            clock,
            make_user(session, clock, Role.AGENT, clients=[client_a, client_b])[0],
        ),
        supervisor_a=make_user(session, clock, Role.SUPERVISOR, clients=[client_a])[1],
    )


def history(session: Session, agent: Agent) -> list[AgentStateChange]:
    return list(
        session.scalars(
            select(AgentStateChange)
            .where(AgentStateChange.agent_id == agent.id)
            .order_by(AgentStateChange.id)
        )
    )


def test_agent_sets_its_own_presence_and_the_history_is_kept_in_order(
    session: Session, clock: FixedClock, world: World
) -> None:
    start = clock.now()
    moves = [(AVL, None), (AUX, AuxReason.BREAK), (AUX, AuxReason.LUNCH), (AVL, None), (OFF, None)]
    for state, reason in moves:
        presence = agent_presence.set_presence(
            session, world.actor_a, world.agent_a.id, state=state, aux_reason=reason, clock=clock
        )
        assert presence.state == state.value
        assert presence.aux_reason == (reason.value if reason else None)
        assert presence.since == clock.now()
        clock.advance(60)
    changes = history(session, world.agent_a)
    assert [(change.state, change.aux_reason) for change in changes] == [
        ("available", None),
        ("aux", "break"),
        ("aux", "lunch"),
        ("available", None),
        ("offline", None),
    ]
    assert [change.started_at for change in changes] == [
        start + timedelta(seconds=60 * index) for index in range(5)
    ]
    assert {change.actor_user_id for change in changes} == {world.actor_a.user_id}
    assert not any(change.by_system for change in changes)


def test_repeating_the_state_adds_no_history(
    session: Session, clock: FixedClock, world: World
) -> None:
    for _ in range(2):
        agent_presence.set_presence(
            session, world.actor_a, world.agent_a.id, state=AVL, clock=clock
        )
        clock.advance(30)
    assert len(history(session, world.agent_a)) == 1
    view = agent_queries.get_presence_view(session, world.actor_a, world.agent_a.id, clock=clock)
    assert view.seconds_in_state == 60


def test_agent_cannot_make_the_systems_moves(
    session: Session, clock: FixedClock, world: World
) -> None:
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=AVL, clock=clock)
    with pytest.raises(IllegalTransition, match="from available to busy"):
        agent_presence.set_presence(
            session, world.actor_a, world.agent_a.id, state=BSY, clock=clock
        )
    with pytest.raises(InvalidInput, match="missed"):
        agent_presence.set_presence(
            session,
            world.actor_a,
            world.agent_a.id,
            state=AUX,
            aux_reason=AuxReason.MISSED,
            clock=clock,
        )
    with pytest.raises(InvalidInput, match="aux needs a reason"):
        agent_presence.set_presence(
            session, world.actor_a, world.agent_a.id, state=AUX, clock=clock
        )
    assert len(history(session, world.agent_a)) == 1


def test_agent_cannot_set_another_agents_presence(
    session: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(PermissionDenied, match="only your own"):
        agent_presence.set_presence(
            session, world.actor_a, world.colleague_a.id, state=AVL, clock=clock
        )
    with pytest.raises(NotFound):
        agent_presence.set_presence(
            session, world.actor_a, world.agent_b.id, state=AVL, clock=clock
        )
    assert history(session, world.colleague_a) == []


@pytest.mark.parametrize("role", [Role.PLANNER, Role.QUALITY])
def test_viewing_roles_cannot_move_agents(
    session: Session, clock: FixedClock, world: World, role: Role
) -> None:
    _, actor = make_user(session, clock, role, clients=[world.client_a])
    with pytest.raises(PermissionDenied):
        agent_presence.set_presence(session, actor, world.agent_a.id, state=AVL, clock=clock)


def test_client_viewer_sees_no_presence(session: Session, clock: FixedClock, world: World) -> None:
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[world.client_a])
    with pytest.raises(PermissionDenied):
        agent_queries.get_presence_view(session, viewer, world.agent_a.id, clock=clock)
    with pytest.raises(PermissionDenied):
        agent_presence.set_presence(session, viewer, world.agent_a.id, state=AVL, clock=clock)


def test_supervisor_forces_states_within_scope(
    session: Session, clock: FixedClock, world: World
) -> None:
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=AVL, clock=clock)
    for state, reason in [(AUX, AuxReason.COACHING), (OFF, None)]:
        agent_presence.set_presence(
            session,
            world.supervisor_a,
            world.agent_a.id,
            state=state,
            aux_reason=reason,
            clock=clock,
        )
    changes = history(session, world.agent_a)
    assert [change.actor_user_id for change in changes] == [
        world.actor_a.user_id,
        world.supervisor_a.user_id,
        world.supervisor_a.user_id,
    ]
    with pytest.raises(IllegalTransition, match="supervisor may not move an agent from offline"):
        agent_presence.set_presence(
            session, world.supervisor_a, world.agent_a.id, state=WRP, clock=clock
        )


def test_supervisor_of_a_cannot_move_agents_beyond_a(
    session: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(NotFound):
        agent_presence.set_presence(
            session, world.supervisor_a, world.agent_b.id, state=AVL, clock=clock
        )
    with pytest.raises(PermissionDenied, match="outside your scope"):
        agent_presence.set_presence(
            session, world.supervisor_a, world.agent_ab.id, state=AVL, clock=clock
        )


def test_the_system_moves_an_agent_through_a_contact(
    session: Session, clock: FixedClock, world: World
) -> None:
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=AVL, clock=clock)
    with pytest.raises(IllegalTransition):  # not a system move
        agent_presence.set_presence(session, ENGINE, world.agent_a.id, state=OFF, clock=clock)
    for state in (BSY, BSY, WRP, AVL, BSY, AVL):
        clock.advance(10)
        agent_presence.set_presence(session, ENGINE, world.agent_a.id, state=state, clock=clock)
    clock.advance(10)
    agent_presence.set_presence(
        session, ENGINE, world.agent_a.id, state=AUX, aux_reason=AuxReason.MISSED, clock=clock
    )
    changes = history(session, world.agent_a)
    assert [change.state for change in changes] == [
        "available",
        "busy",  # the second busy is no change
        "wrap_up",
        "available",
        "busy",
        "available",
        "aux",
    ]
    assert [change.by_system for change in changes] == [False] + [True] * 6
    assert changes[-1].actor_user_id is None
    assert changes[-1].aux_reason == "missed"


def test_apply_presence_move_leaves_the_commit_to_the_caller(
    session: Session, clock: FixedClock, world: World
) -> None:
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=AVL, clock=clock)
    agent_presence.apply_presence_move(session, ENGINE, world.agent_a.id, state=BSY, clock=clock)
    session.rollback()
    view = agent_queries.get_presence_view(session, world.actor_a, world.agent_a.id, clock=clock)
    assert view.state is AVL
    assert len(history(session, world.agent_a)) == 1


def test_a_deactivated_agent_cannot_go_available(
    session: Session, clock: FixedClock, world: World
) -> None:
    agent_service.update_agent(session, SYSTEM, world.agent_a.id, is_active=False, clock=clock)
    with pytest.raises(InvalidInput, match="deactivated"):
        agent_presence.set_presence(
            session, world.actor_a, world.agent_a.id, state=AVL, clock=clock
        )


def test_unknown_agent_is_not_found(session: Session, clock: FixedClock, world: World) -> None:
    with pytest.raises(NotFound):
        agent_presence.set_presence(session, world.supervisor_a, 999_999, state=AVL, clock=clock)
    with pytest.raises(NotFound):
        agent_presence.set_presence(session, ENGINE, 999_999, state=BSY, clock=clock)


def test_going_offline_logs_out_of_every_queue(
    session: Session, clock: FixedClock, world: World
) -> None:
    queues = [make_queue(session, clock, world.client_a) for _ in range(2)]
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=AVL, clock=clock)
    logins = [
        agent_presence.log_into_queue(session, world.actor_a, world.agent_a.id, q.id, clock=clock)
        for q in queues
    ]
    clock.advance(3600)
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=OFF, clock=clock)
    assert [login.logged_out_at for login in logins] == [clock.now(), clock.now()]
    view = agent_queries.get_presence_view(session, world.actor_a, world.agent_a.id, clock=clock)
    assert view.queues == ()


# --- the board and time per state ------------------------------------------------------------


def test_presence_board_is_scoped_and_filtered_by_client(
    session: Session, clock: FixedClock, world: World
) -> None:
    agent_everywhere = make_agent(session, clock, make_user(session, clock, Role.AGENT)[0])
    queue = make_queue(session, clock, world.client_a, code="board-queue")
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=AVL, clock=clock)
    agent_presence.log_into_queue(session, world.actor_a, world.agent_a.id, queue.id, clock=clock)
    clock.advance(90)
    board = agent_queries.presence_board(session, world.supervisor_a, clock=clock)
    by_id = {view.agent_id: view for view in board}
    assert set(by_id) == {
        world.agent_a.id,
        world.colleague_a.id,
        world.agent_ab.id,
        agent_everywhere.id,
    }
    assert by_id[world.agent_a.id].state is AVL
    assert by_id[world.agent_a.id].seconds_in_state == 90
    assert [login.queue_code for login in by_id[world.agent_a.id].queues] == ["board-queue"]
    never_moved = by_id[world.colleague_a.id]
    assert never_moved.state is OFF
    assert never_moved.since == world.colleague_a.created_at
    on_b = agent_queries.presence_board(session, SYSTEM, client_id=world.client_b.id, clock=clock)
    assert {view.agent_id for view in on_b} == {
        world.agent_b.id,
        world.agent_ab.id,
        agent_everywhere.id,
    }
    with pytest.raises(PermissionDenied):
        agent_queries.presence_board(
            session, world.supervisor_a, client_id=world.client_b.id, clock=clock
        )


def test_agent_state_seconds(session: Session, clock: FixedClock, world: World) -> None:
    start = clock.now()
    clock.advance(600)  # offline for ten minutes
    agent_presence.set_presence(session, world.actor_a, world.agent_a.id, state=AVL, clock=clock)
    clock.advance(300)
    agent_presence.set_presence(session, ENGINE, world.agent_a.id, state=BSY, clock=clock)
    clock.advance(120)
    agent_presence.set_presence(session, ENGINE, world.agent_a.id, state=WRP, clock=clock)
    clock.advance(30)
    agent_presence.set_presence(session, ENGINE, world.agent_a.id, state=AVL, clock=clock)
    clock.advance(150)
    seconds = agent_queries.agent_state_seconds(
        session, world.supervisor_a, world.agent_a.id, start, clock.now()
    )
    assert seconds == {OFF: 600, AVL: 450, BSY: 120, WRP: 30, AUX: 0}
    # A period that opens mid-way starts in the state then in force.
    later = agent_queries.agent_state_seconds(
        session, world.actor_a, world.agent_a.id, start + timedelta(seconds=960), clock.now()
    )
    assert later == {OFF: 0, AVL: 150, BSY: 60, WRP: 30, AUX: 0}


def test_agent_state_seconds_refusals(session: Session, clock: FixedClock, world: World) -> None:
    now = clock.now()
    with pytest.raises(InvalidInput, match="31 days"):
        agent_queries.agent_state_seconds(
            session, world.supervisor_a, world.agent_a.id, now - timedelta(days=32), now
        )
    with pytest.raises(InvalidInput, match="after start"):
        agent_queries.agent_state_seconds(session, world.supervisor_a, world.agent_a.id, now, now)
    with pytest.raises(NotFound):
        agent_queries.agent_state_seconds(
            session, world.supervisor_a, world.agent_b.id, now - timedelta(hours=1), now
        )
