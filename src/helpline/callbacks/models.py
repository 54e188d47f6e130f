"""Tables of the callbacks domain: promised callbacks and every attempt to make them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base


class Callback(Base):
    """A callback the centre promised (R-ACCESS-4): in the customer's place in line
    (virtual hold) or at a time the customer chose inside business hours."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_status_window_end", "status", "window_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client_organisations.id"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    # keep_place (the place in line is kept) or scheduled (a chosen window)
    kind: Mapped[str] = mapped_column(String(12))
    phone: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime]
    # The promised window: the callback is due from window_start and kept if an attempt
    # is made by window_end (R-ACCESS-4).
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    # waiting, offered, calling, completed, failed, cancelled
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    # Set when the window closed with no attempt: the promise was broken.
    window_missed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime]


class CallbackAttempt(Base):
    """One try to reach the customer, with its outcome."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    attempted_at: Mapped[datetime]
    # answered, no_answer, busy, voicemail, invalid_number
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
