"""API shapes of the contacts domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from helpline.contacts.rules import (
    MAX_EVENT_DATA_KEYS,
    MAX_EVENT_NOTE_LENGTH,
    MAX_SUBJECT_LENGTH,
    Channel,
    ContactStatus,
    Direction,
    EventKind,
)
from helpline.web.deps import MAX_ID

# Ids in a body are bounded like path ids, so PostgreSQL never sees an out-of-range integer.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_REFERENCE_LENGTH = 40


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: BodyId
    channel: Channel
    direction: Direction = Direction.INBOUND
    queue_id: BodyId | None = None
    customer_id: BodyId | None = None
    subject: str | None = Field(default=None, max_length=MAX_SUBJECT_LENGTH)
    note: str | None = Field(
        default=None, max_length=MAX_EVENT_NOTE_LENGTH, description="kept on the arrived event"
    )
    language: str | None = Field(
        default=None,
        max_length=16,
        description="the language to serve in (en, tr, ru, hu, vi); default: the customer's",
    )


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str = Field(description="quoted to the customer, e.g. HL-2026-000123")
    client_id: int
    queue_id: int | None
    customer_id: int | None
    channel: Channel
    direction: Direction
    status: ContactStatus
    subject: str | None
    language: str | None
    priority: int
    agent_id: int | None
    arrived_at: datetime
    queued_at: datetime | None
    updated_at: datetime
    last_event_seq: int = Field(description="send it back as expected_seq with the next event")


class ContactDetailOut(ContactOut):
    allowed_events: list[EventKind] = Field(description="the events the contact may take next")
    is_callback: bool
    was_answered: bool
    transfer_count: int
    hold_count: int


class ContactEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EventKind = Field(description="any kind but arrived, which only intake records")
    agent_id: BodyId | None = Field(default=None, description="required for offered")
    queue_id: BodyId | None = Field(default=None, description="the queue a queued event enters")
    note: str | None = Field(default=None, max_length=MAX_EVENT_NOTE_LENGTH)
    data: dict[str, Any] | None = Field(
        default=None,
        max_length=MAX_EVENT_DATA_KEYS,
        description="context passed along, e.g. on a transfer: at most 50 keys, 3 levels, 8 KB",
    )
    expected_seq: int | None = Field(
        default=None, ge=0, le=MAX_ID, description="refused with 409 if the contact moved on"
    )


class ContactEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    seq: int
    kind: EventKind
    occurred_at: datetime
    actor_user_id: int | None
    agent_id: int | None
    queue_id: int | None
    note: str | None
    data: dict[str, Any]
    previous_hash: str
    entry_hash: str
