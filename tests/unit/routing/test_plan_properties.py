"""Property tests of the routing planner: capacity, eligibility, order, determinism."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.contacts.rules import Channel
from helpline.routing.rules import (
    RELAXED_MINIMUM_LEVEL,
    Assignment,
    AvailableAgent,
    WaitingContact,
    agent_rank_key,
    is_eligible,
    is_relaxed,
    next_assignment,
    plan_assignments,
    queue_position,
    routing_key,
)

BASE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOW = BASE + timedelta(minutes=10)
QUEUES = (1, 2, 3)
SKILLS = (1, 2, 3)
LANGUAGES = ("en", "tr", "ru")

# Coarse times and small pools make ties (same arrival, same idle time, same score) common,
# so the tie-breaks are exercised, not just the happy orderings. Rows of plain values are
# drawn and turned into objects afterwards: far cheaper to generate than nested strategies.
STEP_SECONDS = 30
steps = st.integers(min_value=0, max_value=20)
# Per skill: 0 means not required; otherwise the minimum level.
required_levels = st.tuples(*[st.sampled_from([0, 0, 0, 0, 0, 1, 2, 3, 5])] * len(SKILLS))
# Per skill: 0 means the agent lacks it; otherwise its level.
agent_levels = st.tuples(*[st.integers(min_value=0, max_value=5)] * len(SKILLS))
language_sets = [
    frozenset(chosen)
    for size in range(len(LANGUAGES) + 1)
    for chosen in combinations(LANGUAGES, size)
]
queue_sets = [
    frozenset(chosen) for size in range(len(QUEUES) + 1) for chosen in combinations(QUEUES, size)
]

ContactRow = tuple[int, Channel, int, int, int, tuple[int, ...], str | None, int | None]
AgentRow = tuple[tuple[int, ...], frozenset[str], tuple[int, ...], int, frozenset[int]]

contact_rows: st.SearchStrategy[ContactRow] = st.tuples(
    st.sampled_from(QUEUES),
    st.sampled_from(Channel),
    st.integers(min_value=0, max_value=2),  # priority
    steps,  # arrival
    st.sampled_from([0, 0, 30, 120]),  # seconds from arrival to this queue (transfers, callbacks)
    required_levels,
    st.sampled_from([None, *LANGUAGES]),
    st.sampled_from([None, 0, 60, 300, 900]),  # relaxation time
)
agent_rows: st.SearchStrategy[AgentRow] = st.tuples(
    agent_levels,
    st.sampled_from(language_sets),
    st.tuples(*[st.integers(min_value=0, max_value=3)] * len(Channel)),  # free capacity
    steps,  # idle since
    st.sampled_from(queue_sets),
)


def levels_by_skill(levels: tuple[int, ...]) -> dict[int, int]:
    return {skill: level for skill, level in zip(SKILLS, levels, strict=True) if level}


def contact_from(row: ContactRow, contact_id: int) -> WaitingContact:
    queue_id, channel, priority, step, queued_after, required, language, relax = row
    arrived_at = BASE + timedelta(seconds=STEP_SECONDS * step)
    return WaitingContact(
        contact_id=contact_id,
        queue_id=queue_id,
        channel=channel,
        priority=priority,
        arrived_at=arrived_at,
        queued_at=min(arrived_at + timedelta(seconds=queued_after), NOW),
        required_skills=levels_by_skill(required),
        language=language,
        relax_after_seconds=relax,
    )


def agent_from(row: AgentRow, agent_id: int) -> AvailableAgent:
    levels, languages, capacities, step, queue_ids = row
    return AvailableAgent(
        agent_id=agent_id,
        skills=levels_by_skill(levels),
        languages=languages,
        free_capacity=dict(zip(Channel, capacities, strict=True)),
        idle_since=BASE + timedelta(seconds=STEP_SECONDS * step),
        queue_ids=queue_ids,
    )


def unique_ids(size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(
        st.integers(min_value=1, max_value=10_000), min_size=size, max_size=size, unique=True
    )


@st.composite
def routing_inputs(draw: st.DrawFn) -> tuple[list[WaitingContact], list[AvailableAgent]]:
    """1 to 25 contacts over 3 queues and 1 to 8 agents, with unique ids in random order."""
    contact_data = draw(st.lists(contact_rows, min_size=1, max_size=25))
    agent_data = draw(st.lists(agent_rows, min_size=1, max_size=8))
    contact_ids = draw(unique_ids(len(contact_data)))
    agent_ids = draw(unique_ids(len(agent_data)))
    contacts = [contact_from(*pair) for pair in zip(contact_data, contact_ids, strict=True)]
    agents = [agent_from(*pair) for pair in zip(agent_data, agent_ids, strict=True)]
    return contacts, agents


def reference_plan(
    contacts: Sequence[WaitingContact], agents: Sequence[AvailableAgent], now: datetime
) -> list[Assignment]:
    """The policy read literally: every contact in line order scans every agent."""
    free = {
        (agent.agent_id, channel): agent.free_capacity.get(channel, 0)
        for agent in agents
        for channel in Channel
    }
    plan = []
    for contact in sorted(contacts, key=routing_key):
        options = [
            agent
            for agent in agents
            if is_eligible(contact, agent, now) and free[agent.agent_id, contact.channel] > 0
        ]
        if options:
            best = min(options, key=lambda agent: agent_rank_key(contact, agent))
            free[best.agent_id, contact.channel] -= 1
            # Voice is exclusive: it closes every other channel, and they close voice.
            closed = (
                [other for other in Channel if other is not Channel.VOICE]
                if contact.channel is Channel.VOICE
                else [Channel.VOICE]
            )
            for other in closed:
                free[best.agent_id, other] = 0
            plan.append(Assignment(contact.contact_id, best.agent_id))
    return plan


def capacity_left(agent: AvailableAgent, used: Counter[tuple[int, Channel]]) -> dict[Channel, int]:
    """The agent's free capacity after a plan, with voice exclusive of every other channel."""
    left = {
        channel: agent.free_capacity.get(channel, 0) - used[agent.agent_id, channel]
        for channel in Channel
    }
    if used[agent.agent_id, Channel.VOICE]:
        return dict.fromkeys(Channel, 0)
    if any(used[agent.agent_id, channel] for channel in Channel if channel is not Channel.VOICE):
        left[Channel.VOICE] = 0
    return left


def used_capacity(
    plan: Sequence[Assignment], contacts: Sequence[WaitingContact]
) -> Counter[tuple[int, Channel]]:
    channel_of = {contact.contact_id: contact.channel for contact in contacts}
    return Counter((item.agent_id, channel_of[item.contact_id]) for item in plan)


PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_no_agent_takes_more_of_a_channel_than_its_free_capacity(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    contacts, agents = inputs
    used = used_capacity(plan_assignments(contacts, agents, NOW), contacts)
    for agent in agents:
        for channel in Channel:
            assert used[agent.agent_id, channel] <= agent.free_capacity.get(channel, 0)


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_voice_is_never_planned_alongside_another_channel(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    """Voice is exclusive: an agent given a call gets nothing else, and one given a chat or
    e-mail gets no call; capacity still holds channel by channel."""
    contacts, agents = inputs
    used = used_capacity(plan_assignments(contacts, agents, NOW), contacts)
    for agent in agents:
        channels = {channel for channel in Channel if used[agent.agent_id, channel]}
        assert Channel.VOICE not in channels or channels == {Channel.VOICE}
        assert used[agent.agent_id, Channel.VOICE] <= 1 or agent.free_capacity[Channel.VOICE] > 1
        for channel in Channel:
            assert used[agent.agent_id, channel] <= agent.free_capacity.get(channel, 0)


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_without_exclusive_channels_every_channel_is_independent(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    """exclusive_channels=frozenset() plans each channel on its own capacity."""
    contacts, agents = inputs
    plan = plan_assignments(contacts, agents, NOW, exclusive_channels=frozenset())
    used = used_capacity(plan, contacts)
    assigned = {item.contact_id for item in plan}
    for contact in contacts:
        if contact.contact_id in assigned:
            continue
        for agent in agents:
            if is_eligible(contact, agent, NOW):
                left = (
                    agent.free_capacity.get(contact.channel, 0)
                    - used[agent.agent_id, contact.channel]
                )
                assert left == 0, (contact, agent)


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_every_contact_goes_to_an_agent_with_the_skills_language_and_queue(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    """R-HR-1 skills at the (possibly relaxed) level, R-ACCESS-8 language, R-HR-3 queue login."""
    contacts, agents = inputs
    contact_by_id = {contact.contact_id: contact for contact in contacts}
    agent_by_id = {agent.agent_id: agent for agent in agents}
    for item in plan_assignments(contacts, agents, NOW):
        contact, agent = contact_by_id[item.contact_id], agent_by_id[item.agent_id]
        assert contact.queue_id in agent.queue_ids
        assert contact.language is None or contact.language in agent.languages
        relaxed = is_relaxed(contact, NOW)
        for skill_id, minimum in contact.required_skills.items():
            wanted = RELAXED_MINIMUM_LEVEL if relaxed else minimum
            assert agent.skills.get(skill_id, 0) >= wanted
        assert is_eligible(contact, agent, NOW)


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_no_contact_waits_while_an_eligible_agent_has_capacity_left(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    contacts, agents = inputs
    plan = plan_assignments(contacts, agents, NOW)
    used = used_capacity(plan, contacts)
    assigned = {item.contact_id for item in plan}
    for contact in contacts:
        if contact.contact_id in assigned:
            continue
        for agent in agents:
            if is_eligible(contact, agent, NOW):
                assert capacity_left(agent, used)[contact.channel] == 0, (contact, agent)


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_line_order_is_respected(inputs: tuple[list[WaitingContact], list[AvailableAgent]]) -> None:
    """Priority first, then the longest wait: nobody later in line takes what an earlier one could.

    A contact left waiting was not passed over: no agent eligible for it took a contact of the
    same channel that stands behind it in line (that agent still had room at its turn). An
    assigned contact got the best agent that still had room: no agent it could have had and
    that ranks better for it took a later contact of its channel.
    """
    contacts, agents = inputs
    plan = plan_assignments(contacts, agents, NOW)
    contact_by_id = {contact.contact_id: contact for contact in contacts}
    agent_by_id = {agent.agent_id: agent for agent in agents}
    agent_of = {item.contact_id: agent_by_id[item.agent_id] for item in plan}
    assert [routing_key(contact_by_id[item.contact_id]) for item in plan] == sorted(
        routing_key(contact_by_id[item.contact_id]) for item in plan
    )
    for earlier in contacts:
        for item in plan:
            later = contact_by_id[item.contact_id]
            taker = agent_by_id[item.agent_id]
            if routing_key(later) <= routing_key(earlier) or later.channel != earlier.channel:
                continue
            if not is_eligible(earlier, taker, NOW):
                continue
            served_by = agent_of.get(earlier.contact_id)
            assert served_by is not None, (earlier, later, taker)
            assert agent_rank_key(earlier, served_by) <= agent_rank_key(earlier, taker)


@PROPERTY_SETTINGS
@given(routing_inputs(), st.data())
def test_the_plan_does_not_depend_on_the_order_of_the_inputs(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]], data: st.DataObject
) -> None:
    contacts, agents = inputs
    shuffled_contacts = data.draw(st.permutations(contacts))
    shuffled_agents = data.draw(st.permutations(agents))
    assert plan_assignments(shuffled_contacts, shuffled_agents, NOW) == plan_assignments(
        contacts, agents, NOW
    )


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_each_contact_is_assigned_at_most_once(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    contacts, agents = inputs
    plan = plan_assignments(contacts, agents, NOW)
    assigned = [item.contact_id for item in plan]
    assert len(assigned) == len(set(assigned))
    assert set(assigned) <= {contact.contact_id for contact in contacts}
    assert {item.agent_id for item in plan} <= {agent.agent_id for agent in agents}


@PROPERTY_SETTINGS
@given(routing_inputs())
def test_the_plan_equals_the_policy_read_literally(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    """The indexed planner (cursors, skipped signatures, early stop) changes speed, not choices."""
    contacts, agents = inputs
    assert plan_assignments(contacts, agents, NOW) == reference_plan(contacts, agents, NOW)


@settings(max_examples=150, deadline=None)
@given(routing_inputs(), st.integers(min_value=0, max_value=6))
def test_a_limited_plan_is_the_head_of_the_full_plan(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]], limit: int
) -> None:
    contacts, agents = inputs
    full = plan_assignments(contacts, agents, NOW)
    assert plan_assignments(contacts, agents, NOW, limit=limit) == full[:limit]
    assert next_assignment(contacts, agents, NOW) == (full[0] if full else None)


def after_plan(
    contacts: Sequence[WaitingContact], agents: Sequence[AvailableAgent]
) -> tuple[list[WaitingContact], list[AvailableAgent]]:
    """The contacts still waiting and the agents with the capacity they have left."""
    plan = plan_assignments(contacts, agents, NOW)
    used = used_capacity(plan, contacts)
    assigned = {item.contact_id for item in plan}
    left = [
        replace(
            agent,
            free_capacity=capacity_left(agent, used),
        )
        for agent in agents
    ]
    return [contact for contact in contacts if contact.contact_id not in assigned], left


@settings(max_examples=150, deadline=None)
@given(routing_inputs(), agent_rows, contact_rows)
def test_routing_one_freed_agent_or_one_arrival_equals_routing_everything(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
    freed_row: AgentRow,
    arrival_row: ContactRow,
) -> None:
    """The engine's small calls lose nothing against planning everything again.

    After a plan, planning for one agent who becomes free, or for one contact that arrives,
    gives what a plan over every waiting contact and every agent would give.
    """
    waiting, agents = after_plan(*inputs)
    freed = agent_from(freed_row, agent_id=20_000)
    arrival = contact_from(arrival_row, contact_id=20_000)

    assert plan_assignments(waiting, [freed], NOW) == plan_assignments(
        waiting, [*agents, freed], NOW
    )
    assert plan_assignments([arrival], agents, NOW) == plan_assignments(
        [*waiting, arrival], agents, NOW
    )


@settings(max_examples=150, deadline=None)
@given(routing_inputs())
def test_queue_positions_number_each_queue_in_line_order(
    inputs: tuple[list[WaitingContact], list[AvailableAgent]],
) -> None:
    contacts, _ = inputs
    for queue_id in QUEUES:
        in_queue = sorted(
            (contact for contact in contacts if contact.queue_id == queue_id), key=routing_key
        )
        positions = [queue_position(contact.contact_id, contacts) for contact in in_queue]
        assert positions == list(range(1, len(in_queue) + 1))
