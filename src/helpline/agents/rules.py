"""Pure rules of the agents domain: skill levels, skill codes, capacity per channel, agent scope."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from helpline.contacts.rules import Channel
from helpline.errors import InvalidInput
from helpline.identity.rules import Actor

MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 5
SKILL_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
MAX_SKILL_CODE_LENGTH = 40
MAX_SKILL_NAME_LENGTH = 120
MAX_SKILLS_PER_AGENT = 100

# Upper bounds an administrator may set; a voice agent holds one call at a time.
MAX_CAPACITY_BY_CHANNEL: dict[Channel, int] = {
    Channel.VOICE: 1,
    Channel.CHAT: 8,
    Channel.EMAIL: 20,
}
DEFAULT_CAPACITY_BY_CHANNEL: dict[Channel, int] = {
    Channel.VOICE: 1,
    Channel.CHAT: 3,
    Channel.EMAIL: 5,
}
NO_CAPACITY: dict[Channel, int] = dict.fromkeys(Channel, 0)


def validate_skill_level(level: int) -> int:
    if not MIN_SKILL_LEVEL <= level <= MAX_SKILL_LEVEL:
        raise InvalidInput(
            f"a skill level is from {MIN_SKILL_LEVEL} to {MAX_SKILL_LEVEL}, not {level}",
            field="level",
        )
    return level


def validate_skill_code(code: str) -> str:
    normalised = code.strip().lower()
    if not SKILL_CODE_PATTERN.fullmatch(normalised):
        raise InvalidInput(
            "a skill code has 2-40 characters: lower-case letters, digits, '-' or '_'", field="code"
        )
    return normalised


def validate_skill_levels(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Skill code -> level from (code, level) pairs; each code once, each level in range.

    R-HR-1: skill tags with levels drive routing, so a list that names a skill twice is
    ambiguous and refused rather than resolved silently.
    """
    levels: dict[str, int] = {}
    for raw_code, level in pairs:
        code = validate_skill_code(raw_code)
        if code in levels:
            raise InvalidInput(f"the skill {code} is named twice", field="skills")
        try:
            levels[code] = validate_skill_level(level)
        except InvalidInput as error:
            raise InvalidInput(f"{code}: {error.message}", field="skills") from error
        if len(levels) > MAX_SKILLS_PER_AGENT:
            raise InvalidInput(f"at most {MAX_SKILLS_PER_AGENT} skills", field="skills")
    return levels


def validate_capacity(channel: Channel, max_contacts: int) -> int:
    """Capacity 0 means the agent takes no contacts of that channel."""
    ceiling = MAX_CAPACITY_BY_CHANNEL[channel]
    if not 0 <= max_contacts <= ceiling:
        raise InvalidInput(
            f"capacity for {channel.value} is from 0 to {ceiling}, not {max_contacts}",
            field="capacities",
        )
    return max_contacts


def parse_channel(value: str, field: str = "channels") -> Channel:
    try:
        return Channel(value.strip().lower())
    except ValueError as error:
        known = ", ".join(channel.value for channel in Channel)
        raise InvalidInput(f"unknown channel {value!r}; use one of {known}", field=field) from error


def resolve_capacities(
    given: Mapping[str, int] | Mapping[Channel, int], *, base: Mapping[Channel, int]
) -> dict[Channel, int]:
    """A capacity for every channel: `given` (keyed by channel name) over `base`, each checked."""
    capacities = {channel: base.get(channel, 0) for channel in Channel}
    for name, max_contacts in given.items():
        capacities[parse_channel(name, "capacities")] = max_contacts
    return {channel: validate_capacity(channel, value) for channel, value in capacities.items()}


def is_agent_visible_to(actor: Actor, agent_client_ids: frozenset[int]) -> bool:
    """An agent serves the clients its user is scoped to, every client when the user has none.

    An actor sees an agent who works for at least one client the actor reaches; an agent
    serving every client therefore works for the actor's clients too and is always seen.
    """
    if actor.serves_all_clients or not agent_client_ids:
        return True
    return bool(agent_client_ids & actor.client_ids)


def can_manage_agent(actor: Actor, agent_client_ids: frozenset[int]) -> bool:
    """An actor changes an agent only when the actor reaches every client the agent serves.

    Skills and capacities steer routing for all of the agent's clients, so a supervisor of
    client A may not change an agent who also serves B, nor one who serves every client,
    unless the supervisor serves every client too.
    """
    if actor.serves_all_clients:
        return True
    return bool(agent_client_ids) and agent_client_ids <= actor.client_ids
