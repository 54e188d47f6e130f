"""JSON routes of the agents domain: the skill catalogue, agents, their skills and capacities."""

from __future__ import annotations

from fastapi import APIRouter

from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.agents.schemas import (
    AgentCapacitiesIn,
    AgentIn,
    AgentOut,
    AgentSkillsIn,
    AgentUpdateIn,
    SkillIn,
    SkillOut,
)
from helpline.web.deps import ClockDep, CurrentActor, IdPath, SessionDep

router = APIRouter()

# Write routes answer with the agent as GET /agents/{id} shows it, read back after the write.


@router.get("/skills", response_model=list[SkillOut], tags=["agents"])
def list_skills(actor: CurrentActor, session: SessionDep) -> list[SkillOut]:
    return [SkillOut.of(skill) for skill in agent_service.list_skills(session, actor)]


@router.post("/skills", response_model=SkillOut, status_code=201, tags=["agents"])
def create_skill(
    body: SkillIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> SkillOut:
    skill = agent_service.create_skill(
        session,
        actor,
        code=body.code,
        name=body.name,
        language_code=body.language_code,
        clock=clock,
    )
    return SkillOut.of(skill)


@router.get("/agents", response_model=list[AgentOut], tags=["agents"])
def list_agents(actor: CurrentActor, session: SessionDep) -> list[AgentOut]:
    return [AgentOut.of(view) for view in agent_queries.list_agent_views(session, actor)]


@router.post("/agents", response_model=AgentOut, status_code=201, tags=["agents"])
def create_agent(
    body: AgentIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> AgentOut:
    agent = agent_service.create_agent(
        session,
        actor,
        user_id=body.user_id,
        display_name=body.display_name,
        skills=[(item.skill_code, item.level) for item in body.skills],
        capacities=body.capacities,
        clock=clock,
    )
    return AgentOut.of(agent_queries.get_agent_view(session, actor, agent.id))


@router.get("/agents/{agent_id}", response_model=AgentOut, tags=["agents"])
def read_agent(agent_id: IdPath, actor: CurrentActor, session: SessionDep) -> AgentOut:
    return AgentOut.of(agent_queries.get_agent_view(session, actor, agent_id))


@router.patch("/agents/{agent_id}", response_model=AgentOut, tags=["agents"])
def update_agent(
    agent_id: IdPath, body: AgentUpdateIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> AgentOut:
    agent = agent_service.update_agent(
        session,
        actor,
        agent_id,
        display_name=body.display_name,
        is_active=body.is_active,
        clock=clock,
    )
    return AgentOut.of(agent_queries.get_agent_view(session, actor, agent.id))


@router.put("/agents/{agent_id}/skills", response_model=AgentOut, tags=["agents"])
def set_agent_skills(
    agent_id: IdPath, body: AgentSkillsIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> AgentOut:
    pairs = [(item.skill_code, item.level) for item in body.skills]
    agent = agent_service.set_agent_skills(session, actor, agent_id, pairs, clock=clock)
    return AgentOut.of(agent_queries.get_agent_view(session, actor, agent.id))


@router.put("/agents/{agent_id}/capacities", response_model=AgentOut, tags=["agents"])
def set_agent_capacities(
    agent_id: IdPath,
    body: AgentCapacitiesIn,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> AgentOut:
    agent = agent_service.set_agent_capacities(
        session, actor, agent_id, body.capacities, clock=clock
    )
    return AgentOut.of(agent_queries.get_agent_view(session, actor, agent.id))
