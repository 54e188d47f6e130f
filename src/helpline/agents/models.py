"""Tables of the agents domain: agents, skills, capacity, presence, queue logins, training."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.db import Base


class Skill(Base):
    """What an agent can handle; a language is a skill with a language code (GLOSSARY)."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    language_code: Mapped[str | None] = mapped_column(String(8), unique=True)
    created_at: Mapped[datetime]


class Agent(Base):
    """The working profile of a user who handles contacts."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    skills: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", lazy="selectin"
    )
    capacities: Mapped[list[AgentChannelCapacity]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", lazy="selectin"
    )


class AgentSkill(Base):
    __tablename__ = "agent_skills"
    __table_args__ = (UniqueConstraint("agent_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    level: Mapped[int]

    agent: Mapped[Agent] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship(lazy="joined")


class AgentChannelCapacity(Base):
    """How many contacts of one channel the agent can hold at once (GLOSSARY: capacity)."""

    __tablename__ = "agent_channel_capacities"
    __table_args__ = (UniqueConstraint("agent_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    max_contacts: Mapped[int]

    agent: Mapped[Agent] = relationship(back_populates="capacities")


class AgentPresence(Base):
    """The agent's presence state now: one row per agent, locked for every move."""

    __tablename__ = "agent_presence"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(20))
    aux_reason: Mapped[str | None] = mapped_column(String(20))
    since: Mapped[datetime]
    updated_at: Mapped[datetime]


class AgentStateChange(Base):
    """Append-only presence history; occupancy (R-HR-8) and adherence (R-OPS-2) read it."""

    __tablename__ = "agent_state_changes"
    __table_args__ = (Index("ix_agent_state_changes_agent_started", "agent_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    aux_reason: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_system: Mapped[bool] = mapped_column(default=False)


class TrainingRecord(Base):
    """A course an agent completed, valid until it expires (R-HR-3, R-DATA-9)."""

    __tablename__ = "training_records"
    __table_args__ = (Index("ix_training_records_agent_course", "agent_id", "course_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    course_code: Mapped[str] = mapped_column(String(40))
    completed_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(String(500))


class AgentQueueLogin(Base):
    """A period an agent was logged into a queue; open while logged_out_at is empty."""

    __tablename__ = "agent_queue_logins"
    __table_args__ = (
        # At most one open login per agent and queue; the service checks it too, with the
        # agent row locked, and answers with a message rather than an integrity error.
        Index(
            "uq_agent_queue_logins_open",
            "agent_id",
            "queue_id",
            unique=True,
            sqlite_where=text("logged_out_at IS NULL"),
            postgresql_where=text("logged_out_at IS NULL"),
        ),
        Index("ix_agent_queue_logins_queue", "queue_id", "logged_out_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    logged_in_at: Mapped[datetime]
    logged_out_at: Mapped[datetime | None]
