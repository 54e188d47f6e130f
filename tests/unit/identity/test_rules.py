"""Roles, client scope and password policy (R-DATA-1, R-CLIENT-8, R-INFRA-5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpline.errors import InvalidInput
from helpline.identity.rules import (
    GENESIS_HASH,
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Role,
    audit_payload,
    can,
    can_access_client,
    chain_hash,
    validate_client_code,
    validate_password,
    validate_role_scope,
)


def test_every_permission_has_roles() -> None:
    assert set(ROLE_PERMISSIONS) == set(Permission)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.ADMIN, Permission.MANAGE_USERS, True),
        (Role.SUPERVISOR, Permission.MANAGE_USERS, False),
        (Role.PLANNER, Permission.READ_CUSTOMERS, False),
        (Role.CLIENT_VIEWER, Permission.READ_CONTACTS, True),
        (Role.CLIENT_VIEWER, Permission.WRITE_CUSTOMERS, False),
        (Role.CLIENT_VIEWER, Permission.RECORD_CONTACT_EVENTS, False),
        (Role.AGENT, Permission.MANAGE_QUEUES, False),
        (Role.QUALITY, Permission.READ_AUDIT_LOG, True),
        (Role.AGENT, Permission.READ_AUDIT_LOG, False),
    ],
)
def test_role_permissions(role: Role, permission: Permission, allowed: bool) -> None:
    actor = Actor(user_id=1, label="x", role=role, client_ids=frozenset({1}))
    assert can(actor, permission) is allowed


def test_client_viewer_reaches_only_its_clients() -> None:
    viewer = Actor(user_id=1, label="v", role=Role.CLIENT_VIEWER, client_ids=frozenset({1}))
    assert can_access_client(viewer, 1)
    assert not can_access_client(viewer, 2)


def test_client_viewer_without_scope_reaches_nothing() -> None:
    viewer = Actor(user_id=1, label="v", role=Role.CLIENT_VIEWER)
    assert not viewer.serves_all_clients
    assert not can_access_client(viewer, 1)


def test_unscoped_staff_and_admin_serve_every_client() -> None:
    assert Actor(user_id=1, label="a", role=Role.AGENT).serves_all_clients
    scoped = Actor(user_id=1, label="a", role=Role.AGENT, client_ids=frozenset({3}))
    assert not scoped.serves_all_clients
    assert Actor.system("job").serves_all_clients


def test_role_scope_rules() -> None:
    with pytest.raises(InvalidInput, match="client_viewer"):
        validate_role_scope(Role.CLIENT_VIEWER, 0)
    with pytest.raises(InvalidInput, match="admin"):
        validate_role_scope(Role.ADMIN, 1)
    validate_role_scope(Role.AGENT, 0)


@pytest.mark.parametrize("password", ["short", " leading-space-password", "x" * 257, " " * 20])
def test_weak_passwords_refused(password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_password(password)
    assert caught.value.field == "password"


@pytest.mark.parametrize(("raw", "expected"), [("acme", "ACME"), (" tr-gas_1 ", "TR-GAS_1")])
def test_client_codes_normalised(raw: str, expected: str) -> None:
    assert validate_client_code(raw) == expected


@pytest.mark.parametrize("raw", ["a", "-ACME", "AC ME", "X" * 31, "ÄCME"])
def test_bad_client_codes_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        validate_client_code(raw)


def test_chain_hash_depends_on_predecessor_and_content() -> None:
    payload = audit_payload(
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        actor_user_id=1,
        actor_label="a@example.org",
        action="read",
        subject_type="customer",
        subject_id=7,
        client_id=1,
        detail={"purpose": "support"},
    )
    first = chain_hash(GENESIS_HASH, payload)
    assert first == chain_hash(GENESIS_HASH, dict(payload))
    assert first != chain_hash("1" * 64, payload)
    assert first != chain_hash(GENESIS_HASH, {**payload, "subject_id": 8})
