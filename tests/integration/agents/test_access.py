"""Who may see and change agents: roles, and the client scope an agent inherits from its user."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.clock import FixedClock
from helpline.errors import NotFound, PermissionDenied
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Actor, Role
from tests.support.factories import make_client, make_user
from tests.support.queues import make_agent


@pytest.fixture
def clients(session: Session, clock: FixedClock) -> tuple[ClientOrganisation, ClientOrganisation]:
    return make_client(session, clock), make_client(session, clock)


@pytest.fixture
def supervisor_a(
    session: Session, clock: FixedClock, clients: tuple[ClientOrganisation, ClientOrganisation]
) -> Actor:
    return make_user(session, clock, Role.SUPERVISOR, clients=[clients[0]])[1]


@pytest.mark.parametrize("role", [Role.PLANNER, Role.AGENT, Role.QUALITY, Role.CLIENT_VIEWER])
def test_only_supervisors_and_admins_create_agents(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    role: Role,
) -> None:
    _, actor = make_user(session, clock, role, clients=[clients[0]])
    user, _ = make_user(session, clock, Role.AGENT, clients=[clients[0]])
    with pytest.raises(PermissionDenied):
        agent_service.create_agent(session, actor, user_id=user.id, clock=clock)


def test_client_viewer_cannot_read_agents(
    session: Session, clock: FixedClock, clients: tuple[ClientOrganisation, ClientOrganisation]
) -> None:
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[clients[0]])
    with pytest.raises(PermissionDenied):
        agent_queries.list_agent_views(session, viewer)


def test_supervisor_of_a_creates_agents_of_a(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    supervisor_a: Actor,
) -> None:
    user, _ = make_user(session, clock, Role.AGENT, clients=[clients[0]])
    agent = agent_service.create_agent(session, supervisor_a, user_id=user.id, clock=clock)
    changed = agent_service.update_agent(
        session, supervisor_a, agent.id, display_name="Renamed", clock=clock
    )
    assert changed.display_name == "Renamed"


@pytest.mark.parametrize("scope", ["b", "a+b", "all"])
def test_supervisor_of_a_cannot_create_agents_beyond_a(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    supervisor_a: Actor,
    scope: str,
) -> None:
    served = {"b": [clients[1]], "a+b": list(clients), "all": []}[scope]
    user, _ = make_user(session, clock, Role.AGENT, clients=served)
    with pytest.raises(PermissionDenied):
        agent_service.create_agent(session, supervisor_a, user_id=user.id, clock=clock)


def test_agent_of_b_is_not_found_for_supervisor_of_a(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    supervisor_a: Actor,
) -> None:
    user, _ = make_user(session, clock, Role.AGENT, clients=[clients[1]])
    agent = make_agent(session, clock, user)
    with pytest.raises(NotFound):
        agent_service.get_agent(session, supervisor_a, agent.id)
    with pytest.raises(NotFound):
        agent_service.update_agent(session, supervisor_a, agent.id, is_active=False, clock=clock)
    with pytest.raises(NotFound):
        agent_service.set_agent_skills(session, supervisor_a, agent.id, [], clock=clock)
    with pytest.raises(NotFound):
        agent_service.set_agent_capacities(session, supervisor_a, agent.id, {}, clock=clock)
    assert agent.id not in {
        view.agent.id for view in agent_queries.list_agent_views(session, supervisor_a)
    }


def test_agent_serving_all_clients_is_seen_but_not_changed_by_supervisor_of_a(
    session: Session, clock: FixedClock, supervisor_a: Actor
) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    agent = make_agent(session, clock, user)
    assert agent_service.get_agent(session, supervisor_a, agent.id).id == agent.id
    with pytest.raises(PermissionDenied):
        agent_service.set_agent_capacities(session, supervisor_a, agent.id, {}, clock=clock)
    _, unscoped = make_user(session, clock, Role.SUPERVISOR)
    changed = agent_service.update_agent(session, unscoped, agent.id, is_active=False, clock=clock)
    assert not changed.is_active


def test_list_shows_agents_serving_the_actors_clients(
    session: Session,
    clock: FixedClock,
    clients: tuple[ClientOrganisation, ClientOrganisation],
    supervisor_a: Actor,
) -> None:
    of_a = make_agent(
        session, clock, make_user(session, clock, Role.AGENT, clients=[clients[0]])[0]
    )
    of_both = make_agent(
        session, clock, make_user(session, clock, Role.AGENT, clients=list(clients))[0]
    )
    of_all = make_agent(session, clock, make_user(session, clock, Role.AGENT)[0])
    make_agent(session, clock, make_user(session, clock, Role.AGENT, clients=[clients[1]])[0])
    _, planner_a = make_user(session, clock, Role.PLANNER, clients=[clients[0]])
    for actor in (supervisor_a, planner_a):
        seen = {view.agent.id for view in agent_queries.list_agent_views(session, actor)}
        assert seen == {of_a.id, of_both.id, of_all.id}
    # Of the users without a profile only the supervisor is within A alone.
    candidates = agent_queries.list_users_without_agent(session, supervisor_a)
    assert [user.id for user in candidates] == [supervisor_a.user_id]
