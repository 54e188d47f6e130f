"""JSON routes of the agents domain: skills, agents, presence, queue logins, training records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from helpline.agents import presence as agent_presence
from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.agents import training as agent_training
from helpline.agents.schemas import (
    AgentCapacitiesIn,
    AgentIn,
    AgentOut,
    AgentSkillsIn,
    AgentUpdateIn,
    PresenceIn,
    PresenceOut,
    QueueLoginIn,
    QueueLoginRecordOut,
    SkillIn,
    SkillOut,
    StateSecondsOut,
    TrainingRecordIn,
    TrainingRecordOut,
)
from helpline.web.deps import ClockDep, CurrentActor, IdPath, IdQuery, SessionDep

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


# Declared before /agents/{agent_id}, which would otherwise take "presence" for an id.
@router.get("/agents/presence", response_model=list[PresenceOut], tags=["presence"])
def presence_board(
    actor: CurrentActor, session: SessionDep, clock: ClockDep, client_id: IdQuery = None
) -> list[PresenceOut]:
    """Every agent in sight with its state, time in state and queue logins."""
    views = agent_queries.presence_board(session, actor, client_id=client_id, clock=clock)
    return [PresenceOut.of(view) for view in views]


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


# --- presence ------------------------------------------------------------------------------


@router.get("/agents/{agent_id}/presence", response_model=PresenceOut, tags=["presence"])
def read_presence(
    agent_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> PresenceOut:
    return PresenceOut.of(agent_queries.get_presence_view(session, actor, agent_id, clock=clock))


@router.put("/agents/{agent_id}/presence", response_model=PresenceOut, tags=["presence"])
def set_presence(
    agent_id: IdPath, body: PresenceIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> PresenceOut:
    """Move an agent (yourself, or one you supervise) to a presence state; 409 if illegal."""
    agent_presence.set_presence(
        session, actor, agent_id, state=body.state, aux_reason=body.aux_reason, clock=clock
    )
    return PresenceOut.of(agent_queries.get_presence_view(session, actor, agent_id, clock=clock))


@router.post(
    "/agents/{agent_id}/queue-logins",
    response_model=QueueLoginRecordOut,
    status_code=201,
    tags=["presence"],
)
def log_into_queue(
    agent_id: IdPath, body: QueueLoginIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> QueueLoginRecordOut:
    """Refused while offline, and without the queue's required training in date (R-HR-3)."""
    login = agent_presence.log_into_queue(session, actor, agent_id, body.queue_id, clock=clock)
    return QueueLoginRecordOut.model_validate(login)


@router.delete("/agents/{agent_id}/queue-logins/{queue_id}", status_code=204, tags=["presence"])
def log_out_of_queue(
    agent_id: IdPath, queue_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> Response:
    agent_presence.log_out_of_queue(session, actor, agent_id, queue_id, clock=clock)
    return Response(status_code=204)


@router.get("/agents/{agent_id}/state-seconds", response_model=StateSecondsOut, tags=["presence"])
def read_state_seconds(
    agent_id: IdPath,
    start: Annotated[AwareDatetime, Query(description="UTC, e.g. 2026-11-23T00:00:00Z")],
    end: Annotated[AwareDatetime, Query(description="after start, at most 31 days later")],
    actor: CurrentActor,
    session: SessionDep,
) -> StateSecondsOut:
    """Seconds in each state within [start, end), for occupancy and adherence."""
    seconds = agent_queries.agent_state_seconds(session, actor, agent_id, start, end)
    return StateSecondsOut(agent_id=agent_id, start=start, end=end, seconds=seconds)


# --- training records ----------------------------------------------------------------------


@router.get(
    "/agents/{agent_id}/training-records",
    response_model=list[TrainingRecordOut],
    tags=["training"],
)
def list_training_records(
    agent_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> list[TrainingRecordOut]:
    views = agent_queries.list_training_records(session, actor, agent_id, clock=clock)
    return [TrainingRecordOut.of(view) for view in views]


@router.post(
    "/agents/{agent_id}/training-records",
    response_model=TrainingRecordOut,
    status_code=201,
    tags=["training"],
)
def record_training(
    agent_id: IdPath,
    body: TrainingRecordIn,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> TrainingRecordOut:
    record = agent_training.record_training(
        session,
        actor,
        agent_id,
        course_code=body.course_code,
        completed_at=body.completed_at,
        expires_at=body.expires_at,
        note=body.note,
        clock=clock,
    )
    return TrainingRecordOut.of_record(record, at=clock.now())
