"""JSON routes of the identity domain: tokens, users, client organisations, audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import OAuth2PasswordRequestForm

from helpline.identity import queries as identity_queries
from helpline.identity import service as identity_service
from helpline.identity.models import User
from helpline.identity.schemas import (
    AuditEntryOut,
    ChainCheckOut,
    ClientIn,
    ClientOut,
    MeOut,
    TokenOut,
    UserActiveIn,
    UserIn,
    UserOut,
)
from helpline.web.deps import ClockDep, CurrentActor, IdPath, IdQuery, SessionDep, SettingsDep

router = APIRouter()


def _user_out(user: User) -> UserOut:
    return UserOut.model_validate(
        {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "is_active": user.is_active,
            "client_ids": sorted(user.client_ids),
            "created_at": user.created_at,
            "last_login_at": user.last_login_at,
        }
    )


@router.post("/auth/token", response_model=TokenOut, tags=["identity"])
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> TokenOut:
    """OAuth2 password flow: the username is the user's e-mail address."""
    actor = identity_service.authenticate(
        session, email=form.username, password=form.password, clock=clock
    )
    token = identity_service.issue_token(
        actor,
        secret_key=settings.secret_key.get_secret_value(),
        lifetime_seconds=settings.token_lifetime_seconds,
        clock=clock,
    )
    return TokenOut(access_token=token, expires_in=settings.token_lifetime_seconds)


@router.get("/me", response_model=MeOut, tags=["identity"])
def read_me(actor: CurrentActor) -> MeOut:
    return MeOut(
        user_id=actor.user_id,
        label=actor.label,
        role=actor.role,
        client_ids=sorted(actor.client_ids),
        serves_all_clients=actor.serves_all_clients,
    )


@router.get("/clients", response_model=list[ClientOut], tags=["identity"])
def list_clients(actor: CurrentActor, session: SessionDep) -> list[ClientOut]:
    clients = identity_service.list_clients(session, actor)
    return [ClientOut.model_validate(client) for client in clients]


@router.post("/clients", response_model=ClientOut, status_code=201, tags=["identity"])
def create_client(
    body: ClientIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ClientOut:
    client = identity_service.create_client(
        session, actor, code=body.code, name=body.name, clock=clock
    )
    return ClientOut.model_validate(client)


@router.get("/clients/{client_id}", response_model=ClientOut, tags=["identity"])
def read_client(client_id: IdPath, actor: CurrentActor, session: SessionDep) -> ClientOut:
    return ClientOut.model_validate(identity_service.get_client(session, actor, client_id))


@router.get("/users", response_model=list[UserOut], tags=["identity"])
def list_users(actor: CurrentActor, session: SessionDep) -> list[UserOut]:
    return [_user_out(user) for user in identity_service.list_users(session, actor)]


@router.post("/users", response_model=UserOut, status_code=201, tags=["identity"])
def create_user(body: UserIn, actor: CurrentActor, session: SessionDep, clock: ClockDep) -> UserOut:
    user = identity_service.create_user(
        session,
        actor,
        email=body.email,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        client_codes=body.clients,
        clock=clock,
    )
    return _user_out(user)


@router.get("/users/{user_id}", response_model=UserOut, tags=["identity"])
def read_user(user_id: IdPath, actor: CurrentActor, session: SessionDep) -> UserOut:
    return _user_out(identity_service.get_user(session, actor, user_id))


@router.patch("/users/{user_id}", response_model=UserOut, tags=["identity"])
def update_user(
    user_id: IdPath, body: UserActiveIn, actor: CurrentActor, session: SessionDep
) -> UserOut:
    user = identity_service.set_user_active(session, actor, user_id, is_active=body.is_active)
    return _user_out(user)


@router.get("/audit", response_model=list[AuditEntryOut], tags=["identity"])
def list_audit_entries(
    actor: CurrentActor,
    session: SessionDep,
    subject_type: Annotated[str | None, Query(max_length=40)] = None,
    subject_id: IdQuery = None,
    actor_user_id: IdQuery = None,
    before_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=identity_queries.MAX_PAGE_SIZE)] = 100,
) -> list[AuditEntryOut]:
    entries = identity_queries.list_audit_entries(
        session,
        actor,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_user_id=actor_user_id,
        before_id=before_id,
        limit=limit,
    )
    return [AuditEntryOut.model_validate(entry) for entry in entries]


@router.get("/audit/verify", response_model=ChainCheckOut, tags=["identity"])
def verify_audit_chain(actor: CurrentActor, session: SessionDep) -> ChainCheckOut:
    check = identity_queries.verify_audit_chain(session, actor)
    return ChainCheckOut(
        entries_checked=check.entries_checked,
        first_broken_id=check.first_broken_id,
        is_intact=check.is_intact,
    )
