"""Roles, permissions, the acting user and password policy: pure rules."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from helpline.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 200
MAX_CLIENT_NAME_LENGTH = 200
CLIENT_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,29}$")


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    PLANNER = "planner"
    QUALITY = "quality"
    ADMIN = "admin"
    CLIENT_VIEWER = "client_viewer"


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_CLIENTS = "manage_clients"
    VIEW_CLIENTS = "view_clients"
    MANAGE_QUEUES = "manage_queues"
    VIEW_QUEUES = "view_queues"
    MANAGE_AGENTS = "manage_agents"
    VIEW_AGENTS = "view_agents"
    READ_CUSTOMERS = "read_customers"
    WRITE_CUSTOMERS = "write_customers"
    CREATE_CONTACTS = "create_contacts"
    READ_CONTACTS = "read_contacts"
    RECORD_CONTACT_EVENTS = "record_contact_events"
    READ_AUDIT_LOG = "read_audit_log"
    RECORD_TRAINING = "record_training"


_ALL = frozenset(Role)
_STAFF = frozenset({Role.AGENT, Role.SUPERVISOR, Role.QUALITY, Role.ADMIN})

# Least privilege (R-DATA-1): planners see volumes, not people; client viewers read their
# own client's records (R-CLIENT-7) but change nothing.
ROLE_PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
    Permission.MANAGE_CLIENTS: frozenset({Role.ADMIN}),
    Permission.VIEW_CLIENTS: _ALL,
    Permission.MANAGE_QUEUES: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Permission.VIEW_QUEUES: _ALL,
    Permission.MANAGE_AGENTS: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Permission.VIEW_AGENTS: frozenset(
        {Role.AGENT, Role.SUPERVISOR, Role.PLANNER, Role.QUALITY, Role.ADMIN}
    ),
    Permission.READ_CUSTOMERS: _STAFF | {Role.CLIENT_VIEWER},
    Permission.WRITE_CUSTOMERS: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    Permission.CREATE_CONTACTS: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    Permission.READ_CONTACTS: _STAFF | {Role.CLIENT_VIEWER},
    Permission.RECORD_CONTACT_EVENTS: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    Permission.READ_AUDIT_LOG: frozenset({Role.ADMIN, Role.QUALITY}),
    # Learning records (R-HR-3) are kept by those who train and assess agents.
    Permission.RECORD_TRAINING: frozenset({Role.SUPERVISOR, Role.ADMIN, Role.QUALITY}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: every service function takes one and checks it (R-DATA-1, R-CLIENT-8)."""

    user_id: int | None
    label: str
    role: Role
    client_ids: frozenset[int] = field(default_factory=frozenset)
    is_system: bool = False

    @classmethod
    def system(cls, label: str) -> Actor:
        """Helpline itself (a channel adapter, a job, the operator's CLI)."""
        return cls(user_id=None, label=f"system:{label}", role=Role.ADMIN, is_system=True)

    @property
    def serves_all_clients(self) -> bool:
        # Admins and the system see every client. Staff with no client assignment work for
        # every client (an in-house or shared team); client viewers always have a scope.
        if self.is_system or self.role is Role.ADMIN:
            return True
        return self.role is not Role.CLIENT_VIEWER and not self.client_ids


def can(actor: Actor, permission: Permission) -> bool:
    return actor.is_system or actor.role in ROLE_PERMISSIONS[permission]


def can_access_client(actor: Actor, client_id: int) -> bool:
    return actor.serves_all_clients or client_id in actor.client_ids


def validate_role_scope(role: Role, client_count: int) -> None:
    """A client viewer must be tied to at least one client; an admin to none."""
    if role is Role.CLIENT_VIEWER and client_count == 0:
        raise InvalidInput("a client_viewer must be scoped to at least one client", field="clients")
    if role is Role.ADMIN and client_count > 0:
        raise InvalidInput(
            "an admin serves every client and takes no client scope", field="clients"
        )


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password must have at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )
    if password.strip() != password or not password.strip():
        raise InvalidInput("the password must not start or end with spaces", field="password")


def validate_client_code(code: str) -> str:
    normalised = code.strip().upper()
    if not CLIENT_CODE_PATTERN.match(normalised):
        raise InvalidInput(
            "a client code has 2-30 characters: letters, digits, '-' or '_', "
            "starting with a letter or digit",
            field="code",
        )
    return normalised


class AuditAction(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"


GENESIS_HASH = "0" * 64


def audit_payload(
    *,
    occurred_at: datetime,
    actor_user_id: int | None,
    actor_label: str,
    action: str,
    subject_type: str,
    subject_id: int | None,
    client_id: int | None,
    detail: dict[str, Any],
) -> dict[str, Any]:
    """The fields of an audit entry that its hash covers."""
    return {
        "occurred_at": occurred_at.isoformat(),
        "actor_user_id": actor_user_id,
        "actor_label": actor_label,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "client_id": client_id,
        "detail": detail,
    }


def chain_hash(previous_hash: str, entry: dict[str, Any]) -> str:
    """Hash of one audit entry linked to its predecessor (R-INFRA-2: tamper-evident logs)."""
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}|{canonical}".encode()).hexdigest()
