"""Pure rules of the agents domain: skill levels, skill codes, capacity per channel."""

from __future__ import annotations

import re

from helpline.contacts.rules import Channel
from helpline.errors import InvalidInput

MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 5
SKILL_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
MAX_SKILL_NAME_LENGTH = 120

# Upper bounds an administrator may set; a voice agent holds one call at a time.
MAX_CAPACITY_BY_CHANNEL: dict[Channel, int] = {Channel.VOICE: 1, Channel.CHAT: 8, Channel.EMAIL: 20}
DEFAULT_CAPACITY_BY_CHANNEL: dict[Channel, int] = {Channel.VOICE: 1, Channel.CHAT: 3, Channel.EMAIL: 5}


def validate_skill_level(level: int) -> int:
    if not MIN_SKILL_LEVEL <= level <= MAX_SKILL_LEVEL:
        raise InvalidInput(
            f"a skill level is from {MIN_SKILL_LEVEL} to {MAX_SKILL_LEVEL}, not {level}", field="level"
        )
    return level


def validate_skill_code(code: str) -> str:
    normalised = code.strip().lower()
    if not SKILL_CODE_PATTERN.match(normalised):
        raise InvalidInput(
            "a skill code has 2-40 characters: lower-case letters, digits, '-' or '_'", field="code"
        )
    return normalised


def validate_capacity(channel: Channel, max_contacts: int) -> int:
    """Capacity 0 means the agent takes no contacts of that channel."""
    ceiling = MAX_CAPACITY_BY_CHANNEL[channel]
    if not 0 <= max_contacts <= ceiling:
        raise InvalidInput(
            f"capacity for {channel.value} is from 0 to {ceiling}, not {max_contacts}",
            field="capacities",
        )
    return max_contacts
