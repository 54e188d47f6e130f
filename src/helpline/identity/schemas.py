"""API shapes of the identity domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from helpline.identity.rules import (
    MAX_CLIENT_NAME_LENGTH,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    Role,
)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=30, examples=["ACME"])
    name: str = Field(min_length=1, max_length=MAX_CLIENT_NAME_LENGTH, examples=["Acme Energy"])


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    is_active: bool
    created_at: datetime


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=MAX_EMAIL_LENGTH)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    role: Role
    display_name: str | None = Field(default=None, max_length=MAX_DISPLAY_NAME_LENGTH)
    clients: list[str] = Field(default_factory=list, max_length=100, description="client codes")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    role: Role
    is_active: bool
    client_ids: list[int]
    created_at: datetime
    last_login_at: datetime | None


class UserActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_active: bool


class MeOut(BaseModel):
    user_id: int | None
    label: str
    role: Role
    client_ids: list[int]
    serves_all_clients: bool


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_user_id: int | None
    actor_label: str
    action: str
    subject_type: str
    subject_id: int | None
    client_id: int | None
    detail: dict[str, Any]
    entry_hash: str


class ChainCheckOut(BaseModel):
    entries_checked: int
    first_broken_id: int | None
    is_intact: bool
