"""JSON routes of the statistics domain: the supervisor live view's board."""

from __future__ import annotations

from fastapi import APIRouter

from helpline.statistics import queries as statistics_queries
from helpline.statistics.schemas import SupervisorBoardOut
from helpline.web.deps import ClockDep, CurrentActor, IdQuery, SessionDep

router = APIRouter()


@router.get("/supervisor/board", response_model=SupervisorBoardOut, tags=["statistics"])
def supervisor_board(
    actor: CurrentActor, session: SessionDep, clock: ClockDep, client_id: IdQuery = None
) -> SupervisorBoardOut:
    """Queues and agents now, as the live view shows them; agents is null for client viewers."""
    board = statistics_queries.supervisor_board(session, actor, clock=clock, client_id=client_id)
    return SupervisorBoardOut.of(board)
