"""Pages of the queues domain: the queue list with a create form, and one queue's settings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from helpline.agents import service as agent_service
from helpline.clock import Clock
from helpline.contacts.rules import Channel
from helpline.errors import DomainError, InvalidInput
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can
from helpline.queues import queries as queue_queries
from helpline.queues import service as queue_service
from helpline.queues.models import Queue
from helpline.queues.rules import (
    DEFAULT_CALLBACK_OFFER_SECONDS,
    DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_WRAP_UP_SECONDS,
)
from helpline.web.deps import (
    ClockDep,
    CsrfChecked,
    IdPath,
    PageActor,
    SessionDep,
    SettingsDep,
)
from helpline.web.errors import form_refusal_status
from helpline.web.forms import level_pairs, whole_number
from helpline.web.templating import render

router = APIRouter(include_in_schema=False)

ShortText = Annotated[str, Form(max_length=200)]
NumberText = Annotated[str, Form(max_length=20)]
HoursText = Annotated[str, Form(max_length=2000)]
OptionalText = Annotated[str | None, Form(max_length=200)]
# One row per catalogue skill comes back from the skill forms, so lists may be long.
Choices = Annotated[list[str] | None, Form(max_length=500)]

# The policy fields every queue form carries, with the label people see.
POLICY_FIELDS: tuple[tuple[str, str], ...] = (
    ("priority", "Priority (0-100, higher is served first)"),
    ("callback_offer_seconds", "Offer a callback after (seconds, 10-3600)"),
    ("short_abandon_seconds", "Short abandon up to (seconds, 0-60)"),
    ("wrap_up_seconds", "After-contact work (seconds, 0-1800)"),
    ("service_level_threshold_seconds", "Service level threshold (seconds, 1-3600)"),
    ("max_queue_size", "Maximum waiting contacts (1-100000, blank: no limit)"),
)


def _optionalwhole_number(text: str, field: str) -> int | None:
    return whole_number(text, field) if text.strip() else None


# --- the list ------------------------------------------------------------------------------


@router.get("/queues", response_class=HTMLResponse)
def queues_page(
    request: Request, actor: PageActor, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    form = _new_queue_defaults(settings.centre_time_zone)
    return _list_page(request, actor, session, clock, form=form)


@router.post("/queues", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_queue(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    client_id: NumberText = "",
    code: ShortText = "",
    name: ShortText = "",
    channels: Choices = None,
    time_zone: ShortText = "",
    business_hours: HoursText = "",
    holiday_country: ShortText = "",
    holiday_subdivision: ShortText = "",
    priority: NumberText = "0",
    callback_offer_seconds: NumberText = "",
    short_abandon_seconds: NumberText = "",
    wrap_up_seconds: NumberText = "",
    service_level_threshold_seconds: NumberText = "",
    max_queue_size: NumberText = "",
    required_training_code: OptionalText = None,
) -> Response:
    form: dict[str, Any] = {
        "client_id": client_id,
        "code": code,
        "name": name,
        "channels": channels or [],
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
        "required_training_code": required_training_code or "",
    }
    try:
        queue = queue_service.create_queue(
            session,
            actor,
            client_id=whole_number(client_id, "client_id"),
            code=code,
            name=name,
            channels=channels or [],
            time_zone=time_zone,
            business_hours=business_hours,
            holiday_country=holiday_country or None,
            holiday_subdivision=holiday_subdivision or None,
            priority=whole_number(priority, "priority"),
            callback_offer_seconds=whole_number(callback_offer_seconds, "callback_offer_seconds"),
            short_abandon_seconds=whole_number(short_abandon_seconds, "short_abandon_seconds"),
            wrap_up_seconds=whole_number(wrap_up_seconds, "wrap_up_seconds"),
            service_level_threshold_seconds=whole_number(
                service_level_threshold_seconds, "service_level_threshold_seconds"
            ),
            max_queue_size=_optionalwhole_number(max_queue_size, "max_queue_size"),
            required_training_code=required_training_code or None,
            clock=clock,
        )
    except DomainError as error:
        session.rollback()
        status_code = form_refusal_status(error)
        return _list_page(
            request, actor, session, clock, form=form, error=error, status_code=status_code
        )
    return RedirectResponse(f"/queues/{queue.id}", status_code=303)


def _list_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    clock: Clock,
    *,
    form: dict[str, Any],
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    views = queue_queries.list_queue_views(session, actor, clock=clock)
    may_manage = can(actor, Permission.MANAGE_QUEUES)
    clients = identity_service.list_clients(session, actor) if may_manage else []
    return render(
        request,
        "queues/list.html",
        actor,
        status_code=status_code,
        views=views,
        may_manage=may_manage,
        clients=clients,
        channels=list(Channel),
        policy_fields=POLICY_FIELDS,
        form=form,
        error=error,
    )


def _new_queue_defaults(time_zone: str) -> dict[str, Any]:
    return {
        "channels": [channel.value for channel in Channel],
        "time_zone": time_zone,
        "business_hours": "mon-fri 08:00-18:00",
        "priority": "0",
        "callback_offer_seconds": str(DEFAULT_CALLBACK_OFFER_SECONDS),
        "short_abandon_seconds": str(DEFAULT_SHORT_ABANDON_SECONDS),
        "wrap_up_seconds": str(DEFAULT_WRAP_UP_SECONDS),
        "service_level_threshold_seconds": str(DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS),
        "max_queue_size": "",
    }


# --- one queue -----------------------------------------------------------------------------


@router.get("/queues/{queue_id}", response_class=HTMLResponse)
def queue_page(
    request: Request, queue_id: IdPath, actor: PageActor, session: SessionDep, clock: ClockDep
) -> Response:
    return _detail_page(request, actor, session, clock, queue_id)


@router.post("/queues/{queue_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def update_queue(
    request: Request,
    queue_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    name: ShortText = "",
    channels: Choices = None,
    time_zone: ShortText = "",
    business_hours: HoursText = "",
    holiday_country: ShortText = "",
    holiday_subdivision: ShortText = "",
    priority: NumberText = "",
    callback_offer_seconds: NumberText = "",
    short_abandon_seconds: NumberText = "",
    wrap_up_seconds: NumberText = "",
    service_level_threshold_seconds: NumberText = "",
    max_queue_size: NumberText = "",
    overflow_queue_id: NumberText = "",
    overflow_after_seconds: NumberText = "",
    is_active: ShortText = "yes",
    required_training_code: OptionalText = None,
) -> Response:
    form: dict[str, Any] = {
        "name": name,
        "channels": channels or [],
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
        "is_active": is_active,
    }
    form["required_training_code"] = required_training_code or ""
    try:
        queue_service.update_queue(
            session,
            actor,
            queue_id,
            name=name,
            channels=channels or [],
            time_zone=time_zone,
            business_hours=business_hours,
            holiday_country=holiday_country or None,
            holiday_subdivision=holiday_subdivision or None,
            priority=whole_number(priority, "priority"),
            callback_offer_seconds=whole_number(callback_offer_seconds, "callback_offer_seconds"),
            short_abandon_seconds=whole_number(short_abandon_seconds, "short_abandon_seconds"),
            wrap_up_seconds=whole_number(wrap_up_seconds, "wrap_up_seconds"),
            service_level_threshold_seconds=whole_number(
                service_level_threshold_seconds, "service_level_threshold_seconds"
            ),
            max_queue_size=_optionalwhole_number(max_queue_size, "max_queue_size"),
            overflow_queue_id=_optionalwhole_number(overflow_queue_id, "overflow_queue_id"),
            overflow_after_seconds=_optionalwhole_number(
                overflow_after_seconds, "overflow_after_seconds"
            ),
            is_active=is_active == "yes",
            # A form without the field leaves the requirement as it is.
            # The form always carries the field; an empty one clears the requirement.
            required_training_code=required_training_code,
            clock=clock,
        )
    except DomainError as error:
        session.rollback()
        status_code = form_refusal_status(error)
        return _detail_page(
            request,
            actor,
            session,
            clock,
            queue_id,
            status_code=status_code,
            form=form,
            error=error,
            error_form="edit",
        )
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


@router.post(
    "/queues/{queue_id}/skill-requirements",
    response_class=HTMLResponse,
    dependencies=[CsrfChecked],
)
def set_skill_requirements(
    request: Request,
    queue_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    skill_code: Choices = None,
    min_level: Choices = None,
) -> Response:
    """One row per catalogue skill: a blank level means the queue does not need the skill."""
    try:
        pairs = level_pairs(
            skill_code or [], min_level or [], field="skill_requirements", level_field="min_level"
        )
        queue_service.set_skill_requirements(session, actor, queue_id, pairs, clock=clock)
    except DomainError as error:
        session.rollback()
        status_code = form_refusal_status(error)
        return _detail_page(
            request,
            actor,
            session,
            clock,
            queue_id,
            status_code=status_code,
            error=error,
            error_form="skills",
        )
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


@router.post(
    "/queues/{queue_id}/closed-dates", response_class=HTMLResponse, dependencies=[CsrfChecked]
)
def add_closed_date(
    request: Request,
    queue_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    closed_on: ShortText = "",
    reason: ShortText = "",
) -> Response:
    try:
        queue_service.add_closed_date(
            session, actor, queue_id, closed_on=_day(closed_on), reason=reason, clock=clock
        )
    except DomainError as error:
        session.rollback()
        status_code = form_refusal_status(error)
        form = {"closed_on": closed_on, "reason": reason}
        return _detail_page(
            request,
            actor,
            session,
            clock,
            queue_id,
            status_code=status_code,
            form=form,
            error=error,
            error_form="closed",
        )
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


@router.post(
    "/queues/{queue_id}/closed-dates/{closed_on}/remove",
    response_class=HTMLResponse,
    dependencies=[CsrfChecked],
)
def remove_closed_date(
    request: Request,
    queue_id: IdPath,
    closed_on: date,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        queue_service.remove_closed_date(session, actor, queue_id, closed_on, clock=clock)
    except DomainError as error:
        session.rollback()
        status_code = form_refusal_status(error)
        return _detail_page(
            request,
            actor,
            session,
            clock,
            queue_id,
            status_code=status_code,
            error=error,
            error_form="closed",
        )
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput("the date must be given as YYYY-MM-DD", field="closed_on") from error


def _detail_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    clock: Clock,
    queue_id: int,
    *,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
    error_form: str | None = None,
) -> Response:
    view = queue_queries.get_queue_view(session, actor, queue_id, clock=clock)
    status = queue_queries.queue_status(session, actor, queue_id, clock=clock)
    may_manage = can(actor, Permission.MANAGE_QUEUES)
    skills = agent_service.list_skills(session, actor) if may_manage else []
    siblings = (
        queue_queries.list_queue_views(session, actor, clock=clock, client_id=view.queue.client_id)
        if may_manage
        else []
    )
    required = {item.skill_code: item.min_level for item in view.skill_requirements}
    return render(
        request,
        "queues/detail.html",
        actor,
        status_code=status_code,
        view=view,
        queue=view.queue,
        status=status,
        may_manage=may_manage,
        skills=skills,
        required=required,
        overflow_choices=[item.queue for item in siblings if item.queue.id != queue_id],
        channels=list(Channel),
        policy_fields=POLICY_FIELDS,
        form={**_queue_form_values(view.queue), **(form or {})},
        error=error,
        error_form=error_form,
    )


def _queue_form_values(queue: Queue) -> dict[str, Any]:
    def text(value: int | str | None) -> str:
        return "" if value is None else str(value)

    return {
        "name": queue.name,
        "channels": list(queue.channels),
        "time_zone": queue.time_zone,
        "business_hours": queue.business_hours,
        "holiday_country": text(queue.holiday_country),
        "holiday_subdivision": text(queue.holiday_subdivision),
        "priority": text(queue.priority),
        "callback_offer_seconds": text(queue.callback_offer_seconds),
        "short_abandon_seconds": text(queue.short_abandon_seconds),
        "wrap_up_seconds": text(queue.wrap_up_seconds),
        "service_level_threshold_seconds": text(queue.service_level_threshold_seconds),
        "max_queue_size": text(queue.max_queue_size),
        "overflow_queue_id": text(queue.overflow_queue_id),
        "overflow_after_seconds": text(queue.overflow_after_seconds),
        "required_training_code": text(queue.required_training_code),
        "is_active": "yes" if queue.is_active else "no",
        "closed_on": "",
        "reason": "",
    }
