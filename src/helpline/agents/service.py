"""Agent use cases: the skill catalogue, agent profiles, their skills and channel capacities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.agents.models import Agent, AgentChannelCapacity, AgentSkill, Skill
from helpline.agents.rules import (
    DEFAULT_CAPACITY_BY_CHANNEL,
    MAX_SKILL_NAME_LENGTH,
    NO_CAPACITY,
    can_manage_agent,
    is_agent_visible_to,
    resolve_capacities,
    validate_skill_code,
    validate_skill_levels,
)
from helpline.clock import Clock
from helpline.contacts.rules import Channel
from helpline.customers.rules import normalise_language
from helpline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpline.identity import models as identity_models
from helpline.identity import service as identity_service
from helpline.identity.rules import MAX_DISPLAY_NAME_LENGTH, Actor, AuditAction, Permission, Role
from helpline.validation import clean_text

# Roles whose users may hold an agent profile: the people who take contacts.
AGENT_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})


# --- skills --------------------------------------------------------------------------------


def create_skill(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    language_code: str | None = None,
    clock: Clock,
) -> Skill:
    """Add a skill to the catalogue; with a language code it is a language skill (R-ACCESS-8)."""
    identity_service.authorise(actor, Permission.MANAGE_AGENTS)
    code = validate_skill_code(code)
    name = clean_text(name, "name", MAX_SKILL_NAME_LENGTH)
    language = _language_of(language_code)
    if session.scalar(select(Skill.id).where(Skill.code == code)) is not None:
        raise Conflict(f"a skill with code {code} exists already", field="code")
    if language is not None:
        holder = session.scalar(select(Skill.code).where(Skill.language_code == language))
        if holder is not None:
            raise Conflict(
                f"the language {language} is already the skill {holder}", field="language_code"
            )
    skill = Skill(code=code, name=name, language_code=language, created_at=clock.now())
    session.add(skill)
    try:
        session.commit()
    except IntegrityError as error:  # a concurrent insert of the same code or language
        session.rollback()
        raise Conflict(f"the skill {code} clashes with an existing one", field="code") from error
    return skill


def list_skills(session: Session, actor: Actor) -> list[Skill]:
    identity_service.authorise(actor, Permission.VIEW_AGENTS)
    return list(session.scalars(select(Skill).order_by(Skill.code)))


def find_skills(session: Session, codes: Iterable[str]) -> dict[str, Skill]:
    """The skills with these codes, keyed by code; an unknown code is refused as bad input.

    For other domains that reference skills by code (queue skill requirements); the caller
    has authorised its own use case.
    """
    wanted = {validate_skill_code(code) for code in codes}
    if not wanted:
        return {}
    found = {
        skill.code: skill for skill in session.scalars(select(Skill).where(Skill.code.in_(wanted)))
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise InvalidInput(f"unknown skill {', '.join(missing)}", field="skills")
    return found


def _language_of(language_code: str | None) -> str | None:
    if language_code is None or not language_code.strip():
        return None
    try:
        return normalise_language(language_code)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="language_code") from error


# --- agents --------------------------------------------------------------------------------


def create_agent(
    session: Session,
    actor: Actor,
    *,
    user_id: int,
    display_name: str | None = None,
    skills: Iterable[tuple[str, int]] = (),
    capacities: Mapping[str, int] | Mapping[Channel, int] | None = None,
    clock: Clock,
) -> Agent:
    """Give a user of role agent or supervisor an agent profile (one per user).

    Skills are (code, level) pairs (R-HR-1, R-ACCESS-8); capacities name channels and fall
    back to DEFAULT_CAPACITY_BY_CHANNEL for the channels not named.
    """
    identity_service.authorise(actor, Permission.MANAGE_AGENTS)
    user = session.get(identity_models.User, user_id)
    if user is None:
        raise InvalidInput(f"no user {user_id}", field="user_id")
    if Role(user.role) not in AGENT_ROLES:
        raise InvalidInput(
            f"the user {user.email} has the role {user.role}; only agents and supervisors "
            "take contacts",
            field="user_id",
        )
    if not user.is_active:
        raise InvalidInput(f"the user {user.email} is deactivated", field="user_id")
    if not can_manage_agent(actor, user.client_ids):
        raise PermissionDenied(
            "this user serves client organisations outside your scope", field="user_id"
        )
    name = clean_text(
        user.display_name if display_name is None else display_name,
        "display_name",
        MAX_DISPLAY_NAME_LENGTH,
    )
    levels = validate_skill_levels(skills)
    found = find_skills(session, levels)
    per_channel = resolve_capacities(capacities or {}, base=DEFAULT_CAPACITY_BY_CHANNEL)
    if session.scalar(select(Agent.id).where(Agent.user_id == user.id)) is not None:
        raise Conflict(f"the user {user.email} has an agent profile already", field="user_id")
    now = clock.now()
    agent = Agent(
        user_id=user.id,
        display_name=name,
        is_active=True,
        created_at=now,
        updated_at=now,
        skills=[AgentSkill(skill=found[code], level=level) for code, level in levels.items()],
        capacities=[
            AgentChannelCapacity(channel=channel.value, max_contacts=value)
            for channel, value in per_channel.items()
        ],
    )
    session.add(agent)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent profile for the same user
        session.rollback()
        raise Conflict(
            f"the user {user.email} has an agent profile already", field="user_id"
        ) from error
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        agent,
        clock,
        {"user_id": user.id, "skills": levels, "capacities": _capacity_map(agent)},
    )
    session.commit()
    return agent


def get_agent(session: Session, actor: Actor, agent_id: int) -> Agent:
    """An agent the actor may see, else NotFound.

    Client scope of agents (R-CLIENT-8): an agent serves the client organisations its user
    is scoped to, or every client when the user has no client scope. An actor sees an agent
    who serves at least one client the actor reaches (an agent serving every client is seen
    by everyone who may view agents); other agents are answered with NotFound. An actor
    changes an agent (and creates one for a user) only when the actor reaches every client
    the agent serves: a supervisor of client A manages agents scoped to A alone and is
    refused (PermissionDenied) for an agent who also serves B or who serves every client,
    unless the supervisor serves every client too. The rules are is_agent_visible_to and
    can_manage_agent in agents.rules.
    """
    identity_service.authorise(actor, Permission.VIEW_AGENTS)
    agent, client_ids = _agent_and_clients(session, agent_id)
    if agent is None or not is_agent_visible_to(actor, client_ids):
        raise NotFound(f"no agent {agent_id}", field="agent_id")
    return agent


def list_agents(session: Session, actor: Actor) -> list[Agent]:
    """Every agent the actor may see (the scope rule is on get_agent), by name."""
    identity_service.authorise(actor, Permission.VIEW_AGENTS)
    rows = session.execute(
        select(Agent, identity_models.User)
        .join(identity_models.User, identity_models.User.id == Agent.user_id)
        .order_by(Agent.display_name, Agent.id)
    )
    return [agent for agent, user in rows if is_agent_visible_to(actor, user.client_ids)]


def update_agent(
    session: Session,
    actor: Actor,
    agent_id: int,
    *,
    display_name: str | None = None,
    is_active: bool | None = None,
    clock: Clock,
) -> Agent:
    """Rename or (de)activate an agent; None leaves a field as it is."""
    agent = _agent_for_change(session, actor, agent_id)
    changes: dict[str, Any] = {}
    if display_name is not None:
        name = clean_text(display_name, "display_name", MAX_DISPLAY_NAME_LENGTH)
        if name != agent.display_name:
            changes["display_name"] = [agent.display_name, name]
            agent.display_name = name
    if is_active is not None and is_active != agent.is_active:
        changes["is_active"] = [agent.is_active, is_active]
        agent.is_active = is_active
    if changes:
        agent.updated_at = clock.now()
        _audit(session, actor, AuditAction.UPDATE, agent, clock, changes)
    session.commit()
    return agent


def set_agent_skills(
    session: Session,
    actor: Actor,
    agent_id: int,
    skills: Iterable[tuple[str, int]],
    *,
    clock: Clock,
) -> Agent:
    """Replace the agent's skills and levels (R-HR-1: competences drive routing)."""
    agent = _agent_for_change(session, actor, agent_id)
    levels = validate_skill_levels(skills)
    found = find_skills(session, levels)
    before = _skill_map(agent)
    # Rows are changed in place: replacing them would insert before deleting and trip the
    # unique (agent, skill) constraint.
    wanted = dict(levels)
    for link in list(agent.skills):
        if link.skill.code in wanted:
            link.level = wanted.pop(link.skill.code)
        else:
            agent.skills.remove(link)
    agent.skills.extend(
        AgentSkill(skill=found[code], level=level) for code, level in wanted.items()
    )
    after = _skill_map(agent)
    if after != before:
        agent.updated_at = clock.now()
        _audit(session, actor, AuditAction.UPDATE, agent, clock, {"skills": [before, after]})
    session.commit()
    return agent


def set_agent_capacities(
    session: Session,
    actor: Actor,
    agent_id: int,
    capacities: Mapping[str, int] | Mapping[Channel, int],
    *,
    clock: Clock,
) -> Agent:
    """Replace the capacity per channel; a channel not named gets 0 (takes none of it)."""
    agent = _agent_for_change(session, actor, agent_id)
    per_channel = resolve_capacities(capacities, base=NO_CAPACITY)
    before = _capacity_map(agent)
    existing = {row.channel: row for row in agent.capacities}
    for channel, value in per_channel.items():
        row = existing.get(channel.value)
        if row is None:
            agent.capacities.append(AgentChannelCapacity(channel=channel.value, max_contacts=value))
        else:
            row.max_contacts = value
    after = {channel.value: value for channel, value in per_channel.items()}
    if after != before:
        agent.updated_at = clock.now()
        _audit(session, actor, AuditAction.UPDATE, agent, clock, {"capacities": [before, after]})
    session.commit()
    return agent


def client_ids_of(session: Session, agent: Agent) -> frozenset[int]:
    """The clients an agent serves: its user's client scope (empty: every client)."""
    user = session.get(identity_models.User, agent.user_id)
    return user.client_ids if user is not None else frozenset()


def _agent_and_clients(session: Session, agent_id: int) -> tuple[Agent | None, frozenset[int]]:
    agent = session.get(Agent, agent_id)
    if agent is None:
        return None, frozenset()
    return agent, client_ids_of(session, agent)


def _agent_for_change(session: Session, actor: Actor, agent_id: int) -> Agent:
    identity_service.authorise(actor, Permission.MANAGE_AGENTS)
    agent, client_ids = _agent_and_clients(session, agent_id)
    if agent is None or not is_agent_visible_to(actor, client_ids):
        raise NotFound(f"no agent {agent_id}", field="agent_id")
    if not can_manage_agent(actor, client_ids):
        raise PermissionDenied(
            "this agent also serves client organisations outside your scope", field="agent_id"
        )
    return agent


def _skill_map(agent: Agent) -> dict[str, int]:
    return {link.skill.code: link.level for link in sorted(agent.skills, key=_skill_code)}


def _skill_code(link: AgentSkill) -> str:
    return link.skill.code


def _capacity_map(agent: Agent) -> dict[str, int]:
    by_channel = {row.channel: row.max_contacts for row in agent.capacities}
    return {channel.value: by_channel.get(channel.value, 0) for channel in Channel}


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    agent: Agent,
    clock: Clock,
    detail: dict[str, Any],
) -> None:
    # Who changed an agent's competences and capacity is evidence for R-HR-1.
    identity_service.record_audit(
        session,
        actor,
        action=action,
        subject_type="agent",
        subject_id=agent.id,
        client_id=None,
        clock=clock,
        detail=detail,
    )
