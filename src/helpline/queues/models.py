"""Tables of the queues domain: queues with their policy, skill needs and closures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.db import Base
from helpline.queues.rules import (
    DEFAULT_CALLBACK_OFFER_SECONDS,
    DEFAULT_OFFER_TIMEOUT_SECONDS,
    DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_WRAP_UP_SECONDS,
)


class Queue(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client_organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    channels: Mapped[list[str]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(default=0)
    # Business hours in the canonical text form of queues.rules.format_opening_periods,
    # evaluated in the queue's own time zone with its national holiday calendar (R-ACCESS-1).
    time_zone: Mapped[str] = mapped_column(String(64))
    business_hours: Mapped[str] = mapped_column(String(500))
    holiday_country: Mapped[str | None] = mapped_column(String(2))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(10))
    callback_offer_seconds: Mapped[int] = mapped_column(default=DEFAULT_CALLBACK_OFFER_SECONDS)
    short_abandon_seconds: Mapped[int] = mapped_column(default=DEFAULT_SHORT_ABANDON_SECONDS)
    wrap_up_seconds: Mapped[int] = mapped_column(default=DEFAULT_WRAP_UP_SECONDS)
    service_level_threshold_seconds: Mapped[int] = mapped_column(
        default=DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS
    )
    max_queue_size: Mapped[int | None]
    # How long an agent has to accept an offer before it goes back to the queue.
    offer_timeout_seconds: Mapped[int] = mapped_column(default=DEFAULT_OFFER_TIMEOUT_SECONDS)
    # After this wait the required skill levels relax to 1 (the language never relaxes).
    skill_relaxation_after_seconds: Mapped[int | None]
    overflow_queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    overflow_after_seconds: Mapped[int | None]
    # The course an agent must have completed, in date, to log into this queue (R-HR-3).
    required_training_code: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    skill_requirements: Mapped[list[QueueSkillRequirement]] = relationship(
        back_populates="queue", cascade="all, delete-orphan", lazy="selectin"
    )
    closed_dates: Mapped[list[QueueClosedDate]] = relationship(
        back_populates="queue", cascade="all, delete-orphan", lazy="selectin"
    )


class QueueSkillRequirement(Base):
    """A skill (or language) an agent needs, at a minimum level, to take this queue's contacts."""

    __tablename__ = "queue_skill_requirements"
    __table_args__ = (UniqueConstraint("queue_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    min_level: Mapped[int] = mapped_column(default=1)

    queue: Mapped[Queue] = relationship(back_populates="skill_requirements")


class QueueClosedDate(Base):
    """A day the queue is closed beyond the national calendar (company holiday, move)."""

    __tablename__ = "queue_closed_dates"
    __table_args__ = (UniqueConstraint("queue_id", "closed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    closed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))

    queue: Mapped[Queue] = relationship(back_populates="closed_dates")
