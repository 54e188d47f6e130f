"""Read-only selects of the callbacks domain: the supervisor's list and the kept rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.callbacks.models import Callback, CallbackAttempt
from helpline.callbacks.rules import CallbackStatus, is_kept
from helpline.clock import ensure_utc
from helpline.errors import InvalidInput
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission

__all__ = ["MAX_PAGE_SIZE", "KeptRate", "callback_kept_rate", "list_callbacks"]

MAX_PAGE_SIZE: Final = 200


@dataclass(frozen=True, slots=True)
class KeptRate:
    """Callbacks promised in a period, how many were attempted in their window, the share."""

    promised: int
    kept: int
    kept_rate_pct: float | None


def list_callbacks(
    session: Session,
    actor: Actor,
    *,
    client_id: int | None = None,
    status: CallbackStatus | None = None,
    due_before: datetime | None = None,
    limit: int = 50,
) -> list[Callback]:
    """Callbacks of the clients the actor may see, soonest due first (the supervisor view)."""
    identity_service.authorise(actor, Permission.READ_CONTACTS)
    query = (
        select(Callback)
        .order_by(Callback.window_start, Callback.id)
        .limit(min(max(limit, 1), MAX_PAGE_SIZE))
    )
    scope = identity_service.visible_client_ids(actor)
    if scope is not None:
        query = query.where(Callback.client_id.in_(scope))
    if client_id is not None:
        query = query.where(Callback.client_id == client_id)
    if status is not None:
        query = query.where(Callback.status == CallbackStatus(status).value)
    if due_before is not None:
        _require_aware(due_before, "due_before")
        query = query.where(Callback.window_start < due_before)
    return list(session.scalars(query))


def callback_kept_rate(
    session: Session, actor: Actor, *, client_id: int, start: datetime, end: datetime
) -> KeptRate:
    """Kept rate = callbacks attempted in window / callbacks promised, for callbacks requested
    in [start, end) (REQUIREMENTS §2 Callback KPIs, R-ACCESS-4). Cancelled ones count neither
    way: the customer withdrew the promise. None when nothing was promised."""
    identity_service.authorise(actor, Permission.READ_CONTACTS, client_id=client_id)
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        raise InvalidInput("the period must end after it starts", field="end")
    first_attempt = (
        select(CallbackAttempt.callback_id, func.min(CallbackAttempt.attempted_at).label("first"))
        .group_by(CallbackAttempt.callback_id)
        .subquery()
    )
    rows = session.execute(
        select(Callback.window_end, Callback.window_missed_at, first_attempt.c.first)
        .outerjoin(first_attempt, first_attempt.c.callback_id == Callback.id)
        .where(
            Callback.client_id == client_id,
            Callback.requested_at >= start,
            Callback.requested_at < end,
            Callback.status != CallbackStatus.CANCELLED.value,
        )
    )
    promised = kept = 0
    for window_end, missed_at, first in rows:
        promised += 1
        kept += is_kept(
            ensure_utc(window_end),
            ensure_utc(first) if first is not None else None,
            ensure_utc(missed_at) if missed_at is not None else None,
        )
    rate = round(100.0 * kept / promised, 2) if promised else None
    return KeptRate(promised=promised, kept=kept, kept_rate_pct=rate)


def _require_aware(moment: datetime, field: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} must be a timezone-aware datetime", field=field)
