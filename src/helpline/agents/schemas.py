"""API shapes of the agents domain."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from helpline.agents.models import Skill, TrainingRecord
from helpline.agents.queries import AgentView, PresenceView, TrainingRecordView
from helpline.agents.rules import (
    MAX_COURSE_CODE_LENGTH,
    MAX_SKILL_CODE_LENGTH,
    MAX_SKILL_LEVEL,
    MAX_SKILL_NAME_LENGTH,
    MAX_SKILLS_PER_AGENT,
    MAX_TRAINING_NOTE_LENGTH,
    MIN_SKILL_LEVEL,
    AuxReason,
    PresenceState,
    is_training_valid,
)
from helpline.contacts.rules import Channel
from helpline.identity.rules import MAX_DISPLAY_NAME_LENGTH
from helpline.web.deps import MAX_ID

T = TypeVar("T")

# Language tags such as "tr-TR" are accepted and reduced to the language.
MAX_LANGUAGE_TAG_LENGTH = 35


class SkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=MAX_SKILL_CODE_LENGTH, examples=["lang-tr"])
    name: str = Field(min_length=1, max_length=MAX_SKILL_NAME_LENGTH, examples=["Turkish"])
    language_code: str | None = Field(
        default=None,
        max_length=MAX_LANGUAGE_TAG_LENGTH,
        description="set for a language skill (R-ACCESS-8)",
        examples=["tr"],
    )


class SkillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    language_code: str | None
    created_at: datetime

    @classmethod
    def of(cls, skill: Skill) -> SkillOut:
        return cls.model_validate(skill)


class AgentSkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill_code: str = Field(min_length=1, max_length=MAX_SKILL_CODE_LENGTH, examples=["billing"])
    level: int = Field(ge=MIN_SKILL_LEVEL, le=MAX_SKILL_LEVEL, examples=[3])


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int = Field(ge=1, le=MAX_ID)
    display_name: str | None = Field(
        default=None, max_length=MAX_DISPLAY_NAME_LENGTH, description="defaults to the user's"
    )
    skills: list[AgentSkillIn] = Field(default_factory=list, max_length=MAX_SKILLS_PER_AGENT)
    capacities: dict[Channel, int] | None = Field(
        default=None,
        description="max contacts at once per channel; channels not named get the default",
        examples=[{"voice": 1, "chat": 3, "email": 5}],
    )


class AgentUpdateIn(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=MAX_DISPLAY_NAME_LENGTH)
    is_active: bool | None = None

    @field_validator("display_name", "is_active")
    @classmethod
    def _not_null(cls, value: T) -> T:
        # Validators run only on fields that were sent, so None here is an explicit null.
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value


class AgentSkillsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[AgentSkillIn] = Field(max_length=MAX_SKILLS_PER_AGENT)


class AgentCapacitiesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capacities: dict[Channel, int] = Field(
        description="max contacts at once per channel; a channel not named gets 0",
        examples=[{"voice": 1, "chat": 3, "email": 5}],
    )


class AgentSkillOut(BaseModel):
    skill_code: str
    skill_name: str
    language_code: str | None
    level: int


class AgentOut(BaseModel):
    id: int
    user_id: int
    email: str
    display_name: str
    is_active: bool
    client_ids: list[int] = Field(description="clients served; empty means every client")
    skills: list[AgentSkillOut]
    languages: list[str]
    capacities: dict[str, int]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: AgentView) -> AgentOut:
        agent = view.agent
        return cls(
            id=agent.id,
            user_id=agent.user_id,
            email=view.email,
            display_name=agent.display_name,
            is_active=agent.is_active,
            client_ids=sorted(view.client_ids),
            skills=[
                AgentSkillOut(
                    skill_code=link.skill.code,
                    skill_name=link.skill.name,
                    language_code=link.skill.language_code,
                    level=link.level,
                )
                for link in view.skills
            ],
            languages=view.languages,
            capacities=view.capacities,
            created_at=agent.created_at,
            updated_at=agent.updated_at,
        )


# --- presence ------------------------------------------------------------------------------


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: PresenceState = Field(examples=["aux"])
    aux_reason: AuxReason | None = Field(
        default=None, description="required with aux, refused with any other state"
    )


class QueueLoginOut(BaseModel):
    queue_id: int
    queue_code: str
    logged_in_at: datetime


class PresenceOut(BaseModel):
    agent_id: int
    display_name: str
    is_active: bool
    state: PresenceState
    aux_reason: AuxReason | None
    since: datetime
    seconds_in_state: float
    queues: list[QueueLoginOut] = Field(description="queues the agent is logged into")

    @classmethod
    def of(cls, view: PresenceView) -> PresenceOut:
        return cls(
            agent_id=view.agent_id,
            display_name=view.display_name,
            is_active=view.is_active,
            state=view.state,
            aux_reason=view.aux_reason,
            since=view.since,
            seconds_in_state=view.seconds_in_state,
            queues=[
                QueueLoginOut(
                    queue_id=login.queue_id,
                    queue_code=login.queue_code,
                    logged_in_at=login.logged_in_at,
                )
                for login in view.queues
            ],
        )


class QueueLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue_id: int = Field(ge=1, le=MAX_ID)


class QueueLoginRecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agent_id: int
    queue_id: int
    logged_in_at: datetime
    logged_out_at: datetime | None


class StateSecondsOut(BaseModel):
    agent_id: int
    start: datetime
    end: datetime
    seconds: dict[PresenceState, float] = Field(
        description="seconds in each state within [start, end); they add up to the period"
    )


# --- training records ----------------------------------------------------------------------


class TrainingRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_code: str = Field(
        min_length=2, max_length=MAX_COURSE_CODE_LENGTH, examples=["data-protection"]
    )
    completed_at: AwareDatetime = Field(examples=["2026-11-20T09:00:00Z"])
    expires_at: AwareDatetime | None = Field(default=None, examples=["2027-11-20T00:00:00Z"])
    note: str | None = Field(default=None, max_length=MAX_TRAINING_NOTE_LENGTH)


class TrainingRecordOut(BaseModel):
    id: int
    agent_id: int
    course_code: str
    completed_at: datetime
    expires_at: datetime | None
    is_valid_now: bool
    recorded_by_user_id: int | None
    recorded_at: datetime
    note: str | None

    @classmethod
    def of(cls, view: TrainingRecordView) -> TrainingRecordOut:
        record = view.record
        return cls(
            id=record.id,
            agent_id=record.agent_id,
            course_code=record.course_code,
            completed_at=record.completed_at,
            expires_at=record.expires_at,
            is_valid_now=view.is_valid_now,
            recorded_by_user_id=record.recorded_by_user_id,
            recorded_at=record.recorded_at,
            note=record.note,
        )

    @classmethod
    def of_record(cls, record: TrainingRecord, *, at: datetime) -> TrainingRecordOut:
        valid = is_training_valid(record.completed_at, record.expires_at, at)
        return cls.of(TrainingRecordView(record=record, is_valid_now=valid))
