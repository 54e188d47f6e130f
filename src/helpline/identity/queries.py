"""Read-only selects of the identity domain: the audit log and its chain check."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.identity import service as identity_service
from helpline.identity.models import AuditEntry
from helpline.identity.rules import GENESIS_HASH, Actor, Permission, audit_payload, chain_hash

MAX_PAGE_SIZE = 500


def list_audit_entries(
    session: Session,
    actor: Actor,
    *,
    subject_type: str | None = None,
    subject_id: int | None = None,
    actor_user_id: int | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditEntry]:
    identity_service.authorise(actor, Permission.READ_AUDIT_LOG)
    query = (
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(min(max(limit, 1), MAX_PAGE_SIZE))
    )
    if subject_type is not None:
        query = query.where(AuditEntry.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEntry.subject_id == subject_id)
    if actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == actor_user_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    scope = identity_service.visible_client_ids(actor)
    if scope is not None:
        query = query.where(AuditEntry.client_id.in_(scope))
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class ChainCheck:
    entries_checked: int
    first_broken_id: int | None

    @property
    def is_intact(self) -> bool:
        return self.first_broken_id is None


def verify_audit_chain(session: Session, actor: Actor, *, batch_size: int = 1000) -> ChainCheck:
    """Recompute every hash in order; the first entry whose link or content changed is reported."""
    identity_service.authorise(actor, Permission.READ_AUDIT_LOG)
    previous = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(batch_size)
            )
        )
        if not batch:
            return ChainCheck(entries_checked=checked, first_broken_id=None)
        for entry in batch:
            payload = audit_payload(
                occurred_at=entry.occurred_at,
                actor_user_id=entry.actor_user_id,
                actor_label=entry.actor_label,
                action=entry.action,
                subject_type=entry.subject_type,
                subject_id=entry.subject_id,
                client_id=entry.client_id,
                detail=entry.detail,
            )
            if entry.previous_hash != previous or chain_hash(previous, payload) != entry.entry_hash:
                return ChainCheck(entries_checked=checked, first_broken_id=entry.id)
            previous = entry.entry_hash
            checked += 1
            last_id = entry.id
