"""Scenario tests of routing: the acceptance line-up, relaxation, language, agent ranking."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from helpline.contacts.rules import Channel
from helpline.errors import InvalidInput, NotFound
from helpline.routing.rules import (
    Assignment,
    AvailableAgent,
    WaitingContact,
    is_eligible,
    is_relaxed,
    next_assignment,
    plan_assignments,
    queue_position,
    skill_score,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
BILLING, TECH = 1, 2
BILLING_QUEUE, VIP_TECH_QUEUE = 10, 20


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, second, tzinfo=UTC)


def contact(
    contact_id: int,
    *,
    queue_id: int = BILLING_QUEUE,
    channel: Channel = Channel.CHAT,
    priority: int = 0,
    arrived_at: datetime = at(9, 0),
    queued_at: datetime | None = None,
    required_skills: Mapping[int, int] | None = None,
    language: str | None = None,
    relax_after_seconds: int | None = None,
) -> WaitingContact:
    return WaitingContact(
        contact_id=contact_id,
        queue_id=queue_id,
        channel=channel,
        priority=priority,
        arrived_at=arrived_at,
        queued_at=arrived_at if queued_at is None else queued_at,
        required_skills={} if required_skills is None else required_skills,
        language=language,
        relax_after_seconds=relax_after_seconds,
    )


def agent(
    agent_id: int,
    *,
    skills: Mapping[int, int] | None = None,
    languages: frozenset[str] = frozenset({"en"}),
    free_capacity: Mapping[Channel, int] | None = None,
    idle_since: datetime = at(9, 0),
    queue_ids: frozenset[int] = frozenset({BILLING_QUEUE}),
) -> AvailableAgent:
    return AvailableAgent(
        agent_id=agent_id,
        skills={} if skills is None else skills,
        languages=languages,
        free_capacity={Channel.CHAT: 1} if free_capacity is None else free_capacity,
        idle_since=idle_since,
        queue_ids=queue_ids,
    )


# --- the acceptance scenario in pure form ---------------------------------------------------


def test_acceptance_line_up_is_routed_exactly_as_the_policy_implies() -> None:
    """3 agents, 10 chats over 2 queues (issue 3, acceptance; R-HR-1, R-ACCESS-8).

    The VIP tech queue (priority 5, tech >= 3) is served before the billing queue (priority 0,
    billing >= 2) whatever the arrival times; inside a queue the longest waiting goes first.
    """

    def vip(contact_id: int, arrived_at: datetime, language: str) -> WaitingContact:
        return contact(
            contact_id,
            queue_id=VIP_TECH_QUEUE,
            priority=5,
            required_skills={TECH: 3},
            arrived_at=arrived_at,
            language=language,
        )

    def billing(contact_id: int, arrived_at: datetime, language: str) -> WaitingContact:
        return contact(
            contact_id,
            queue_id=BILLING_QUEUE,
            priority=0,
            required_skills={BILLING: 2},
            arrived_at=arrived_at,
            language=language,
        )

    contacts = [
        vip(1, at(9, 20), "en"),
        vip(2, at(9, 10), "ru"),
        vip(3, at(9, 15), "tr"),
        billing(4, at(9, 1), "tr"),
        billing(5, at(9, 2), "en"),
        billing(6, at(9, 3), "ru"),
        billing(7, at(9, 4), "en"),
        billing(8, at(9, 5), "tr"),
        billing(9, at(9, 6), "en"),
        billing(10, at(9, 7), "en"),
    ]
    ayse = agent(
        1,
        skills={BILLING: 4},
        languages=frozenset({"tr", "en"}),
        free_capacity={Channel.CHAT: 2},
        idle_since=at(9, 0),
        queue_ids=frozenset({BILLING_QUEUE}),
    )
    boris = agent(
        2,
        skills={BILLING: 2, TECH: 5},
        languages=frozenset({"ru", "en"}),
        free_capacity={Channel.CHAT: 2},
        idle_since=at(9, 5),
        queue_ids=frozenset({BILLING_QUEUE, VIP_TECH_QUEUE}),
    )
    chloe = agent(
        3,
        skills={BILLING: 3, TECH: 3},
        languages=frozenset({"en"}),
        free_capacity={Channel.CHAT: 1},
        idle_since=at(8, 50),
        queue_ids=frozenset({BILLING_QUEUE, VIP_TECH_QUEUE}),
    )

    plan = plan_assignments(contacts, [ayse, boris, chloe], NOW)

    assert plan == [
        Assignment(2, 2),  # VIP, earliest arrival; only Boris speaks Russian with tech >= 3
        # 3: VIP, Turkish; nobody with tech >= 3 speaks Turkish, and language never relaxes
        Assignment(1, 2),  # VIP; Boris (tech 5) beats Chloe (tech 3) though she idled longer
        Assignment(4, 1),  # billing, earliest; only Ayse speaks Turkish
        Assignment(5, 1),  # Ayse (billing 4) beats Chloe (billing 3)
        # 6: Russian; Boris, the only Russian speaker, has no chat left
        Assignment(7, 3),  # Chloe's one chat; then no capacity is left
    ]
    waiting = [item for item in contacts if item.contact_id not in {a.contact_id for a in plan}]
    assert [queue_position(item.contact_id, contacts) for item in waiting] == [2, 3, 5, 6, 7]


def test_a_callback_keeps_the_place_its_arrival_earned() -> None:
    """A callback re-enters the line with its original arrival time (R-ACCESS-4)."""
    callback = contact(1, arrived_at=at(9, 0), queued_at=at(9, 25))
    newcomer = contact(2, arrived_at=at(9, 10))
    contacts = [newcomer, callback]

    assert queue_position(1, contacts) == 1
    assert queue_position(2, contacts) == 2
    assert next_assignment(contacts, [agent(7)], NOW) == Assignment(1, 7)


# --- eligibility: skills, relaxation, language, queue login, capacity ----------------------


def test_skill_relaxation_after_its_time_lets_a_less_skilled_agent_take_the_contact() -> None:
    """After relax_after_seconds in the queue the minimum level drops to 1 (R-HR-1)."""
    waiting = contact(1, queued_at=at(9, 28), required_skills={TECH: 4}, relax_after_seconds=120)
    junior = agent(5, skills={TECH: 2})

    assert not is_eligible(waiting, junior, at(9, 29, 59))
    assert plan_assignments([waiting], [junior], at(9, 29, 59)) == []
    assert is_relaxed(waiting, at(9, 30))
    assert is_eligible(waiting, junior, at(9, 30))
    assert plan_assignments([waiting], [junior], at(9, 30)) == [Assignment(1, 5)]


def test_relaxation_counts_from_entering_the_current_queue_not_from_arrival() -> None:
    transferred = contact(
        1,
        arrived_at=at(9, 0),
        queued_at=at(9, 29),
        required_skills={TECH: 4},
        relax_after_seconds=120,
    )

    assert not is_relaxed(transferred, NOW)
    assert not is_eligible(transferred, agent(5, skills={TECH: 2}), NOW)


def test_relaxation_still_needs_the_skill_itself() -> None:
    waiting = contact(1, required_skills={TECH: 4}, relax_after_seconds=0)

    assert is_eligible(waiting, agent(5, skills={TECH: 1}), NOW)
    assert not is_eligible(waiting, agent(6, skills={BILLING: 5}), NOW)


def test_language_never_relaxes() -> None:
    """The customer must understand the agent, however long they wait (R-ACCESS-8)."""
    waiting = contact(
        1, language="tr", required_skills={TECH: 4}, relax_after_seconds=0, arrived_at=at(8, 0)
    )
    expert = agent(5, skills={TECH: 5}, languages=frozenset({"en", "ru"}))

    assert is_relaxed(waiting, NOW)
    assert not is_eligible(waiting, expert, NOW)
    assert plan_assignments([waiting], [expert], NOW) == []


def test_a_contact_without_a_language_matches_any_agent() -> None:
    assert is_eligible(contact(1), agent(5, languages=frozenset()), NOW)
    assert not is_eligible(contact(2, language="en"), agent(5, languages=frozenset()), NOW)


def test_an_agent_not_logged_into_the_queue_is_not_eligible() -> None:
    """Queue login needs the queue's training in date, so no login means no routing (R-HR-3)."""
    elsewhere = agent(5, queue_ids=frozenset({VIP_TECH_QUEUE}))

    assert not is_eligible(contact(1), elsewhere, NOW)
    assert plan_assignments([contact(1)], [elsewhere], NOW) == []


@pytest.mark.parametrize(
    "free_capacity",
    [{}, {Channel.CHAT: 0}, {Channel.VOICE: 1, Channel.EMAIL: 5}],
    ids=["no channel", "zero chat", "other channels only"],
)
def test_an_agent_without_free_capacity_on_the_channel_is_not_eligible(
    free_capacity: Mapping[Channel, int],
) -> None:
    assert not is_eligible(contact(1), agent(5, free_capacity=free_capacity), NOW)


def test_a_chat_agent_takes_chats_up_to_its_capacity_and_keeps_its_other_channels() -> None:
    chats = [contact(number, arrived_at=at(9, number)) for number in range(1, 5)]
    mail = contact(9, channel=Channel.EMAIL, arrived_at=at(9, 10))
    blended = agent(5, free_capacity={Channel.CHAT: 3, Channel.EMAIL: 1})

    plan = plan_assignments([*chats, mail], [blended], NOW)

    assert plan == [Assignment(1, 5), Assignment(2, 5), Assignment(3, 5), Assignment(9, 5)]


# --- agent ranking: best-skilled, then longest idle, then lowest id -------------------------


def test_longest_idle_agent_wins_between_equally_skilled_agents() -> None:
    waiting = contact(1, required_skills={BILLING: 2})
    recent = agent(5, skills={BILLING: 3}, idle_since=at(9, 20))
    longest = agent(6, skills={BILLING: 3}, idle_since=at(9, 5))

    assert next_assignment([waiting], [recent, longest], NOW) == Assignment(1, 6)


def test_lowest_agent_id_breaks_a_full_tie() -> None:
    waiting = contact(1)
    twins = [agent(9, idle_since=at(9, 5)), agent(4, idle_since=at(9, 5))]

    assert next_assignment([waiting], twins, NOW) == Assignment(1, 4)


def test_best_skilled_agent_wins_over_longest_idle() -> None:
    """Skill levels drive routing before fairness of idle time (R-HR-1)."""
    waiting = contact(1, required_skills={BILLING: 2, TECH: 1})
    expert = agent(5, skills={BILLING: 5, TECH: 2}, idle_since=at(9, 25))
    idler = agent(6, skills={BILLING: 3, TECH: 3}, idle_since=at(8, 0))

    assert skill_score(waiting, expert) == 7
    assert skill_score(waiting, idler) == 6
    assert next_assignment([waiting], [idler, expert], NOW) == Assignment(1, 5)


def test_skill_score_sums_the_agents_levels_in_the_required_skills_only() -> None:
    waiting = contact(1, required_skills={BILLING: 2, TECH: 3})

    assert skill_score(waiting, agent(5, skills={BILLING: 4, TECH: 3, 99: 5})) == 7
    assert skill_score(waiting, agent(6, skills={BILLING: 4})) == 4
    assert skill_score(contact(2), agent(7, skills={BILLING: 4})) == 0


# --- line order ------------------------------------------------------------------------------


def test_higher_priority_is_served_before_a_longer_wait() -> None:
    early = contact(1, arrived_at=at(9, 0), priority=0)
    urgent = contact(2, arrived_at=at(9, 20), priority=3)

    assert next_assignment([early, urgent], [agent(5)], NOW) == Assignment(2, 5)
    assert queue_position(2, [early, urgent]) == 1


def test_equal_priority_and_arrival_go_by_lowest_contact_id() -> None:
    assert next_assignment([contact(8), contact(3)], [agent(5)], NOW) == Assignment(3, 5)


def test_queue_position_counts_only_the_contacts_queue() -> None:
    contacts = [
        contact(1, queue_id=VIP_TECH_QUEUE, arrived_at=at(8, 0)),
        contact(2, arrived_at=at(9, 5)),
        contact(3, arrived_at=at(9, 1)),
    ]

    assert queue_position(2, contacts) == 2
    assert queue_position(1, contacts) == 1


def test_queue_position_of_a_contact_not_waiting_is_not_found() -> None:
    with pytest.raises(NotFound):
        queue_position(99, [contact(1)])


# --- empty and bad input ---------------------------------------------------------------------


def test_nothing_to_plan_gives_an_empty_plan() -> None:
    assert plan_assignments([], [agent(5)], NOW) == []
    assert plan_assignments([contact(1)], [], NOW) == []
    assert plan_assignments([contact(1)], [agent(5)], NOW, limit=0) == []
    assert next_assignment([], [], NOW) is None


def test_a_contact_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="listed twice"):
        plan_assignments([contact(1), contact(1, arrived_at=at(9, 9))], [agent(5)], NOW)


def test_an_agent_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="listed twice"):
        plan_assignments([contact(1)], [agent(5), agent(5, idle_since=at(9, 9))], NOW)


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_assignments([contact(1)], [agent(5)], NOW, limit=-1)
    assert refused.value.field == "limit"


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 11, 23, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(InvalidInput) as refused:
        contact(1, arrived_at=naive)
    assert refused.value.field == "arrived_at"
    with pytest.raises(InvalidInput):
        agent(5, idle_since=naive)
    with pytest.raises(InvalidInput) as refused:
        plan_assignments([contact(1)], [agent(5)], naive)
    assert refused.value.field == "now"


def test_a_contact_queued_before_it_arrived_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        contact(1, arrived_at=at(9, 10), queued_at=at(9, 0))
    assert refused.value.field == "queued_at"


@pytest.mark.parametrize("minimum", [0, -1])
def test_a_required_level_below_one_is_refused(minimum: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        contact(1, required_skills={TECH: minimum})
    assert refused.value.field == "required_skills"


def test_a_negative_relaxation_time_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        contact(1, relax_after_seconds=-1)
    assert refused.value.field == "relax_after_seconds"


def test_negative_free_capacity_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        agent(5, free_capacity={Channel.CHAT: -1})
    assert refused.value.field == "free_capacity"
