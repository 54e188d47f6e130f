"""API shapes of the routing domain: offers, transfers and wrap-ups."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from helpline.contacts.rules import MAX_EVENT_NOTE_LENGTH
from helpline.contacts.schemas import BodyId
from helpline.routing.service import MAX_WRAP_UP_TEXT_LENGTH


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    agent_id: int
    queue_id: int | None
    status: str = Field(description="pending, accepted, rejected, timed_out or withdrawn")
    offered_at: datetime
    expires_at: datetime
    decided_at: datetime | None


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_queue_id: BodyId | None = None
    to_agent_id: BodyId | None = None
    note: str = Field(
        min_length=1,
        max_length=MAX_EVENT_NOTE_LENGTH,
        description="the context handed over with the contact (R-OPS-8)",
    )


class WrapUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_WRAP_UP_TEXT_LENGTH)
    outcome: str = Field(min_length=1, max_length=MAX_WRAP_UP_TEXT_LENGTH)
