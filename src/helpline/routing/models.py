"""Tables of the routing engine: offers of contacts to agents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base


class Offer(Base):
    """A contact presented to one agent, who accepts or rejects it before it expires."""

    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_status_expires_at", "status", "expires_at"),
        Index("ix_offers_agent_id_status", "agent_id", "status"),
        Index("ix_offers_contact_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    # pending, accepted, rejected, timed_out or withdrawn (the contact left first)
    status: Mapped[str] = mapped_column(String(12))
    offered_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
