"""Tables of the contacts domain: the contact record, its event log, reference counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.db import Base

# 64-bit ids on PostgreSQL, where the event log grows without end; SQLite's rowid is 64-bit anyway.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Contact(Base):
    """One interaction on one channel; its status is a cache of what its events imply."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_client_id_status", "client_id", "status"),
        Index("ix_contacts_queue_id_status", "queue_id", "status"),
        Index("ix_contacts_arrived_at", "arrived_at"),
        Index("ix_contacts_status_priority_arrived_at", "status", "priority", "arrived_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client_organisations.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(300))
    # The language the customer is served in (R-ACCESS-8); routing matches agents on it.
    language: Mapped[str | None] = mapped_column(String(8))
    # Routing order: higher priority first (the queue's, plus any boost), then arrived_at.
    priority: Mapped[int] = mapped_column(default=0)
    # The original arrival survives transfers and callbacks: routing orders by it.
    arrived_at: Mapped[datetime]
    # When the contact entered its current queue: the clock for the callback offer,
    # skill relaxation and overflow.
    queued_at: Mapped[datetime | None]
    callback_offered_at: Mapped[datetime | None]
    # The agent the contact is offered to or handled by now; counts against its capacity.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    last_event_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]

    events: Mapped[list[ContactEvent]] = relationship(
        back_populates="contact", order_by="ContactEvent.seq", lazy="raise"
    )


class ContactEvent(Base):
    """One timestamped fact in a contact's life; append-only, the source of every KPI."""

    __tablename__ = "contact_events"
    __table_args__ = (
        UniqueConstraint("contact_id", "seq"),
        Index("ix_contact_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    note: Mapped[str | None] = mapped_column(String(2000))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Each event carries the hash of the contact's previous event, so an edit made outside
    # Helpline breaks the chain and is found by verify_event_chain (R-INFRA-2).
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    contact: Mapped[Contact] = relationship(back_populates="events")


class ReferenceCounter(Base):
    """The last reference number issued in a year; a row lock makes numbers unique and gapless."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(BigInteger)
