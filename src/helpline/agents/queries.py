"""Read-only views of agents for lists, pages and API answers: profile, user, clients served."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.agents import service as agent_service
from helpline.agents.models import Agent, AgentSkill
from helpline.agents.rules import can_manage_agent, is_agent_visible_to
from helpline.contacts.rules import Channel
from helpline.identity import models as identity_models
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent with the facts that live on its user: e-mail and the clients it serves."""

    agent: Agent
    email: str
    client_ids: frozenset[int]

    @property
    def skills(self) -> list[AgentSkill]:
        return sorted(self.agent.skills, key=lambda link: link.skill.code)

    @property
    def languages(self) -> list[str]:
        return sorted(
            link.skill.language_code for link in self.agent.skills if link.skill.language_code
        )

    @property
    def capacities(self) -> dict[str, int]:
        """Max contacts per channel, every channel present, in Channel order."""
        by_channel = {row.channel: row.max_contacts for row in self.agent.capacities}
        return {channel.value: by_channel.get(channel.value, 0) for channel in Channel}

    def may_be_managed_by(self, actor: Actor) -> bool:
        return can(actor, Permission.MANAGE_AGENTS) and can_manage_agent(actor, self.client_ids)


def list_agent_views(session: Session, actor: Actor) -> list[AgentView]:
    """Every agent the actor may see (agents.service.get_agent states the scope rule), by name."""
    identity_service.authorise(actor, Permission.VIEW_AGENTS)
    rows = session.execute(
        select(Agent, identity_models.User)
        .join(identity_models.User, identity_models.User.id == Agent.user_id)
        .order_by(Agent.display_name, Agent.id)
    )
    return [
        AgentView(agent=agent, email=user.email, client_ids=user.client_ids)
        for agent, user in rows
        if is_agent_visible_to(actor, user.client_ids)
    ]


def get_agent_view(session: Session, actor: Actor, agent_id: int) -> AgentView:
    agent = agent_service.get_agent(session, actor, agent_id)
    user = session.get(identity_models.User, agent.user_id)
    email = user.email if user is not None else ""
    return AgentView(
        agent=agent, email=email, client_ids=agent_service.client_ids_of(session, agent)
    )


def list_users_without_agent(session: Session, actor: Actor) -> list[identity_models.User]:
    """Active agents and supervisors with no agent profile that the actor may give one."""
    identity_service.authorise(actor, Permission.MANAGE_AGENTS)
    users = session.scalars(
        select(identity_models.User)
        .where(
            identity_models.User.role.in_([role.value for role in agent_service.AGENT_ROLES]),
            identity_models.User.is_active.is_(True),
            ~select(Agent.id).where(Agent.user_id == identity_models.User.id).exists(),
        )
        .order_by(identity_models.User.display_name, identity_models.User.email)
    )
    return [user for user in users if can_manage_agent(actor, user.client_ids)]
