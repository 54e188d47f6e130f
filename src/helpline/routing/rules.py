"""Pure routing: which waiting contacts go to which available agents, and in what order."""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from helpline.contacts.rules import Channel
from helpline.errors import InvalidInput, NotFound

__all__ = [
    "RELAXED_MINIMUM_LEVEL",
    "Assignment",
    "AvailableAgent",
    "WaitingContact",
    "agent_rank_key",
    "is_eligible",
    "is_relaxed",
    "next_assignment",
    "plan_assignments",
    "queue_position",
    "routing_key",
    "skill_score",
]

# After a queue's relaxation time a required skill is still needed, at any level.
RELAXED_MINIMUM_LEVEL: Final = 1


@dataclass(frozen=True, slots=True)
class WaitingContact:
    """A contact waiting for an agent, as routing sees it.

    `arrived_at` is the original arrival and survives transfers and callbacks, so a customer
    keeps their place in line (R-ACCESS-3, R-ACCESS-4, R-OPS-8); `queued_at` is when the
    contact entered its current queue and starts that queue's relaxation timer.
    `required_skills` maps skill id to minimum level (R-HR-1); after `relax_after_seconds` in
    the queue the minimums drop to RELAXED_MINIMUM_LEVEL. `language` is the customer's
    preferred language code and never relaxes: the customer must understand the agent
    (R-ACCESS-8). Mappings are read, never changed.
    """

    contact_id: int
    queue_id: int
    channel: Channel
    priority: int
    arrived_at: datetime
    queued_at: datetime
    required_skills: Mapping[int, int]
    language: str | None = None
    relax_after_seconds: int | None = None

    def __post_init__(self) -> None:
        _require_aware(self.arrived_at, "arrived_at")
        _require_aware(self.queued_at, "queued_at")
        if self.queued_at < self.arrived_at:
            raise InvalidInput(
                f"contact {self.contact_id} was queued before it arrived", field="queued_at"
            )
        if self.relax_after_seconds is not None and self.relax_after_seconds < 0:
            raise InvalidInput(
                f"contact {self.contact_id}: relaxation cannot start before queueing",
                field="relax_after_seconds",
            )
        for skill_id, minimum in self.required_skills.items():
            if minimum < RELAXED_MINIMUM_LEVEL:
                raise InvalidInput(
                    f"contact {self.contact_id}: skill {skill_id} needs a minimum level of at "
                    f"least {RELAXED_MINIMUM_LEVEL}, not {minimum}",
                    field="required_skills",
                )


@dataclass(frozen=True, slots=True)
class AvailableAgent:
    """An agent who can take contacts now, as routing sees it.

    `skills` maps skill id to level (R-HR-1); `languages` are the codes the agent serves in
    (R-ACCESS-8); `free_capacity` is how many more contacts of each channel the agent can take
    now (a missing channel means none); `idle_since` is when the agent last became free;
    `queue_ids` are the queues the agent is logged into, which presence grants only with the
    queue's training in date (R-HR-3). Mappings and sets are read, never changed.
    """

    agent_id: int
    skills: Mapping[int, int]
    languages: frozenset[str]
    free_capacity: Mapping[Channel, int]
    idle_since: datetime
    queue_ids: frozenset[int]

    def __post_init__(self) -> None:
        _require_aware(self.idle_since, "idle_since")
        for channel, free in self.free_capacity.items():
            if free < 0:
                raise InvalidInput(
                    f"agent {self.agent_id}: free capacity for {channel.value} cannot be "
                    f"negative ({free})",
                    field="free_capacity",
                )


@dataclass(frozen=True, slots=True)
class Assignment:
    """One routing decision: offer this contact to this agent."""

    contact_id: int
    agent_id: int


def routing_key(contact: WaitingContact) -> tuple[int, datetime, int]:
    """Sort key of the line: highest priority first, then longest waiting, then lowest id.

    Waiting is measured from the original arrival, so a transferred contact or a callback
    keeps its place (R-ACCESS-4, R-OPS-8).
    """
    return (-contact.priority, contact.arrived_at, contact.contact_id)


def is_relaxed(contact: WaitingContact, now: datetime) -> bool:
    """Whether the contact has waited in its queue long enough for skill minimums to relax."""
    return contact.relax_after_seconds is not None and now - contact.queued_at >= timedelta(
        seconds=contact.relax_after_seconds
    )


def skill_score(contact: WaitingContact, agent: AvailableAgent) -> int:
    """The sum of the agent's levels in the contact's required skills; higher is better.

    A missing skill counts 0. Among agents qualified for one contact the minimums are the
    same, so ranking by this sum is ranking by how far above the minimums the agent is:
    "best-skilled" (R-HR-1).
    """
    skills = agent.skills
    return sum(skills.get(skill_id, 0) for skill_id in contact.required_skills)


def agent_rank_key(contact: WaitingContact, agent: AvailableAgent) -> tuple[int, datetime, int]:
    """Sort key of the agents for one contact: best-skilled, then longest idle, then lowest id."""
    return (-skill_score(contact, agent), agent.idle_since, agent.agent_id)


def is_eligible(contact: WaitingContact, agent: AvailableAgent, now: datetime) -> bool:
    """Whether the agent may take the contact now.

    The agent is logged into the contact's queue (which needs the queue's training, R-HR-3),
    has free capacity on the contact's channel, holds every required skill at the minimum
    level (level 1 once the queue's relaxation time has passed, R-HR-1) and speaks the
    customer's language when one is given; language never relaxes (R-ACCESS-8).
    """
    return (
        contact.queue_id in agent.queue_ids
        and agent.free_capacity.get(contact.channel, 0) > 0
        and _qualified_score(
            contact.required_skills, is_relaxed(contact, now), contact.language, agent
        )
        is not None
    )


def plan_assignments(
    contacts: Sequence[WaitingContact],
    agents: Sequence[AvailableAgent],
    now: datetime,
    *,
    limit: int | None = None,
    exclusive_channels: frozenset[Channel] = frozenset({Channel.VOICE}),
) -> list[Assignment]:
    """Match waiting contacts to available agents, in the order the offers should be made.

    Contacts are taken in routing order (routing_key: priority, then original arrival, then
    id). Each goes to the eligible agent with free capacity on its channel that ranks first
    by agent_rank_key (best skill_score, then longest idle, then lowest id); the agent's free
    capacity on that channel drops by one, and its other channels and idle time stay as they
    are for the rest of the plan. A contact no agent can take keeps waiting. `limit` stops
    after that many assignments; the first ones are the same as without it.

    The result depends only on the inputs' contents, not their order. Contact ids and agent
    ids must be unique; a duplicate agent, or a duplicate contact that could be routed, is
    refused. Cost: one pass over each list, a heap of the routable contacts popped in line
    order while capacity lasts, and one ranking of agents per distinct (queue, channel,
    language, requirements, relaxed) signature; a (queue, channel) whose agents are used up
    is skipped without further work, and the plan stops as soon as no usable capacity is left.

    A channel in `exclusive_channels` (voice, by default) is never held alongside another:
    an agent given a voice contact has no capacity left on any channel for the rest of the
    plan, and one given a chat or e-mail contact has no voice capacity left. The caller
    applies the same rule to the capacity it computes from contacts already held.
    """
    _require_aware(now, "now")
    if limit is not None and limit < 0:
        raise InvalidInput(f"limit cannot be negative ({limit})", field="limit")
    if limit == 0 or not contacts or not agents:
        return []
    wanted = {contact.queue_id for contact in contacts} if len(contacts) < len(agents) else None
    pool = _AgentPool(agents, wanted, exclusive_channels)
    slots, queue_ids, spoken = pool.slots_by_key, pool.queue_ids, pool.languages_by_key
    # A contact is routable only where some agent of its (queue, channel) speaks its language,
    # which never relaxes (R-ACCESS-8); dropping the rest here keeps the line short.
    candidates = [
        contact
        for contact in contacts
        if contact.queue_id in queue_ids
        and (languages := spoken.get((contact.queue_id, contact.channel))) is not None
        and (contact.language is None or contact.language in languages)
    ]
    if len({contact.contact_id for contact in candidates}) != len(candidates):
        raise InvalidInput("a contact is listed twice", field="contacts")

    rankings: dict[_Signature, _Ranking] = {}
    plan: list[Assignment] = []
    for contact in _in_routing_order(candidates):
        key = (contact.queue_id, contact.channel)
        if slots[key] == 0:
            continue
        relaxed = is_relaxed(contact, now)
        signature = (
            contact.queue_id,
            contact.channel,
            contact.language,
            frozenset(contact.required_skills.items()),
            relaxed,
        )
        ranking = rankings.get(signature)
        if ranking is None:
            ranking = rankings[signature] = _Ranking.of(contact, relaxed, pool.agents_by_key[key])
        agent = ranking.take(pool.free[contact.channel])
        if agent is None:
            continue
        pool.use(agent, contact.channel)
        plan.append(Assignment(contact.contact_id, agent.agent_id))
        if len(plan) == limit or pool.total_free == 0:
            break
    return plan


def next_assignment(
    contacts: Sequence[WaitingContact], agents: Sequence[AvailableAgent], now: datetime
) -> Assignment | None:
    """The first assignment plan_assignments would make, or None when none can be made."""
    plan = plan_assignments(contacts, agents, now, limit=1)
    return plan[0] if plan else None


def queue_position(contact_id: int, contacts: Collection[WaitingContact]) -> int:
    """The contact's 1-based place in line among the waiting contacts of its own queue.

    Place is routing order (priority, then original arrival, then id), so a callback or a
    transferred contact keeps the place its arrival earned (R-ACCESS-4).
    """
    target = next((contact for contact in contacts if contact.contact_id == contact_id), None)
    if target is None:
        raise NotFound(f"contact {contact_id} is not waiting", field="contact_id")
    target_key = routing_key(target)
    return 1 + sum(
        1
        for contact in contacts
        if contact.queue_id == target.queue_id and routing_key(contact) < target_key
    )


_Signature = tuple[int, Channel, str | None, frozenset[tuple[int, int]], bool]


def _in_routing_order(contacts: Sequence[WaitingContact]) -> Iterator[WaitingContact]:
    """The contacts in routing order, lazily.

    A plan often runs out of free capacity long before the end of the line (an agent freed
    against thousands waiting takes a handful), so a heap and a few pops beat a full sort.
    """
    # routing_key, inlined as it runs for every candidate; contact ids are unique here, so
    # the tuples never compare the contacts themselves.
    heap = [
        (-contact.priority, contact.arrived_at, contact.contact_id, contact) for contact in contacts
    ]
    heapq.heapify(heap)
    while heap:
        yield heapq.heappop(heap)[3]


def _require_aware(moment: datetime, field: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} must be a timezone-aware datetime", field=field)


def _qualified_score(
    required_skills: Mapping[int, int],
    relaxed: bool,
    language: str | None,
    agent: AvailableAgent,
) -> int | None:
    """The agent's skill_score when it meets the requirements and the language, else None."""
    if language is not None and language not in agent.languages:
        return None
    skills = agent.skills
    score = 0
    for skill_id, minimum in required_skills.items():
        level = skills.get(skill_id, 0)
        if level < (RELAXED_MINIMUM_LEVEL if relaxed else minimum):
            return None
        score += level
    return score


class _AgentPool:
    """The agents of one plan, indexed by (queue, channel), with the capacity still free.

    Only (queue, channel) pairs where the agent has free capacity are indexed, and only
    queues in `wanted` when it is given. `languages_by_key` is what the agents of each pair
    speak between them. `slots_by_key` is the free capacity summed over the agents of each
    pair, and `total_free` the free capacity of indexed channels; both fall as agents are
    used, so used-up pairs and a used-up pool cost nothing more.
    """

    __slots__ = (
        "agents_by_key",
        "exclusive",
        "free",
        "languages_by_key",
        "queue_ids",
        "queues_by_agent",
        "slots_by_key",
        "total_free",
    )

    def __init__(
        self,
        agents: Sequence[AvailableAgent],
        wanted: set[int] | None,
        exclusive: frozenset[Channel],
    ) -> None:
        self.exclusive = exclusive
        self.agents_by_key: dict[tuple[int, Channel], list[AvailableAgent]] = {}
        self.slots_by_key: dict[tuple[int, Channel], int] = {}
        self.languages_by_key: dict[tuple[int, Channel], set[str]] = {}
        self.free: dict[Channel, dict[int, int]] = {channel: {} for channel in Channel}
        self.queues_by_agent: dict[int, frozenset[int]] = {}
        self.total_free = 0
        seen: set[int] = set()
        for agent in agents:
            agent_id = agent.agent_id
            if agent_id in seen:
                raise InvalidInput(f"agent {agent_id} is listed twice", field="agents")
            seen.add(agent_id)
            queue_ids = agent.queue_ids
            if wanted is not None:
                if queue_ids.isdisjoint(wanted):
                    continue
                queue_ids = queue_ids & wanted
            self.queues_by_agent[agent_id] = queue_ids
            for channel, free in agent.free_capacity.items():
                if free <= 0 or not queue_ids:
                    continue
                self.free[channel][agent_id] = free
                self.total_free += free
                for queue_id in queue_ids:
                    key = (queue_id, channel)
                    self.agents_by_key.setdefault(key, []).append(agent)
                    self.slots_by_key[key] = self.slots_by_key.get(key, 0) + free
                    self.languages_by_key.setdefault(key, set()).update(agent.languages)
        self.queue_ids = {queue_id for queue_id, _ in self.agents_by_key}

    def use(self, agent: AvailableAgent, channel: Channel) -> None:
        self._drop(agent.agent_id, channel, 1)
        # Voice is exclusive: a voice contact closes every other channel, and any other
        # contact closes voice, for the rest of the plan.
        if channel in self.exclusive:
            closed: Iterable[Channel] = (other for other in Channel if other is not channel)
        else:
            closed = self.exclusive
        for other in closed:
            self._drop(agent.agent_id, other, self.free[other].get(agent.agent_id, 0))

    def _drop(self, agent_id: int, channel: Channel, count: int) -> None:
        if count <= 0:
            return
        self.free[channel][agent_id] -= count
        self.total_free -= count
        for queue_id in self.queues_by_agent[agent_id]:
            self.slots_by_key[queue_id, channel] -= count


class _Ranking:
    """The agents qualified for one contact signature, best first, with a cursor.

    Free capacity only falls during a plan, so an agent found used up at the head of the
    ranking never comes back and the cursor only moves forward.
    """

    __slots__ = ("agents", "cursor")

    def __init__(self, agents: list[AvailableAgent]) -> None:
        self.agents = agents
        self.cursor = 0

    @classmethod
    def of(
        cls, contact: WaitingContact, relaxed: bool, agents: Sequence[AvailableAgent]
    ) -> _Ranking:
        scored: list[tuple[int, datetime, int, AvailableAgent]] = []
        for agent in agents:
            score = _qualified_score(contact.required_skills, relaxed, contact.language, agent)
            if score is not None:
                scored.append((-score, agent.idle_since, agent.agent_id, agent))
        # agent_rank_key with the score already at hand; agent_id is unique in a pool, so
        # the tuples never compare the agents themselves.
        scored.sort()
        return cls([entry[3] for entry in scored])

    def take(self, free: dict[int, int]) -> AvailableAgent | None:
        """The best agent that still has free capacity on the channel, or None."""
        agents = self.agents
        while self.cursor < len(agents):
            agent = agents[self.cursor]
            if free[agent.agent_id] > 0:
                return agent
            self.cursor += 1
        return None
