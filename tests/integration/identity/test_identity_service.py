"""Users, client organisations, authentication and the audit chain through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from helpline.identity import queries as identity_queries
from helpline.identity import service as identity_service
from helpline.identity.models import User
from helpline.identity.rules import AuditAction, Role
from tests.support.factories import PASSWORD, SYSTEM, make_client, make_user


def test_password_is_stored_as_argon2_hash(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_authenticate_accepts_right_and_refuses_wrong_password(
    session: Session, clock: FixedClock
) -> None:
    user, _ = make_user(session, clock, Role.SUPERVISOR)
    actor = identity_service.authenticate(session, email=user.email, password=PASSWORD, clock=clock)
    assert actor.user_id == user.id
    assert actor.role is Role.SUPERVISOR
    assert user.last_login_at == clock.now()
    with pytest.raises(NotAuthenticated, match="wrong e-mail or password"):
        identity_service.authenticate(
            session, email=user.email, password="nope-nope-nope", clock=clock
        )
    with pytest.raises(NotAuthenticated, match="wrong e-mail or password"):
        identity_service.authenticate(
            session, email="nobody@example.org", password=PASSWORD, clock=clock
        )


def test_deactivated_user_cannot_sign_in(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock)
    identity_service.set_user_active(session, SYSTEM, user.id, is_active=False)
    with pytest.raises(NotAuthenticated):
        identity_service.authenticate(session, email=user.email, password=PASSWORD, clock=clock)


def test_duplicate_email_is_a_conflict(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock)
    with pytest.raises(Conflict) as caught:
        make_user(session, clock, email=user.email.upper())
    assert caught.value.field == "email"


def test_only_admin_manages_users(session: Session, clock: FixedClock) -> None:
    _, supervisor = make_user(session, clock, Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        identity_service.create_user(
            session,
            supervisor,
            email="n@example.org",
            password=PASSWORD,
            role=Role.AGENT,
            clock=clock,
        )
    with pytest.raises(PermissionDenied):
        identity_service.create_client(session, supervisor, code="NEW", name="New", clock=clock)


def test_client_viewer_needs_a_client_and_sees_only_its_own(
    session: Session, clock: FixedClock
) -> None:
    client_a = make_client(session, clock)
    client_b = make_client(session, clock)
    with pytest.raises(InvalidInput):
        make_user(session, clock, Role.CLIENT_VIEWER)
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[client_a])
    assert [client.id for client in identity_service.list_clients(session, viewer)] == [client_a.id]
    with pytest.raises(NotFound):
        identity_service.get_client(session, viewer, client_b.id)


def test_unknown_client_code_refused(session: Session, clock: FixedClock) -> None:
    with pytest.raises(NotFound):
        identity_service.create_user(
            session,
            SYSTEM,
            email="v@example.org",
            password=PASSWORD,
            role=Role.CLIENT_VIEWER,
            client_codes=["NOPE"],
            clock=clock,
        )


def test_token_round_trip_and_expiry(session: Session, clock: FixedClock) -> None:
    user, actor = make_user(session, clock)
    token = identity_service.issue_token(
        actor, secret_key="k" * 40, lifetime_seconds=60, clock=clock
    )
    assert identity_service.read_token(token, secret_key="k" * 40, clock=clock) == user.id
    with pytest.raises(NotAuthenticated):
        identity_service.read_token(token, secret_key="other" * 10, clock=clock)
    later = FixedClock(clock.now() + timedelta(seconds=61))
    with pytest.raises(NotAuthenticated):
        identity_service.read_token(token, secret_key="k" * 40, clock=later)


def test_audit_chain_verifies_and_detects_tampering(session: Session, clock: FixedClock) -> None:
    """R-INFRA-2: edits to the audit log are detectable."""
    client = make_client(session, clock)
    _, agent = make_user(session, clock)
    for subject_id in (1, 2, 3):
        identity_service.record_audit(
            session,
            agent,
            action=AuditAction.READ,
            subject_type="customer",
            subject_id=subject_id,
            client_id=client.id,
            clock=clock,
            detail={"purpose": "test"},
        )
    session.commit()
    check = identity_queries.verify_audit_chain(session, SYSTEM)
    assert check.is_intact
    assert check.entries_checked >= 3
    entries = identity_queries.list_audit_entries(session, SYSTEM, subject_type="customer", limit=3)
    assert [entry.subject_id for entry in entries] == [3, 2, 1]
    assert entries[0].actor_user_id == agent.user_id

    # Tampering needs the triggers out of the way: only someone with DDL rights could do it.
    victim = entries[1]
    dialect = session.get_bind().dialect.name
    with session.begin_nested():
        if dialect == "postgresql":
            session.execute(
                text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only")
            )
        else:
            session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(
            text("UPDATE audit_entries SET subject_id = 99 WHERE id = :id"), {"id": victim.id}
        )
        session.expire_all()
        check = identity_queries.verify_audit_chain(session, SYSTEM)
        assert check.first_broken_id == victim.id
        session.rollback()


def test_audit_log_read_needs_permission(session: Session, clock: FixedClock) -> None:
    _, agent = make_user(session, clock)
    with pytest.raises(PermissionDenied):
        identity_queries.list_audit_entries(session, agent)


def test_users_listed_for_admin(session: Session, clock: FixedClock) -> None:
    user, _ = make_user(session, clock)
    emails = [listed.email for listed in identity_service.list_users(session, SYSTEM)]
    assert user.email in emails
    assert session.get(User, user.id) is not None
