"""Unit tests for skill codes and levels, capacity per channel and the agent scope rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.agents.rules import (
    DEFAULT_CAPACITY_BY_CHANNEL,
    MAX_CAPACITY_BY_CHANNEL,
    NO_CAPACITY,
    can_manage_agent,
    is_agent_visible_to,
    parse_channel,
    resolve_capacities,
    validate_capacity,
    validate_skill_code,
    validate_skill_level,
    validate_skill_levels,
)
from helpline.contacts.rules import Channel
from helpline.errors import InvalidInput
from helpline.identity.rules import Actor, Role


def actor(role: Role = Role.SUPERVISOR, clients: frozenset[int] = frozenset()) -> Actor:
    return Actor(user_id=1, label="someone", role=role, client_ids=clients)


@pytest.mark.parametrize("level", [1, 3, 5])
def test_levels_in_range(level: int) -> None:
    assert validate_skill_level(level) == level


@pytest.mark.parametrize("level", [0, 6, -1])
def test_levels_out_of_range(level: int) -> None:
    with pytest.raises(InvalidInput):
        validate_skill_level(level)


@pytest.mark.parametrize(
    ("raw", "expected"), [(" Billing ", "billing"), ("lang-tr", "lang-tr"), ("a_1", "a_1")]
)
def test_skill_codes_normalise(raw: str, expected: str) -> None:
    assert validate_skill_code(raw) == expected


@pytest.mark.parametrize("raw", ["x", "-lead", "has space", "a" * 41, "ümlaut", "a\nb"])
def test_bad_skill_codes(raw: str) -> None:
    with pytest.raises(InvalidInput):
        validate_skill_code(raw)


def test_skill_levels_map_codes_once() -> None:
    assert validate_skill_levels([("Billing", 2), ("lang-tr", 5)]) == {"billing": 2, "lang-tr": 5}
    with pytest.raises(InvalidInput, match="twice"):
        validate_skill_levels([("billing", 2), ("BILLING", 3)])
    with pytest.raises(InvalidInput, match="billing: a skill level") as caught:
        validate_skill_levels([("billing", 9)])
    assert caught.value.field == "skills"


def test_too_many_skills() -> None:
    with pytest.raises(InvalidInput, match="at most"):
        validate_skill_levels((f"skill-{number}", 1) for number in range(101))


def test_capacity_ceiling_per_channel() -> None:
    assert validate_capacity(Channel.VOICE, 1) == 1
    with pytest.raises(InvalidInput, match="voice is from 0 to 1"):
        validate_capacity(Channel.VOICE, 2)
    with pytest.raises(InvalidInput):
        validate_capacity(Channel.EMAIL, -1)


def test_defaults_fit_under_the_ceilings() -> None:
    for channel in Channel:
        assert 0 <= DEFAULT_CAPACITY_BY_CHANNEL[channel] <= MAX_CAPACITY_BY_CHANNEL[channel]


def test_resolve_capacities_fills_every_channel() -> None:
    assert resolve_capacities({"chat": 5}, base=DEFAULT_CAPACITY_BY_CHANNEL) == {
        Channel.VOICE: 1,
        Channel.CHAT: 5,
        Channel.EMAIL: 5,
    }
    assert resolve_capacities({Channel.EMAIL: 2}, base=NO_CAPACITY) == {
        Channel.VOICE: 0,
        Channel.CHAT: 0,
        Channel.EMAIL: 2,
    }
    with pytest.raises(InvalidInput, match="unknown channel 'fax'"):
        resolve_capacities({"fax": 1}, base=NO_CAPACITY)


@given(st.dictionaries(st.sampled_from(list(Channel)), st.integers(-5, 30)))
def test_resolved_capacities_are_always_within_bounds(given_values: dict[Channel, int]) -> None:
    try:
        resolved = resolve_capacities(given_values, base=DEFAULT_CAPACITY_BY_CHANNEL)
    except InvalidInput:
        assert any(
            not 0 <= value <= MAX_CAPACITY_BY_CHANNEL[channel]
            for channel, value in given_values.items()
        )
        return
    assert set(resolved) == set(Channel)
    assert all(0 <= resolved[channel] <= MAX_CAPACITY_BY_CHANNEL[channel] for channel in Channel)


def test_parse_channel() -> None:
    assert parse_channel(" Voice ") is Channel.VOICE
    with pytest.raises(InvalidInput) as caught:
        parse_channel("sms", "capacities")
    assert caught.value.field == "capacities"


@pytest.mark.parametrize(
    ("actor_clients", "agent_clients", "visible", "manageable"),
    [
        (frozenset(), frozenset(), True, True),  # unscoped supervisor: everything
        (frozenset(), frozenset({2}), True, True),
        (frozenset({1}), frozenset({1}), True, True),
        (frozenset({1, 2}), frozenset({1}), True, True),
        (frozenset({1}), frozenset({1, 2}), True, False),  # also serves B
        (frozenset({1}), frozenset(), True, False),  # serves every client
        (frozenset({1}), frozenset({2}), False, False),
    ],
)
def test_agent_scope(
    actor_clients: frozenset[int],
    agent_clients: frozenset[int],
    visible: bool,
    manageable: bool,
) -> None:
    supervisor = actor(clients=actor_clients)
    assert is_agent_visible_to(supervisor, agent_clients) is visible
    assert can_manage_agent(supervisor, agent_clients) is manageable


def test_admin_and_system_manage_every_agent() -> None:
    assert can_manage_agent(actor(Role.ADMIN), frozenset({7}))
    assert can_manage_agent(Actor.system("tests"), frozenset())
