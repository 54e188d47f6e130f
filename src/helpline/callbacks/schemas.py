"""API shapes of the callbacks domain and the waiting experience."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from helpline.callbacks.rules import (
    DEFAULT_SCHEDULED_WINDOW_MINUTES,
    MAX_WINDOW_MINUTES,
    MIN_WINDOW_MINUTES,
    AttemptOutcome,
    CallbackKind,
    CallbackStatus,
)
from helpline.callbacks.service import MAX_ATTEMPT_NOTE_LENGTH
from helpline.customers.rules import MAX_PHONE_INPUT_LENGTH


class WaitingStatusOut(BaseModel):
    position: int = Field(description="1-based place in line in the contact's queue")
    waiting_count: int
    estimated_wait_seconds: float | None = Field(
        description="None when no agent who could take the contact is logged in"
    )
    callback_offered: bool
    is_callback: bool


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=MAX_PHONE_INPUT_LENGTH, description="E.164 or national")
    default_region: str | None = Field(default=None, max_length=2, description="ISO 3166-1")
    kind: CallbackKind = CallbackKind.KEEP_PLACE
    window_start: AwareDatetime | None = Field(default=None, description="scheduled only")
    window_minutes: int = Field(
        default=DEFAULT_SCHEDULED_WINDOW_MINUTES, ge=MIN_WINDOW_MINUTES, le=MAX_WINDOW_MINUTES
    )


class CallbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    client_id: int
    queue_id: int
    kind: CallbackKind
    phone: str
    requested_at: datetime
    window_start: datetime
    window_end: datetime
    status: CallbackStatus
    attempts: int
    last_attempt_at: datetime | None
    window_missed_at: datetime | None
    outcome: str | None


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: AttemptOutcome
    note: str | None = Field(default=None, max_length=MAX_ATTEMPT_NOTE_LENGTH)


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    callback_id: int
    agent_id: int | None
    attempted_at: datetime
    outcome: AttemptOutcome
    note: str | None
