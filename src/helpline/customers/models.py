"""Tables of the customers domain: profiles and their contact points."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.db import Base


class Customer(Base):
    """A customer of one client organisation; personal data, so every read is audited."""

    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_client_id_display_name", "client_id", "display_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client_organisations.id"))
    display_name: Mapped[str] = mapped_column(String(200))
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    # Communication needs and vulnerability are special-category data (R-INFO-2, R-PROTECT-9):
    # kept only with the customer's consent, recorded in special_category_consent.
    communication_needs: Mapped[str | None] = mapped_column(String(1000))
    is_vulnerable: Mapped[bool] = mapped_column(default=False)
    special_category_consent: Mapped[bool] = mapped_column(default=False)
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    survey_opt_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    contact_points: Mapped[list[CustomerContactPoint]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="CustomerContactPoint.id",
    )


class CustomerContactPoint(Base):
    """A normalised phone number (E.164) or e-mail address, unique within a client."""

    __tablename__ = "customer_contact_points"
    __table_args__ = (UniqueConstraint("client_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("client_organisations.id"))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="contact_points")
