"""Identity use cases: users, client organisations, authentication, authorisation, audit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.clock import Clock
from helpline.customers.rules import normalise_email
from helpline.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from helpline.identity.models import (
    AuditChainHead,
    AuditEntry,
    ClientOrganisation,
    User,
    UserClient,
)
from helpline.identity.rules import (
    GENESIS_HASH,
    MAX_CLIENT_NAME_LENGTH,
    MAX_DISPLAY_NAME_LENGTH,
    Actor,
    AuditAction,
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
from helpline.validation import clean_text


class _PasswordHashing:
    """The argon2 parameters in force; the cheap profile exists for the test suite only."""

    def __init__(self) -> None:
        self.hasher = PasswordHasher()
        self._unknown_user_hash: str | None = None

    def use(self, profile: str) -> None:
        parameters = profiles.CHEAPEST if profile == "cheapest" else profiles.RFC_9106_LOW_MEMORY
        self.hasher = PasswordHasher.from_parameters(parameters)
        self._unknown_user_hash = None

    def unknown_user_hash(self) -> str:
        # Verifying against this keeps a login with an unknown e-mail as slow as a wrong password.
        if self._unknown_user_hash is None:
            self._unknown_user_hash = self.hasher.hash("helpline-timing-equaliser")
        return self._unknown_user_hash


_passwords = _PasswordHashing()


def configure_password_hashing(profile: str) -> None:
    """Apply Settings.argon2_profile; called once where the app or a command starts."""
    _passwords.use(profile)


TOKEN_ALGORITHM = "HS256"  # noqa: S105 - an algorithm name, not a secret


# --- authorisation -------------------------------------------------------------------------


def authorise(actor: Actor, permission: Permission, *, client_id: int | None = None) -> None:
    """Refuse unless the actor's role grants `permission` and, if given, reaches `client_id`."""
    if not can(actor, permission):
        raise PermissionDenied(
            f"the role {actor.role.value} may not {permission.value.replace('_', ' ')}"
        )
    if client_id is not None and not can_access_client(actor, client_id):
        raise PermissionDenied("this client organisation is outside your scope", field="client")


def visible_client_ids(actor: Actor) -> frozenset[int] | None:
    """The clients an actor may see, or None for every client; for scoping list queries."""
    return None if actor.serves_all_clients else actor.client_ids


# --- client organisations ------------------------------------------------------------------


def create_client(
    session: Session, actor: Actor, *, code: str, name: str, clock: Clock
) -> ClientOrganisation:
    authorise(actor, Permission.MANAGE_CLIENTS)
    code = validate_client_code(code)
    name = clean_text(name, "name", MAX_CLIENT_NAME_LENGTH)
    if session.scalar(select(ClientOrganisation.id).where(ClientOrganisation.code == code)):
        raise Conflict(f"a client organisation with code {code} exists already", field="code")
    client = ClientOrganisation(code=code, name=name, is_active=True, created_at=clock.now())
    session.add(client)
    session.commit()
    return client


def get_client(session: Session, actor: Actor, client_id: int) -> ClientOrganisation:
    authorise(actor, Permission.VIEW_CLIENTS)
    client = session.get(ClientOrganisation, client_id)
    if client is None or not can_access_client(actor, client.id):
        raise NotFound(f"no client organisation {client_id}", field="client_id")
    return client


def find_client_by_code(session: Session, code: str) -> ClientOrganisation:
    client = session.scalar(
        select(ClientOrganisation).where(ClientOrganisation.code == code.strip().upper())
    )
    if client is None:
        raise NotFound(f"no client organisation with code {code!r}", field="client")
    return client


def list_clients(session: Session, actor: Actor) -> list[ClientOrganisation]:
    authorise(actor, Permission.VIEW_CLIENTS)
    query = select(ClientOrganisation).order_by(ClientOrganisation.code)
    scope = visible_client_ids(actor)
    if scope is not None:
        query = query.where(ClientOrganisation.id.in_(scope))
    return list(session.scalars(query))


# --- users ---------------------------------------------------------------------------------


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    password: str,
    role: Role,
    clock: Clock,
    display_name: str | None = None,
    client_codes: Iterable[str] = (),
) -> User:
    authorise(actor, Permission.MANAGE_USERS)
    # Sign-in names are case-insensitive, so the whole address is stored lower-cased.
    email = normalise_email(email).lower()
    validate_password(password)
    codes = sorted({validate_client_code(code) for code in client_codes})
    validate_role_scope(role, len(codes))
    clients = [find_client_by_code(session, code) for code in codes]
    name = clean_text(
        display_name or email.split("@", 1)[0], "display_name", MAX_DISPLAY_NAME_LENGTH
    )
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"a user with e-mail {email} exists already", field="email")
    user = User(
        email=email,
        display_name=name,
        role=role.value,
        password_hash=_passwords.hasher.hash(password),
        is_active=True,
        created_at=clock.now(),
        client_links=[UserClient(client_id=client.id) for client in clients],
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent insert of the same e-mail
        session.rollback()
        raise Conflict(f"a user with e-mail {email} exists already", field="email") from exc
    return user


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    if actor.user_id != user_id:
        authorise(actor, Permission.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", field="user_id")
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    authorise(actor, Permission.MANAGE_USERS)
    return list(session.scalars(select(User).order_by(User.email)))


def set_user_active(session: Session, actor: Actor, user_id: int, *, is_active: bool) -> User:
    authorise(actor, Permission.MANAGE_USERS)
    user = get_user(session, actor, user_id)
    if actor.user_id == user_id and not is_active:
        raise InvalidInput("you cannot deactivate yourself", field="is_active")
    user.is_active = is_active
    session.commit()
    return user


def change_password(session: Session, actor: Actor, user_id: int, *, new_password: str) -> None:
    user = get_user(session, actor, user_id)
    validate_password(new_password)
    user.password_hash = _passwords.hasher.hash(new_password)
    session.commit()


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id, label=user.email, role=Role(user.role), client_ids=user.client_ids
    )


def actor_for_user_id(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("the account does not exist or is deactivated")
    return actor_for(user)


# --- authentication ------------------------------------------------------------------------


def authenticate(session: Session, *, email: str, password: str, clock: Clock) -> Actor:
    """Check e-mail and password; one message for every failure so accounts cannot be probed."""
    failure = NotAuthenticated("wrong e-mail or password")
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        _verify_quietly(_passwords.unknown_user_hash(), password)
        raise failure
    if not _verify_quietly(user.password_hash, password):
        raise failure
    if _passwords.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _passwords.hasher.hash(password)
    user.last_login_at = clock.now()
    session.commit()
    return actor_for(user)


def _verify_quietly(password_hash: str, password: str) -> bool:
    try:
        return _passwords.hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def issue_token(actor: Actor, *, secret_key: str, lifetime_seconds: int, clock: Clock) -> str:
    if actor.user_id is None:
        raise InvalidInput("tokens are issued to users only")
    now = clock.now()
    claims = {
        "sub": str(actor.user_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=lifetime_seconds)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, secret_key, algorithm=TOKEN_ALGORITHM)


def read_token(token: str, *, secret_key: str, clock: Clock) -> int:
    """The user id a bearer token was issued to; refused if forged, expired or malformed."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[TOKEN_ALGORITHM],
            options={"require": ["sub", "exp", "iat"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("the bearer token is invalid") from exc
    if claims.get("typ") != "access" or int(claims["exp"]) <= int(clock.now().timestamp()):
        raise NotAuthenticated("the bearer token has expired or is not an access token")
    try:
        return int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise NotAuthenticated("the bearer token is invalid") from exc


# --- audit log -----------------------------------------------------------------------------


def record_audit(
    session: Session,
    actor: Actor,
    *,
    action: AuditAction,
    subject_type: str,
    subject_id: int | None,
    client_id: int | None,
    clock: Clock,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one hash-chained entry in the caller's transaction (the caller commits)."""
    head = session.scalar(select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update())
    if head is None:
        head = AuditChainHead(id=1, last_hash=GENESIS_HASH, last_entry_id=None)
        session.add(head)
    occurred_at = clock.now()
    payload = audit_payload(
        occurred_at=occurred_at,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action.value,
        subject_type=subject_type,
        subject_id=subject_id,
        client_id=client_id,
        detail=detail or {},
    )
    entry = AuditEntry(
        occurred_at=occurred_at,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action.value,
        subject_type=subject_type,
        subject_id=subject_id,
        client_id=client_id,
        detail=detail or {},
        previous_hash=head.last_hash,
        entry_hash=chain_hash(head.last_hash, payload),
    )
    session.add(entry)
    session.flush()
    head.last_hash = entry.entry_hash
    head.last_entry_id = entry.id
    return entry
