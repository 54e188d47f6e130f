"""API shapes of the queues domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from helpline.agents.rules import (
    MAX_COURSE_CODE_LENGTH,
    MAX_SKILL_CODE_LENGTH,
    MAX_SKILL_LEVEL,
    MIN_SKILL_LEVEL,
)
from helpline.contacts.rules import Channel
from helpline.queues.queries import QueueStatus, QueueView
from helpline.queues.rules import (
    DEFAULT_CALLBACK_OFFER_SECONDS,
    DEFAULT_OFFER_TIMEOUT_SECONDS,
    DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_WRAP_UP_SECONDS,
    MAX_QUEUE_NAME_LENGTH,
)
from helpline.queues.service import (
    MAX_CLOSED_DATE_REASON_LENGTH,
    MAX_SKILL_REQUIREMENTS,
    MAX_TIME_ZONE_LENGTH,
)
from helpline.web.deps import MAX_ID

T = TypeVar("T")

# Business hours arrive as typed text; the service reduces them to at most 500 characters.
MAX_BUSINESS_HOURS_INPUT_LENGTH = 2000
# Policy figures are only kept 32-bit here; the service checks each one's own range and
# answers with a message that names it.


class QueueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: int = Field(ge=1, le=MAX_ID)
    code: str = Field(min_length=2, max_length=40, examples=["acme-billing"])
    name: str = Field(min_length=1, max_length=MAX_QUEUE_NAME_LENGTH, examples=["Acme billing"])
    channels: list[Channel] = Field(min_length=1, max_length=10, examples=[["voice", "chat"]])
    time_zone: str = Field(max_length=MAX_TIME_ZONE_LENGTH, examples=["Europe/Istanbul"])
    business_hours: str = Field(
        max_length=MAX_BUSINESS_HOURS_INPUT_LENGTH,
        examples=["mon-fri 08:00-18:00; sat 09:00-13:00"],
    )
    holiday_country: str | None = Field(default=None, max_length=2, examples=["TR"])
    holiday_subdivision: str | None = Field(default=None, max_length=10)
    priority: int = Field(default=0, ge=-MAX_ID, le=MAX_ID)
    callback_offer_seconds: int = Field(
        default=DEFAULT_CALLBACK_OFFER_SECONDS, ge=-MAX_ID, le=MAX_ID
    )
    short_abandon_seconds: int = Field(default=DEFAULT_SHORT_ABANDON_SECONDS, ge=-MAX_ID, le=MAX_ID)
    wrap_up_seconds: int = Field(default=DEFAULT_WRAP_UP_SECONDS, ge=-MAX_ID, le=MAX_ID)
    service_level_threshold_seconds: int = Field(
        default=DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS, ge=-MAX_ID, le=MAX_ID
    )
    max_queue_size: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    overflow_queue_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    overflow_after_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    required_training_code: str | None = Field(
        default=None,
        max_length=MAX_COURSE_CODE_LENGTH,
        description="course agents must have completed, in date, to log in (R-HR-3)",
        examples=["data-protection"],
    )
    offer_timeout_seconds: int = Field(
        default=DEFAULT_OFFER_TIMEOUT_SECONDS,
        ge=-MAX_ID,
        le=MAX_ID,
        description="how long an agent has to accept an offer",
    )
    skill_relaxation_after_seconds: int | None = Field(
        default=None,
        ge=-MAX_ID,
        le=MAX_ID,
        description="after this wait the skill levels needed drop to 1; the language never relaxes",
    )


class QueueUpdateIn(BaseModel):
    """Only the fields sent are changed; the code and the client never change.

    Null clears holiday_country, holiday_subdivision, max_queue_size, the overflow pair and
    required_training_code.
    """

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=MAX_QUEUE_NAME_LENGTH)
    channels: list[Channel] | None = Field(default=None, min_length=1, max_length=10)
    time_zone: str | None = Field(default=None, max_length=MAX_TIME_ZONE_LENGTH)
    business_hours: str | None = Field(default=None, max_length=MAX_BUSINESS_HOURS_INPUT_LENGTH)
    holiday_country: str | None = Field(default=None, max_length=2)
    holiday_subdivision: str | None = Field(default=None, max_length=10)
    priority: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    callback_offer_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    short_abandon_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    wrap_up_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    service_level_threshold_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    max_queue_size: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    overflow_queue_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    overflow_after_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    required_training_code: str | None = Field(default=None, max_length=MAX_COURSE_CODE_LENGTH)
    offer_timeout_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    skill_relaxation_after_seconds: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    is_active: bool | None = None

    @field_validator(
        "name",
        "channels",
        "time_zone",
        "business_hours",
        "priority",
        "callback_offer_seconds",
        "short_abandon_seconds",
        "wrap_up_seconds",
        "service_level_threshold_seconds",
        "offer_timeout_seconds",
        "is_active",
    )
    @classmethod
    def _not_null(cls, value: T) -> T:
        # Validators run only on fields that were sent, so None here is an explicit null.
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value


class SkillRequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill_code: str = Field(min_length=1, max_length=MAX_SKILL_CODE_LENGTH, examples=["lang-tr"])
    min_level: int = Field(default=1, ge=MIN_SKILL_LEVEL, le=MAX_SKILL_LEVEL)


class SkillRequirementsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requirements: list[SkillRequirementIn] = Field(max_length=MAX_SKILL_REQUIREMENTS)


class SkillRequirementOut(BaseModel):
    skill_code: str
    skill_name: str
    language_code: str | None
    min_level: int


class ClosedDateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed_on: date = Field(examples=["2026-12-31"])
    reason: str = Field(min_length=1, max_length=MAX_CLOSED_DATE_REASON_LENGTH)


class ClosedDateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    closed_on: date
    reason: str


class QueueOut(BaseModel):
    id: int
    client_id: int
    client_code: str
    code: str
    name: str
    channels: list[Channel]
    priority: int
    time_zone: str
    business_hours: str = Field(description="canonical form, e.g. 'mon-fri 08:00-18:00'")
    holiday_country: str | None
    holiday_subdivision: str | None
    callback_offer_seconds: int
    short_abandon_seconds: int
    wrap_up_seconds: int
    service_level_threshold_seconds: int
    max_queue_size: int | None
    overflow_queue_id: int | None
    overflow_after_seconds: int | None
    required_training_code: str | None
    offer_timeout_seconds: int
    skill_relaxation_after_seconds: int | None
    is_active: bool
    is_open_now: bool
    skill_requirements: list[SkillRequirementOut]
    closed_dates: list[ClosedDateOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: QueueView) -> QueueOut:
        queue = view.queue
        return cls(
            id=queue.id,
            client_id=queue.client_id,
            client_code=view.client_code,
            code=queue.code,
            name=queue.name,
            channels=[Channel(channel) for channel in queue.channels],
            priority=queue.priority,
            time_zone=queue.time_zone,
            business_hours=queue.business_hours,
            holiday_country=queue.holiday_country,
            holiday_subdivision=queue.holiday_subdivision,
            callback_offer_seconds=queue.callback_offer_seconds,
            short_abandon_seconds=queue.short_abandon_seconds,
            wrap_up_seconds=queue.wrap_up_seconds,
            service_level_threshold_seconds=queue.service_level_threshold_seconds,
            max_queue_size=queue.max_queue_size,
            overflow_queue_id=queue.overflow_queue_id,
            overflow_after_seconds=queue.overflow_after_seconds,
            required_training_code=queue.required_training_code,
            offer_timeout_seconds=queue.offer_timeout_seconds,
            skill_relaxation_after_seconds=queue.skill_relaxation_after_seconds,
            is_active=queue.is_active,
            is_open_now=view.is_open_now,
            skill_requirements=[
                SkillRequirementOut(
                    skill_code=req.skill_code,
                    skill_name=req.skill_name,
                    language_code=req.language_code,
                    min_level=req.min_level,
                )
                for req in view.skill_requirements
            ],
            closed_dates=[
                ClosedDateOut.model_validate(closure)
                for closure in sorted(queue.closed_dates, key=lambda item: item.closed_on)
            ],
            created_at=queue.created_at,
            updated_at=queue.updated_at,
        )


class QueueStatusOut(BaseModel):
    queue_id: int
    is_open: bool
    next_opening: datetime | None = Field(
        description="UTC; the current instant when open; null when inactive or closed for 30 days"
    )
    local_time: datetime = Field(description="the current time in the queue's time zone")
    time_zone: str

    @classmethod
    def of(cls, status: QueueStatus) -> QueueStatusOut:
        return cls(
            queue_id=status.queue_id,
            is_open=status.is_open,
            next_opening=status.next_opening,
            local_time=status.local_time,
            time_zone=status.time_zone,
        )
