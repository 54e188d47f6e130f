"""Training use cases: the learning records that gate queue logins (R-HR-3, R-DATA-9)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.agents import service as agent_service
from helpline.agents.models import TrainingRecord
from helpline.agents.rules import (
    MAX_TRAINING_NOTE_LENGTH,
    can_manage_agent,
    is_training_valid,
    validate_course_code,
)
from helpline.clock import Clock, ensure_utc
from helpline.errors import InvalidInput, PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, AuditAction, Permission
from helpline.validation import clean_text


def record_training(
    session: Session,
    actor: Actor,
    agent_id: int,
    *,
    course_code: str,
    completed_at: datetime,
    expires_at: datetime | None = None,
    note: str | None = None,
    clock: Clock,
) -> TrainingRecord:
    """Record that an agent completed a course, valid until `expires_at` when given.

    R-HR-3 asks for training before live contacts, R-DATA-9 for a signed confidentiality
    undertaking and data-protection training before going live: each is a course code a
    queue may require (Queue.required_training_code). Supervisors, quality managers and
    admins record them for agents whose clients they all reach. Completion in the future
    is refused; a record is never changed, a renewal is a new record.
    """
    identity_service.authorise(actor, Permission.RECORD_TRAINING)
    agent = agent_service.get_agent(session, actor, agent_id)  # NotFound outside scope
    if not can_manage_agent(actor, agent_service.client_ids_of(session, agent)):
        raise PermissionDenied(
            "this agent also serves client organisations outside your scope", field="agent_id"
        )
    code = validate_course_code(course_code)
    completed = _aware(completed_at, "completed_at")
    expires = _aware(expires_at, "expires_at") if expires_at is not None else None
    now = clock.now()
    if completed > now:
        raise InvalidInput("a course cannot be completed in the future", field="completed_at")
    if expires is not None and expires <= completed:
        raise InvalidInput("a record must expire after its completion", field="expires_at")
    text = None
    if note is not None and note.strip():
        text = clean_text(note, "note", MAX_TRAINING_NOTE_LENGTH)
    record = TrainingRecord(
        agent_id=agent.id,
        course_code=code,
        completed_at=completed,
        expires_at=expires,
        recorded_by_user_id=actor.user_id,
        recorded_at=now,
        note=text,
    )
    session.add(record)
    session.flush()
    # Who vouched for an agent's training is evidence for R-HR-3.
    identity_service.record_audit(
        session,
        actor,
        action=AuditAction.CREATE,
        subject_type="training_record",
        subject_id=record.id,
        client_id=None,
        clock=clock,
        detail={
            "agent_id": agent.id,
            "course_code": code,
            "completed_at": completed.isoformat(),
            "expires_at": expires.isoformat() if expires else None,
        },
    )
    session.commit()
    return record


def has_valid_training(session: Session, agent_id: int, course_code: str, *, at: datetime) -> bool:
    """Whether the agent has a record of the course that is completed and in date at `at`.

    For use cases that have authorised their actor already (the queue login gate).
    """
    records = session.execute(
        select(TrainingRecord.completed_at, TrainingRecord.expires_at).where(
            TrainingRecord.agent_id == agent_id, TrainingRecord.course_code == course_code
        )
    )
    return any(
        is_training_valid(
            ensure_utc(completed), ensure_utc(expires) if expires else None, ensure_utc(at)
        )
        for completed, expires in records
    )


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput(f"{field.replace('_', ' ')} must carry a time zone", field=field)
    return ensure_utc(moment)
