"""Queue use cases: channels, published hours and holidays, policy, skill needs, closures."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.agents import service as agent_service
from helpline.agents.rules import validate_course_code, validate_skill_levels
from helpline.clock import Clock
from helpline.contacts.rules import Channel
from helpline.errors import Conflict, DomainError, InvalidInput, NotFound
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, AuditAction, Permission, can_access_client
from helpline.queues.models import Queue, QueueClosedDate, QueueSkillRequirement
from helpline.queues.rules import (
    DEFAULT_CALLBACK_OFFER_SECONDS,
    DEFAULT_OFFER_TIMEOUT_SECONDS,
    DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_WRAP_UP_SECONDS,
    MAX_QUEUE_NAME_LENGTH,
    BusinessCalendar,
    format_opening_periods,
    is_open,
    next_opening,
    parse_opening_periods,
    validate_optional_policy_figure,
    validate_policy_figure,
    validate_queue_code,
)
from helpline.validation import clean_text


class Unchanged(Enum):
    """Marks a field that a partial update leaves as it is (None may be a real value)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED

MAX_BUSINESS_HOURS_LENGTH = 500
MAX_TIME_ZONE_LENGTH = 64
MAX_CLOSED_DATE_REASON_LENGTH = 200
MAX_SKILL_REQUIREMENTS = 50
# An overflow chain longer than this is refused along with loops: routing follows it.
MAX_OVERFLOW_CHAIN = 10

# Allowed range (inclusive) of each queue policy figure. Priority: higher is served first
# when an agent could take contacts from several queues.


# --- queues --------------------------------------------------------------------------------


def create_queue(
    session: Session,
    actor: Actor,
    *,
    client_id: int,
    code: str,
    name: str,
    channels: Sequence[str],
    time_zone: str,
    business_hours: str,
    holiday_country: str | None = None,
    holiday_subdivision: str | None = None,
    priority: int = 0,
    callback_offer_seconds: int = DEFAULT_CALLBACK_OFFER_SECONDS,
    short_abandon_seconds: int = DEFAULT_SHORT_ABANDON_SECONDS,
    wrap_up_seconds: int = DEFAULT_WRAP_UP_SECONDS,
    service_level_threshold_seconds: int = DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS,
    max_queue_size: int | None = None,
    overflow_queue_id: int | None = None,
    overflow_after_seconds: int | None = None,
    required_training_code: str | None = None,
    offer_timeout_seconds: int = DEFAULT_OFFER_TIMEOUT_SECONDS,
    skill_relaxation_after_seconds: int | None = None,
    clock: Clock,
) -> Queue:
    """Open a queue for a client with its channels and published hours (R-ACCESS-1).

    The hours are stored in canonical form, so equal hours always read the same.
    """
    identity_service.authorise(actor, Permission.MANAGE_QUEUES, client_id=client_id)
    try:
        identity_service.get_client(session, actor, client_id)
    except NotFound as error:
        raise InvalidInput(f"no client organisation {client_id}", field="client_id") from error
    code = validate_queue_code(code)
    now = clock.now()
    queue = Queue(client_id=client_id, code=code, is_active=True, created_at=now, updated_at=now)
    _apply(
        queue,
        {
            "name": name,
            "channels": channels,
            "time_zone": time_zone,
            "business_hours": business_hours,
            "holiday_country": holiday_country,
            "holiday_subdivision": holiday_subdivision,
            "priority": priority,
            "callback_offer_seconds": callback_offer_seconds,
            "short_abandon_seconds": short_abandon_seconds,
            "wrap_up_seconds": wrap_up_seconds,
            "service_level_threshold_seconds": service_level_threshold_seconds,
            "max_queue_size": max_queue_size,
            "overflow_queue_id": overflow_queue_id,
            "overflow_after_seconds": overflow_after_seconds,
            "required_training_code": required_training_code,
            "offer_timeout_seconds": offer_timeout_seconds,
            "skill_relaxation_after_seconds": skill_relaxation_after_seconds,
        },
    )
    _check_overflow(session, queue)
    if session.scalar(select(Queue.id).where(Queue.code == code)) is not None:
        raise Conflict(f"a queue with code {code} exists already", field="code")
    session.add(queue)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent insert of the same code
        session.rollback()
        raise Conflict(f"a queue with code {code} exists already", field="code") from error
    _audit(session, actor, AuditAction.CREATE, queue, clock, _snapshot(queue))
    session.commit()
    return queue


def update_queue(
    session: Session,
    actor: Actor,
    queue_id: int,
    *,
    clock: Clock,
    name: str | Unchanged = UNCHANGED,
    channels: Sequence[str] | Unchanged = UNCHANGED,
    time_zone: str | Unchanged = UNCHANGED,
    business_hours: str | Unchanged = UNCHANGED,
    holiday_country: str | Unchanged | None = UNCHANGED,
    holiday_subdivision: str | Unchanged | None = UNCHANGED,
    priority: int | Unchanged = UNCHANGED,
    callback_offer_seconds: int | Unchanged = UNCHANGED,
    short_abandon_seconds: int | Unchanged = UNCHANGED,
    wrap_up_seconds: int | Unchanged = UNCHANGED,
    service_level_threshold_seconds: int | Unchanged = UNCHANGED,
    max_queue_size: int | Unchanged | None = UNCHANGED,
    overflow_queue_id: int | Unchanged | None = UNCHANGED,
    overflow_after_seconds: int | Unchanged | None = UNCHANGED,
    required_training_code: str | Unchanged | None = UNCHANGED,
    offer_timeout_seconds: int | Unchanged = UNCHANGED,
    skill_relaxation_after_seconds: int | Unchanged | None = UNCHANGED,
    is_active: bool | Unchanged = UNCHANGED,
) -> Queue:
    """Change some of a queue's fields; the code and the client stay. History is audited."""
    queue = _queue_for_change(session, actor, queue_id)
    given: dict[str, Any] = {
        "name": name,
        "channels": channels,
        "time_zone": time_zone,
        "business_hours": business_hours,
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
        "priority": priority,
        "callback_offer_seconds": callback_offer_seconds,
        "short_abandon_seconds": short_abandon_seconds,
        "wrap_up_seconds": wrap_up_seconds,
        "service_level_threshold_seconds": service_level_threshold_seconds,
        "max_queue_size": max_queue_size,
        "overflow_queue_id": overflow_queue_id,
        "overflow_after_seconds": overflow_after_seconds,
        "required_training_code": required_training_code,
        "offer_timeout_seconds": offer_timeout_seconds,
        "skill_relaxation_after_seconds": skill_relaxation_after_seconds,
        "is_active": is_active,
    }
    before = _snapshot(queue)
    try:
        _apply(queue, {key: value for key, value in given.items() if value is not UNCHANGED})
        _check_overflow(session, queue)
    except DomainError:
        session.rollback()  # leave no half-changed queue in the session
        raise
    after = _snapshot(queue)
    changes = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    if changes:
        queue.updated_at = clock.now()
        _audit(session, actor, AuditAction.UPDATE, queue, clock, changes)
    session.commit()
    return queue


def get_queue(session: Session, actor: Actor, queue_id: int) -> Queue:
    """A queue of a client the actor reaches, else NotFound."""
    identity_service.authorise(actor, Permission.VIEW_QUEUES)
    queue = session.get(Queue, queue_id)
    if queue is None or not can_access_client(actor, queue.client_id):
        raise NotFound(f"no queue {queue_id}", field="queue_id")
    return queue


def list_queues(session: Session, actor: Actor, *, client_id: int | None = None) -> list[Queue]:
    """The queues of the clients the actor reaches, optionally of one client, by code."""
    identity_service.authorise(actor, Permission.VIEW_QUEUES)
    query = select(Queue).order_by(Queue.code)
    scope = identity_service.visible_client_ids(actor)
    if scope is not None:
        query = query.where(Queue.client_id.in_(scope))
    if client_id is not None:
        query = query.where(Queue.client_id == client_id)
    return list(session.scalars(query))


# --- skill requirements --------------------------------------------------------------------


def set_skill_requirements(
    session: Session,
    actor: Actor,
    queue_id: int,
    requirements: Iterable[tuple[str, int]],
    *,
    clock: Clock,
) -> Queue:
    """Replace the skills (languages too) and minimum levels the queue's contacts need.

    R-HR-1 and R-ACCESS-8: routing offers a contact only to agents holding every skill.
    """
    queue = _queue_for_change(session, actor, queue_id)
    try:
        wanted_levels = validate_skill_levels(requirements)
        skills = agent_service.find_skills(session, wanted_levels)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="skill_requirements") from error
    if len(wanted_levels) > MAX_SKILL_REQUIREMENTS:
        raise InvalidInput(
            f"at most {MAX_SKILL_REQUIREMENTS} skill requirements", field="skill_requirements"
        )
    wanted = {skills[code].id: level for code, level in wanted_levels.items()}
    # Rows are changed in place: replacing them would insert before deleting and trip the
    # unique (queue, skill) constraint.
    changed = False
    for requirement in list(queue.skill_requirements):
        if requirement.skill_id in wanted:
            level = wanted.pop(requirement.skill_id)
            changed = changed or requirement.min_level != level
            requirement.min_level = level
        else:
            queue.skill_requirements.remove(requirement)
            changed = True
    for skill_id, level in wanted.items():
        queue.skill_requirements.append(QueueSkillRequirement(skill_id=skill_id, min_level=level))
        changed = True
    if changed:
        queue.updated_at = clock.now()
        detail = {"skill_requirements": dict(sorted(wanted_levels.items()))}
        _audit(session, actor, AuditAction.UPDATE, queue, clock, detail)
    session.commit()
    return queue


# --- closed dates --------------------------------------------------------------------------


def add_closed_date(
    session: Session,
    actor: Actor,
    queue_id: int,
    *,
    closed_on: date,
    reason: str,
    clock: Clock,
) -> QueueClosedDate:
    """Close the queue on a local date beyond the national calendar (R-ACCESS-1)."""
    queue = _queue_for_change(session, actor, queue_id)
    reason = clean_text(reason, "reason", MAX_CLOSED_DATE_REASON_LENGTH)
    if any(closure.closed_on == closed_on for closure in queue.closed_dates):
        raise Conflict(
            f"the queue {queue.code} is already closed on {closed_on.isoformat()}",
            field="closed_on",
        )
    closure = QueueClosedDate(closed_on=closed_on, reason=reason)
    queue.closed_dates.append(closure)
    queue.updated_at = clock.now()
    detail = {"closed_on": closed_on.isoformat(), "reason": reason, "closed": True}
    _audit(session, actor, AuditAction.UPDATE, queue, clock, detail)
    session.commit()
    return closure


def remove_closed_date(
    session: Session, actor: Actor, queue_id: int, closed_on: date, *, clock: Clock
) -> None:
    queue = _queue_for_change(session, actor, queue_id)
    closure = next((item for item in queue.closed_dates if item.closed_on == closed_on), None)
    if closure is None:
        raise NotFound(
            f"the queue {queue.code} has no closure on {closed_on.isoformat()}", field="closed_on"
        )
    queue.closed_dates.remove(closure)
    queue.updated_at = clock.now()
    detail = {"closed_on": closed_on.isoformat(), "closed": False}
    _audit(session, actor, AuditAction.UPDATE, queue, clock, detail)
    session.commit()


# --- open status ---------------------------------------------------------------------------


def calendar_of(queue: Queue) -> BusinessCalendar:
    """The queue's published hours with its national holidays and extra closures."""
    return BusinessCalendar(
        time_zone=queue.time_zone,
        periods=parse_opening_periods(queue.business_hours),
        holiday_country=queue.holiday_country,
        holiday_subdivision=queue.holiday_subdivision,
        closed_dates=frozenset(closure.closed_on for closure in queue.closed_dates),
    )


def queue_open_status(
    session: Session, actor: Actor, queue_id: int, *, clock: Clock
) -> tuple[bool, datetime | None]:
    """Whether the queue is open now, and its next opening (now when open; None when it does
    not open within 30 days). An inactive queue is closed and has no next opening.
    """
    queue = get_queue(session, actor, queue_id)
    return open_status_of(queue, clock.now())


def open_status_of(queue: Queue, at: datetime) -> tuple[bool, datetime | None]:
    """queue_open_status for a loaded queue at an instant."""
    if not queue.is_active:
        return False, None
    calendar = calendar_of(queue)
    return is_open(calendar, at), next_opening(calendar, at)


# --- internals -----------------------------------------------------------------------------


def _queue_for_change(session: Session, actor: Actor, queue_id: int) -> Queue:
    identity_service.authorise(actor, Permission.MANAGE_QUEUES)
    queue = session.get(Queue, queue_id)
    if queue is None or not can_access_client(actor, queue.client_id):
        raise NotFound(f"no queue {queue_id}", field="queue_id")
    return queue


def _apply(queue: Queue, values: Mapping[str, Any]) -> None:
    """Validate and set the given fields, then check that the calendar they make is sound."""
    for field, value in values.items():
        setattr(queue, field, _NORMALISERS[field](value))
    # Building the calendar checks the time zone and the holiday country and subdivision.
    calendar_of(queue)


def _canonical_business_hours(text: str) -> str:
    """Admin-typed hours in canonical form; one segment per line or separated by ";"."""
    cleaned = clean_text(text.replace("\r\n", ";").replace("\n", ";"), "business_hours", 2000)
    periods = parse_opening_periods(cleaned)
    if not periods:
        raise InvalidInput(
            "the business hours name no opening period, e.g. 'mon-fri 08:00-18:00'",
            field="business_hours",
        )
    canonical = format_opening_periods(periods)
    if len(canonical) > MAX_BUSINESS_HOURS_LENGTH:
        raise InvalidInput(
            f"the business hours are longer than {MAX_BUSINESS_HOURS_LENGTH} characters "
            "even in their shortest form",
            field="business_hours",
        )
    return canonical


def _channels(values: Sequence[str]) -> list[str]:
    """At least one channel, each once, in the order of Channel (R-ACCESS-1)."""
    if isinstance(values, str):
        values = [values]
    chosen: set[Channel] = set()
    for value in values:
        try:
            chosen.add(Channel(value.strip().lower()))
        except ValueError as error:
            known = ", ".join(channel.value for channel in Channel)
            raise InvalidInput(
                f"unknown channel {value!r}; use one of {known}", field="channels"
            ) from error
    if not chosen:
        raise InvalidInput("a queue serves at least one channel", field="channels")
    return [channel.value for channel in Channel if channel in chosen]


def _optional_code(value: str | None, field: str, max_length: int) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_text(value, field, max_length)


def _holiday_country(value: str | None) -> str | None:
    code = _optional_code(value, "holiday_country", 2)
    return None if code is None else code.upper()


_NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "name": lambda value: clean_text(value, "name", MAX_QUEUE_NAME_LENGTH),
    "channels": _channels,
    "time_zone": lambda value: clean_text(value, "time_zone", MAX_TIME_ZONE_LENGTH),
    "business_hours": _canonical_business_hours,
    "holiday_country": _holiday_country,
    "holiday_subdivision": lambda value: _optional_code(value, "holiday_subdivision", 10),
    "priority": partial(validate_policy_figure, field="priority"),
    "callback_offer_seconds": partial(validate_policy_figure, field="callback_offer_seconds"),
    "short_abandon_seconds": partial(validate_policy_figure, field="short_abandon_seconds"),
    "wrap_up_seconds": partial(validate_policy_figure, field="wrap_up_seconds"),
    "service_level_threshold_seconds": partial(
        validate_policy_figure, field="service_level_threshold_seconds"
    ),
    "max_queue_size": partial(validate_optional_policy_figure, field="max_queue_size"),
    "overflow_queue_id": lambda value: value,  # checked against the database later
    "overflow_after_seconds": partial(
        validate_optional_policy_figure, field="overflow_after_seconds"
    ),
    "offer_timeout_seconds": partial(validate_policy_figure, field="offer_timeout_seconds"),
    "skill_relaxation_after_seconds": partial(
        validate_optional_policy_figure, field="skill_relaxation_after_seconds"
    ),
    # R-HR-3: agents log into the queue only with this course completed and in date.
    "required_training_code": lambda value: (
        validate_course_code(value, "required_training_code")
        if value is not None and value.strip()
        else None
    ),
    "is_active": bool,
}


def _check_overflow(session: Session, queue: Queue) -> None:
    """Overflow needs a target and a delay together; the target is another queue of the same
    client, active, and the chain of overflows it starts never leads back (R-ACCESS-10).
    """
    target_id, after_seconds = queue.overflow_queue_id, queue.overflow_after_seconds
    if target_id is None and after_seconds is None:
        return
    if target_id is None:
        raise InvalidInput(
            "overflow after seconds needs an overflow queue", field="overflow_queue_id"
        )
    if after_seconds is None:
        raise InvalidInput(
            "an overflow queue needs overflow after seconds", field="overflow_after_seconds"
        )
    if queue.id is not None and target_id == queue.id:
        raise InvalidInput("a queue cannot overflow into itself", field="overflow_queue_id")
    target = session.get(Queue, target_id)
    # Another client's queue is answered like a missing one, so its existence stays hidden.
    if target is None or target.client_id != queue.client_id:
        raise InvalidInput(
            f"no queue {target_id} of the same client organisation", field="overflow_queue_id"
        )
    if not target.is_active:
        raise InvalidInput(
            f"the overflow queue {target.code} is inactive", field="overflow_queue_id"
        )
    step: Queue | None = target
    for _ in range(MAX_OVERFLOW_CHAIN):
        if step is None or step.overflow_queue_id is None:
            return
        if queue.id is not None and step.overflow_queue_id == queue.id:
            raise InvalidInput(
                f"overflowing into {target.code} would lead back to {queue.code}",
                field="overflow_queue_id",
            )
        step = session.get(Queue, step.overflow_queue_id)
    raise InvalidInput(
        f"the overflow chain from {target.code} is longer than {MAX_OVERFLOW_CHAIN} queues",
        field="overflow_queue_id",
    )


def _snapshot(queue: Queue) -> dict[str, Any]:
    snapshot: dict[str, Any] = {}
    for field in _NORMALISERS:  # every field a change may touch: the published queue
        value = getattr(queue, field)
        snapshot[field] = list(value) if isinstance(value, list) else value
    return snapshot


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    queue: Queue,
    clock: Clock,
    detail: dict[str, Any],
) -> None:
    # R-ACCESS-1 asks for a version history of published channels and hours: the audit log
    # keeps every change with who made it.
    identity_service.record_audit(
        session,
        actor,
        action=action,
        subject_type="queue",
        subject_id=queue.id,
        client_id=queue.client_id,
        clock=clock,
        detail=detail,
    )
