"""The routing timers, the cycle that runs them before the offers, and its dispatcher thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from helpline.agents import presence as agent_presence
from helpline.agents.models import AgentPresence
from helpline.agents.rules import PresenceState
from helpline.callbacks import jobs as callback_jobs
from helpline.clock import Clock, ensure_utc
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import ContactStatus, EventKind
from helpline.queues.models import Queue
from helpline.routing import service as routing_service

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "CycleReport",
    "Dispatcher",
    "expire_wrap_ups",
    "offer_callbacks",
    "overflow_contacts",
    "run_routing_cycle",
    "start_dispatcher",
    "stop_dispatcher",
]

_log = logging.getLogger(__name__)
# Passes of the engine in one cycle at most, so a flood of arrivals cannot starve the timers.
MAX_ROUTING_PASSES: Final = 50
DEFAULT_TICK_SECONDS: Final = 1.0


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What one cycle did."""

    offers_expired: int
    callbacks_offered: int
    overflowed: int
    wrap_ups_expired: int
    callback_timers: int
    offers_made: int


# --- timers --------------------------------------------------------------------------------


def expire_wrap_ups(session: Session, clock: Clock) -> int:
    """Agents in wrap-up longer than their queue's wrap-up time go available (timer)."""
    now = clock.now()
    presences = list(
        session.scalars(
            select(AgentPresence)
            .where(AgentPresence.state == PresenceState.WRAP_UP.value)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )
    moved = 0
    for presence in presences:
        seconds = session.scalar(
            select(func.max(Queue.wrap_up_seconds))
            .join(Contact, Contact.queue_id == Queue.id)
            .where(
                Contact.agent_id == presence.agent_id,
                Contact.status == ContactStatus.ENDED.value,
            )
        )
        if ensure_utc(presence.since) + timedelta(seconds=seconds or 0) <= now:
            agent_presence.apply_presence_move(
                session,
                routing_service.ROUTING_ACTOR,
                presence.agent_id,
                state=PresenceState.AVAILABLE,
                clock=clock,
            )
            moved += 1
    session.commit()
    return moved


def _queued_contacts(
    session: Session, *conditions: ColumnElement[bool]
) -> list[tuple[Contact, Queue]]:
    result = session.execute(
        select(Contact, Queue)
        .join(Queue, Queue.id == Contact.queue_id)
        .where(
            Contact.status == ContactStatus.QUEUED.value, Contact.agent_id.is_(None), *conditions
        )
        .order_by(Contact.id)
        .with_for_update(skip_locked=True, of=Contact)
        .execution_options(populate_existing=True)
    )
    return [(contact, queue) for contact, queue in result]


def offer_callbacks(session: Session, clock: Clock) -> int:
    """Offer a callback to contacts queued for the queue's callback time (R-ACCESS-3)."""
    now = clock.now()
    served_before = exists().where(
        ContactEvent.contact_id == Contact.id,
        ContactEvent.kind.in_(
            (
                EventKind.ANSWERED.value,
                EventKind.CALLBACK_MADE.value,
                EventKind.CALLBACK_REQUESTED.value,
            )
        ),
    )
    count = 0
    for contact, queue in _queued_contacts(
        session,
        Contact.callback_offered_at.is_(None),
        Contact.queued_at.is_not(None),
        ~served_before,
    ):
        if (
            contact.queued_at is None
            or ensure_utc(contact.queued_at) + timedelta(seconds=queue.callback_offer_seconds) > now
        ):
            continue
        contact_service.append_event(
            session,
            routing_service.ROUTING_ACTOR,
            contact.id,
            kind=EventKind.CALLBACK_OFFERED,
            clock=clock,
        )
        count += 1
    session.commit()
    return count


def overflow_contacts(session: Session, clock: Clock) -> int:
    """Move contacts waiting past their queue's overflow time to its overflow queue; the
    original arrival and priority are kept."""
    now = clock.now()
    count = 0
    for contact, queue in _queued_contacts(
        session, Queue.overflow_queue_id.is_not(None), Queue.overflow_after_seconds.is_not(None)
    ):
        if (
            contact.queued_at is None
            or queue.overflow_after_seconds is None
            or ensure_utc(contact.queued_at) + timedelta(seconds=queue.overflow_after_seconds) > now
        ):
            continue
        target = session.get(Queue, queue.overflow_queue_id)
        if target is None or not routing_service.queue_takes(target, contact):
            continue
        contact_service.append_event(
            session,
            routing_service.ROUTING_ACTOR,
            contact.id,
            kind=EventKind.QUEUED,
            clock=clock,
            queue_id=target.id,
            data={"reason": "overflow", "from_queue_id": queue.id},
        )
        count += 1
    session.commit()
    return count


# --- the cycle -----------------------------------------------------------------------------


def _run(session_factory: sessionmaker[Session], job: Callable[[Session], int]) -> int:
    with session_factory() as session:
        try:
            return job(session)
        except Exception:
            session.rollback()
            raise


def run_routing_cycle(session_factory: sessionmaker[Session], clock: Clock) -> CycleReport:
    """Run every timer, each in its own transaction, then route until no offer is made."""
    expired = _run(session_factory, lambda s: routing_service.expire_offers(s, clock))
    offered = _run(session_factory, lambda s: offer_callbacks(s, clock))
    overflowed = _run(session_factory, lambda s: overflow_contacts(s, clock))
    wrap_ups = _run(session_factory, lambda s: expire_wrap_ups(s, clock))
    timers = _run(session_factory, lambda s: callback_jobs.run_callback_timers(s, clock))
    made = 0
    for _ in range(MAX_ROUTING_PASSES):
        count = _run(
            session_factory, lambda s: len(routing_service.route_waiting_contacts(s, clock))
        )
        made += count
        if count == 0:
            break
    return CycleReport(
        offers_expired=expired,
        callbacks_offered=offered,
        overflowed=overflowed,
        wrap_ups_expired=wrap_ups,
        callback_timers=timers,
        offers_made=made,
    )


class Dispatcher:
    """A daemon thread that runs a routing cycle every tick, or at once when woken."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        *,
        tick_seconds: float = DEFAULT_TICK_SECONDS,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._tick = tick_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.cycles = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="routing-dispatcher", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run the next cycle now (a contact arrived, an agent became free)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the cycle under way and end the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                run_routing_cycle(self._session_factory, self._clock)
            except Exception:  # a failed cycle must not end the dispatcher; the next retries
                _log.exception("routing cycle failed")
            self.cycles += 1
            self._wake.wait(self._tick)
            self._wake.clear()


def start_dispatcher(app: FastAPI, *, tick_seconds: float = DEFAULT_TICK_SECONDS) -> Dispatcher:
    """Start a dispatcher on the app's session factory and clock; kept in app.state."""
    dispatcher = Dispatcher(app.state.session_factory, app.state.clock, tick_seconds=tick_seconds)
    app.state.dispatcher = dispatcher
    dispatcher.start()
    return dispatcher


def stop_dispatcher(app: FastAPI) -> None:
    """Stop the app's dispatcher, if one runs."""
    dispatcher: Dispatcher | None = getattr(app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.stop()
        app.state.dispatcher = None
