"""JSON routes of the queues domain: queues, their skill needs, closures and open status."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response

from helpline.queues import queries as queue_queries
from helpline.queues import service as queue_service
from helpline.queues.schemas import (
    ClosedDateIn,
    ClosedDateOut,
    QueueIn,
    QueueOut,
    QueueStatusOut,
    QueueUpdateIn,
    SkillRequirementsIn,
)
from helpline.web.deps import ClockDep, CurrentActor, IdPath, IdQuery, SessionDep

router = APIRouter()

# Write routes answer with the queue as GET /queues/{id} shows it, read back after the write.


@router.get("/queues", response_model=list[QueueOut], tags=["queues"])
def list_queues(
    actor: CurrentActor, session: SessionDep, clock: ClockDep, client_id: IdQuery = None
) -> list[QueueOut]:
    views = queue_queries.list_queue_views(session, actor, clock=clock, client_id=client_id)
    return [QueueOut.of(view) for view in views]


@router.post("/queues", response_model=QueueOut, status_code=201, tags=["queues"])
def create_queue(
    body: QueueIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> QueueOut:
    queue = queue_service.create_queue(session, actor, clock=clock, **body.model_dump())
    return QueueOut.of(queue_queries.get_queue_view(session, actor, queue.id, clock=clock))


@router.get("/queues/{queue_id}", response_model=QueueOut, tags=["queues"])
def read_queue(
    queue_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> QueueOut:
    return QueueOut.of(queue_queries.get_queue_view(session, actor, queue_id, clock=clock))


@router.patch("/queues/{queue_id}", response_model=QueueOut, tags=["queues"])
def update_queue(
    queue_id: IdPath, body: QueueUpdateIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> QueueOut:
    queue = queue_service.update_queue(
        session, actor, queue_id, clock=clock, **body.model_dump(exclude_unset=True)
    )
    return QueueOut.of(queue_queries.get_queue_view(session, actor, queue.id, clock=clock))


@router.put("/queues/{queue_id}/skill-requirements", response_model=QueueOut, tags=["queues"])
def set_skill_requirements(
    queue_id: IdPath,
    body: SkillRequirementsIn,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> QueueOut:
    pairs = [(item.skill_code, item.min_level) for item in body.requirements]
    queue = queue_service.set_skill_requirements(session, actor, queue_id, pairs, clock=clock)
    return QueueOut.of(queue_queries.get_queue_view(session, actor, queue.id, clock=clock))


@router.post(
    "/queues/{queue_id}/closed-dates",
    response_model=ClosedDateOut,
    status_code=201,
    tags=["queues"],
)
def add_closed_date(
    queue_id: IdPath, body: ClosedDateIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ClosedDateOut:
    closure = queue_service.add_closed_date(
        session, actor, queue_id, closed_on=body.closed_on, reason=body.reason, clock=clock
    )
    return ClosedDateOut.model_validate(closure)


@router.delete("/queues/{queue_id}/closed-dates/{closed_on}", status_code=204, tags=["queues"])
def remove_closed_date(
    queue_id: IdPath, closed_on: date, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> Response:
    queue_service.remove_closed_date(session, actor, queue_id, closed_on, clock=clock)
    return Response(status_code=204)


@router.get("/queues/{queue_id}/status", response_model=QueueStatusOut, tags=["queues"])
def read_queue_status(
    queue_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> QueueStatusOut:
    """Whether the queue is open now by its published hours and holidays (R-ACCESS-1)."""
    return QueueStatusOut.of(queue_queries.queue_status(session, actor, queue_id, clock=clock))
