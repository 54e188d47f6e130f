"""API shapes of the customers domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from helpline.customers.rules import (
    MAX_COMMUNICATION_NEEDS_LENGTH,
    MAX_CONTACT_POINTS_PER_KIND,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PHONE_INPUT_LENGTH,
    ContactPointKind,
)
from helpline.web.deps import MAX_ID

PhoneText = Annotated[str, Field(min_length=1, max_length=MAX_PHONE_INPUT_LENGTH)]
EmailText = Annotated[str, Field(min_length=1, max_length=MAX_EMAIL_LENGTH)]
# A phone number or an e-mail address, by the contact point's kind.
ContactValueText = Annotated[str, Field(min_length=1, max_length=MAX_EMAIL_LENGTH)]
# ISO 3166-1 alpha-2; national-format phone numbers are read as numbers of this region.
RegionCode = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$", examples=["TR"])]
LanguageText = Annotated[str, Field(min_length=1, max_length=35, examples=["tr"])]
NeedsText = Annotated[str, Field(max_length=MAX_COMMUNICATION_NEEDS_LENGTH)]
NameText = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: int = Field(ge=1, le=MAX_ID)
    display_name: NameText
    phones: list[PhoneText] = Field(
        default_factory=list,
        max_length=MAX_CONTACT_POINTS_PER_KIND,
        examples=[["+90 532 123 45 67"]],
    )
    emails: list[EmailText] = Field(default_factory=list, max_length=MAX_CONTACT_POINTS_PER_KIND)
    preferred_language: LanguageText | None = None
    communication_needs: NeedsText | None = Field(
        default=None, description="special-category data: needs special_category_consent"
    )
    is_vulnerable: bool = Field(
        default=False, description="special-category data: needs special_category_consent"
    )
    special_category_consent: bool = False
    marketing_consent: bool = False
    survey_opt_out: bool = False
    default_region: RegionCode | None = None


class CustomerPatch(BaseModel):
    """Only the fields sent change; null clears the language or the communication needs."""

    model_config = ConfigDict(extra="forbid")

    display_name: NameText | None = None
    preferred_language: LanguageText | None = None
    communication_needs: NeedsText | None = None
    is_vulnerable: bool | None = None
    special_category_consent: bool | None = None
    marketing_consent: bool | None = None
    survey_opt_out: bool | None = None

    @field_validator(
        "display_name",
        "is_vulnerable",
        "special_category_consent",
        "marketing_consent",
        "survey_opt_out",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Only the language and the needs can be cleared; the others always have a value.
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value


class ContactPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ContactPointKind
    value: ContactValueText
    default_region: RegionCode | None = None


class ContactPointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ContactPointKind
    value: str


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_id: int
    display_name: str
    preferred_language: str | None
    communication_needs: str | None
    is_vulnerable: bool
    special_category_consent: bool
    marketing_consent: bool
    survey_opt_out: bool
    contact_points: list[ContactPointOut]
    created_at: datetime
    updated_at: datetime
