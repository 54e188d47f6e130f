"""JSON shapes of the supervisor live view, the twin of the page's tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from helpline.agents.rules import AuxReason, PresenceState
from helpline.contacts.rules import Channel, ContactStatus
from helpline.statistics.queries import AgentBoardRow, QueueBoardRow, SupervisorBoard


class QueueBoardOut(BaseModel):
    queue_id: int
    client_id: int
    code: str
    name: str
    waiting: int
    longest_wait_seconds: float | None
    estimated_wait_seconds: float | None
    available: int
    busy: int
    wrap_up: int
    aux: int

    @classmethod
    def of(cls, row: QueueBoardRow) -> QueueBoardOut:
        return cls(
            queue_id=row.queue_id,
            client_id=row.client_id,
            code=row.code,
            name=row.name,
            waiting=row.waiting,
            longest_wait_seconds=row.longest_wait_seconds,
            estimated_wait_seconds=row.estimated_wait_seconds,
            available=row.available,
            busy=row.busy,
            wrap_up=row.wrap_up,
            aux=row.aux,
        )


class CurrentContactOut(BaseModel):
    reference: str
    channel: Channel
    status: ContactStatus


class AgentBoardOut(BaseModel):
    agent_id: int
    display_name: str
    state: PresenceState
    aux_reason: AuxReason | None
    seconds_in_state: float
    queue_codes: list[str]
    contacts: list[CurrentContactOut]

    @classmethod
    def of(cls, row: AgentBoardRow) -> AgentBoardOut:
        return cls(
            agent_id=row.agent_id,
            display_name=row.display_name,
            state=row.state,
            aux_reason=row.aux_reason,
            seconds_in_state=row.seconds_in_state,
            queue_codes=list(row.queue_codes),
            contacts=[
                CurrentContactOut(
                    reference=item.reference, channel=item.channel, status=item.status
                )
                for item in row.contacts
            ],
        )


class SupervisorBoardOut(BaseModel):
    at: datetime
    queues: list[QueueBoardOut]
    agents: list[AgentBoardOut] | None

    @classmethod
    def of(cls, board: SupervisorBoard) -> SupervisorBoardOut:
        return cls(
            at=board.at,
            queues=[QueueBoardOut.of(row) for row in board.queues],
            agents=None if board.agents is None else [AgentBoardOut.of(r) for r in board.agents],
        )
