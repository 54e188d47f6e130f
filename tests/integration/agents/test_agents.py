"""Agent profiles: who may have one, skills with levels, capacity per channel."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.agents.rules import DEFAULT_CAPACITY_BY_CHANNEL
from helpline.clock import FixedClock
from helpline.errors import Conflict, InvalidInput
from helpline.identity import queries as identity_queries
from helpline.identity import service as identity_service
from helpline.identity.rules import Role
from tests.support.factories import SYSTEM, make_user
from tests.support.queues import make_agent, make_skill

DEFAULTS = {channel.value: value for channel, value in DEFAULT_CAPACITY_BY_CHANNEL.items()}


def test_create_agent_with_defaults(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    agent = agent_service.create_agent(session, SYSTEM, user_id=user.id, clock=clock)
    view = agent_queries.get_agent_view(session, SYSTEM, agent.id)
    assert agent.display_name == user.display_name
    assert agent.is_active
    assert view.capacities == DEFAULTS
    assert view.skills == []
    assert view.email == user.email
    assert view.client_ids == frozenset()


def test_create_agent_with_skills_languages_and_capacities(
    session: Session, clock: FixedClock
) -> None:
    make_skill(session, clock, "billing")
    make_skill(session, clock, "lang-tr", language_code="tr")
    make_skill(session, clock, "lang-ru", language_code="ru")
    user, _ = make_user(session, clock, Role.SUPERVISOR)
    agent = agent_service.create_agent(
        session,
        SYSTEM,
        user_id=user.id,
        display_name="  Ayşe Y. ",
        skills=[("billing", 3), ("LANG-TR", 5), ("lang-ru", 2)],
        capacities={"chat": 6},
        clock=clock,
    )
    view = agent_queries.get_agent_view(session, SYSTEM, agent.id)
    assert agent.display_name == "Ayşe Y."
    assert [(link.skill.code, link.level) for link in view.skills] == [
        ("billing", 3),
        ("lang-ru", 2),
        ("lang-tr", 5),
    ]
    assert view.languages == ["ru", "tr"]
    assert view.capacities == {"voice": 1, "chat": 6, "email": 5}


@pytest.mark.parametrize("role", [Role.PLANNER, Role.QUALITY, Role.ADMIN])
def test_only_agents_and_supervisors_get_a_profile(
    session: Session, clock: FixedClock, role: Role
) -> None:
    user, _ = make_user(session, clock, role)
    with pytest.raises(InvalidInput, match="only agents and supervisors") as caught:
        agent_service.create_agent(session, SYSTEM, user_id=user.id, clock=clock)
    assert caught.value.field == "user_id"


def test_unknown_or_deactivated_user_is_refused(session: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput, match="no user"):
        agent_service.create_agent(session, SYSTEM, user_id=999_999, clock=clock)
    user, _ = make_user(session, clock, Role.AGENT)
    identity_service.set_user_active(session, SYSTEM, user.id, is_active=False)
    with pytest.raises(InvalidInput, match="deactivated"):
        agent_service.create_agent(session, SYSTEM, user_id=user.id, clock=clock)


def test_one_agent_per_user(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    make_agent(session, clock, user)
    with pytest.raises(Conflict) as caught:
        agent_service.create_agent(session, SYSTEM, user_id=user.id, clock=clock)
    assert caught.value.field == "user_id"


@pytest.mark.parametrize(
    ("skills", "message"),
    [
        ([("nosuch", 2)], "unknown skill nosuch"),
        ([("billing", 2), ("billing", 3)], "named twice"),
        ([("billing", 0)], "from 1 to 5"),
        ([("billing", 6)], "from 1 to 5"),
    ],
)
def test_bad_skills_are_refused(
    session: Session, clock: FixedClock, skills: list[tuple[str, int]], message: str
) -> None:
    make_skill(session, clock, "billing")
    user, _ = make_user(session, clock, Role.AGENT)
    with pytest.raises(InvalidInput, match=message) as caught:
        agent_service.create_agent(session, SYSTEM, user_id=user.id, skills=skills, clock=clock)
    assert caught.value.field == "skills"


@pytest.mark.parametrize(
    "capacities",
    [{"voice": 2}, {"chat": 9}, {"email": 21}, {"chat": -1}, {"fax": 1}],
)
def test_capacities_are_bounded_per_channel(
    session: Session, clock: FixedClock, capacities: dict[str, int]
) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    with pytest.raises(InvalidInput) as caught:
        agent_service.create_agent(
            session, SYSTEM, user_id=user.id, capacities=capacities, clock=clock
        )
    assert caught.value.field == "capacities"


def test_capacity_upper_bounds_are_accepted(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    agent = make_agent(session, clock, user, capacities={"voice": 0, "chat": 8, "email": 20})
    view = agent_queries.get_agent_view(session, SYSTEM, agent.id)
    assert view.capacities == {"voice": 0, "chat": 8, "email": 20}


def test_set_skills_replaces_them(session: Session, clock: FixedClock) -> None:
    for code in ("billing", "sales", "complaints"):
        make_skill(session, clock, code)
    user, _ = make_user(session, clock, Role.AGENT)
    agent = make_agent(session, clock, user, skills=[("billing", 2), ("sales", 4)])
    clock.advance(30)
    agent_service.set_agent_skills(
        session, SYSTEM, agent.id, [("billing", 5), ("complaints", 1)], clock=clock
    )
    session.expire_all()
    view = agent_queries.get_agent_view(session, SYSTEM, agent.id)
    assert [(link.skill.code, link.level) for link in view.skills] == [
        ("billing", 5),
        ("complaints", 1),
    ]
    assert view.agent.updated_at == clock.now()
    entries = identity_queries.list_audit_entries(
        session, SYSTEM, subject_type="agent", subject_id=agent.id
    )
    assert entries[0].detail["skills"] == [
        {"billing": 2, "sales": 4},
        {"billing": 5, "complaints": 1},
    ]


def test_set_capacities_gives_unnamed_channels_zero(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    agent = make_agent(session, clock, user)
    agent_service.set_agent_capacities(session, SYSTEM, agent.id, {"email": 12}, clock=clock)
    session.expire_all()
    view = agent_queries.get_agent_view(session, SYSTEM, agent.id)
    assert view.capacities == {"voice": 0, "chat": 0, "email": 12}
    with pytest.raises(InvalidInput):
        agent_service.set_agent_capacities(session, SYSTEM, agent.id, {"voice": 5}, clock=clock)


def test_update_agent_name_and_activity(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock, Role.AGENT)
    agent = make_agent(session, clock, user)
    updated = agent_service.update_agent(
        session, SYSTEM, agent.id, display_name="Deniz", is_active=False, clock=clock
    )
    assert (updated.display_name, updated.is_active) == ("Deniz", False)
    with pytest.raises(InvalidInput) as caught:
        agent_service.update_agent(session, SYSTEM, agent.id, display_name="  ", clock=clock)
    assert caught.value.field == "display_name"


def test_users_without_agent_lists_candidates(session: Session, clock: FixedClock) -> None:
    taken, _ = make_user(session, clock, Role.AGENT)
    free, _ = make_user(session, clock, Role.SUPERVISOR)
    make_user(session, clock, Role.PLANNER)
    make_agent(session, clock, taken)
    candidates = agent_queries.list_users_without_agent(session, SYSTEM)
    assert [user.id for user in candidates] == [free.id]
