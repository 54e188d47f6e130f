"""Contact-point normalisation, preferred language and masking rules for customers."""

from __future__ import annotations

import re
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import timezone as phone_timezone

from helpline.errors import InvalidInput

MAX_NAME_LENGTH = 200
MAX_COMMUNICATION_NEEDS_LENGTH = 1000
MAX_CONTACT_POINTS_PER_KIND = 10
MAX_PURPOSE_LENGTH = 200
MAX_SEARCH_LIMIT = 100
MAX_PHONE_INPUT_LENGTH = 40
MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit less the angle brackets

# Customer-facing languages that every text (prompts, pages, mails, surveys) exists in.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "tr", "ru", "hu", "vi")

# Letters are refused although phonenumbers would read them as a keypad word ("1-800-FLOWERS"):
# in a typed customer number they are far more often an extension ("ext 12") or a typo, and
# E.164 would silently drop the extension.
_PHONE_PUNCTUATION = frozenset("+()-./ \t\u00a0")
_UNKNOWN_ZONE = "Etc/Unknown"
_LANGUAGE_TAG = re.compile(r"^(?P<primary>[a-z]{2,3})(?:-[a-z0-9]{1,8})*$")


class ContactPointKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"


def normalise_phone(raw: str, default_region: str | None = None) -> str:
    """Return the number in E.164; a national-format number needs `default_region` (ISO 3166-1).

    The E.164 form is the one key for finding a customer by caller ID and for working out the
    callee's time zone (R-PROTECT-1).
    """
    text = raw.strip()
    if not text:
        raise InvalidInput("Enter a phone number.", field="phone")
    if len(text) > MAX_PHONE_INPUT_LENGTH:
        raise InvalidInput(
            f"A phone number may be at most {MAX_PHONE_INPUT_LENGTH} characters long.",
            field="phone",
        )
    if any(not (char.isdecimal() or char in _PHONE_PUNCTUATION) for char in text):
        raise InvalidInput(
            "A phone number may contain only digits, spaces, '+', brackets, '-', '.' and '/'.",
            field="phone",
        )
    region = default_region.upper() if default_region else None
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            f"{default_region!r} is not a region phonenumbers knows (ISO 3166-1 alpha-2).",
            field="default_region",
        )
    if not text.startswith("+") and region is None:
        raise InvalidInput(
            "Write the number in international format, starting with '+' and the country code.",
            field="phone",
        )
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            message = f"{text!r} does not start with a known country code."
        else:
            message = f"{text!r} is not a phone number."
        raise InvalidInput(message, field="phone") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            f"{text!r} is not a valid phone number for its country.",
            field="phone",
        )
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164


def phone_time_zones(e164: str) -> tuple[str, ...]:
    """Return the IANA zones the number may be in; empty when the number carries no location.

    R-PROTECT-1: an outbound call respects the callee's local time; with several zones the
    caller applies the strictest calling window.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as error:
        raise InvalidInput(f"{e164!r} is not an E.164 phone number.", field="phone") from error
    zones = tuple(str(zone) for zone in phone_timezone.time_zones_for_number(number))
    return tuple(zone for zone in zones if zone != _UNKNOWN_ZONE)


def normalise_email(raw: str) -> str:
    """Return the address as email-validator normalises it, wholly lower-cased.

    Mail systems treat local parts case-insensitively in practice, and a customer who writes
    once as Ana@ and once as ana@ must be recognised as the same sender.
    """
    text = raw.strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise InvalidInput(
            f"An e-mail address may be at most {MAX_EMAIL_LENGTH} characters long.",
            field="email",
        )
    try:
        validated = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput(f"Not a valid e-mail address: {error}", field="email") from error
    return f"{validated.local_part}@{validated.domain}".lower()


def normalise_contact_point(
    kind: ContactPointKind, raw: str, default_region: str | None = None
) -> str:
    """Normalise a phone number or e-mail address; `default_region` applies to phones only."""
    if kind is ContactPointKind.PHONE:
        return normalise_phone(raw, default_region)
    return normalise_email(raw)


def normalise_language(raw: str) -> str:
    """Reduce a BCP 47-ish tag ("tr", "TR", "tr-TR", "tr_TR") to a supported language code.

    R-ACCESS-8 / R-INFO-2: customers are served and informed in a language the centre offers,
    so only languages that every customer-facing text exists in are accepted.
    """
    tag = raw.strip().lower().replace("_", "-")
    supported = ", ".join(SUPPORTED_LANGUAGES)
    match = _LANGUAGE_TAG.fullmatch(tag)
    if match is None:
        raise InvalidInput(
            f"{raw!r} is not a language code. Supported languages: {supported}.",
            field="preferred_language",
        )
    language = match["primary"]
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(
            f"Language {language!r} is not supported. Supported languages: {supported}.",
            field="preferred_language",
        )
    return language


def mask_phone(e164: str) -> str:
    """Show "+", the first digits and the last four: "+905321234567" -> "+90******4567"."""
    if len(e164) <= 7:
        # Too short to keep both ends without revealing most of the number.
        return e164[:1] + "*" * (len(e164) - 1)
    return e164[:3] + "*" * (len(e164) - 7) + e164[-4:]


def mask_email(addr: str) -> str:
    """Show the first character of the local part and the domain: "a***@example.com"."""
    local, at, domain = addr.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"
