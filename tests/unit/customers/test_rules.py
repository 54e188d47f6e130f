"""Unit tests for customer contact-point, language and masking rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.customers.rules import (
    MAX_EMAIL_LENGTH,
    SUPPORTED_LANGUAGES,
    ContactPointKind,
    mask_email,
    mask_phone,
    normalise_contact_point,
    normalise_email,
    normalise_language,
    normalise_phone,
    phone_time_zones,
)
from helpline.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+90 532 123 45 67", "+905321234567"),  # Turkish mobile
        ("+90 (212) 123-45-67", "+902121234567"),  # Istanbul landline
        ("+36 20 123 4567", "+36201234567"),  # Hungarian mobile
        ("+7 912 345-67-89", "+79123456789"),  # Russian mobile
        ("+84 91 234 56 78", "+84912345678"),  # Vietnamese mobile
        ("+44 7911 123456", "+447911123456"),  # UK mobile
        ("+1 (212) 555-0123", "+12125550123"),  # US, New York
        ("  +905321234567\t", "+905321234567"),  # surrounding whitespace is dropped
    ],
)
def test_international_numbers_normalise_to_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("0532 123 45 67", "TR", "+905321234567"),
        ("06 20 123 4567", "HU", "+36201234567"),
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("091 234 56 78", "VN", "+84912345678"),
        ("07911 123456", "GB", "+447911123456"),
        ("(212) 555-0123", "US", "+12125550123"),
        ("0532 123 45 67", "tr", "+905321234567"),  # region code case does not matter
        ("+36 20 123 4567", "TR", "+36201234567"),  # an international number ignores the region
    ],
)
def test_national_numbers_normalise_with_a_default_region(
    raw: str, region: str, expected: str
) -> None:
    assert normalise_phone(raw, region) == expected


def test_national_number_without_a_region_is_refused() -> None:
    with pytest.raises(InvalidInput, match="international format") as caught:
        normalise_phone("0532 123 45 67")
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a phone number"),
        ("   ", "Enter a phone number"),
        ("+90 123", "not a valid phone number"),
        ("+1 212 555 01", "not a valid phone number"),
        ("+999 1234567", "known country code"),
        ("call me", "only digits"),
        ("0532 ABC 45 67", "only digits"),
        ("1-800-FLOWERS", "only digits"),
        ("+90 532 123 45 67 ext 12", "only digits"),
        ("+90 532 123 45 67 " * 3, "at most 40 characters"),
    ],
)
def test_invalid_phone_numbers_are_refused(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        normalise_phone(raw, "TR")
    assert caught.value.field == "phone"


def test_unknown_default_region_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone("0532 123 45 67", "XX")
    assert caught.value.field == "default_region"


@given(st.sampled_from(["+905321234567", "+36201234567", "+79123456789", "+12125550123"]))
def test_normalising_an_e164_number_leaves_it_unchanged(e164: str) -> None:
    assert normalise_phone(normalise_phone(e164)) == e164


@pytest.mark.parametrize(
    ("e164", "zones"),
    [
        ("+905321234567", ("Europe/Istanbul",)),
        ("+36201234567", ("Europe/Budapest",)),
        ("+84912345678", ("Asia/Ho_Chi_Minh",)),
        ("+74951234567", ("Europe/Moscow",)),
        ("+12125550123", ("America/New_York",)),
    ],
)
def test_time_zones_come_from_the_number(e164: str, zones: tuple[str, ...]) -> None:
    """R-PROTECT-1: outbound calls respect the callee's local time, read from the number."""
    assert phone_time_zones(e164) == zones


def test_a_number_can_span_several_time_zones() -> None:
    """R-PROTECT-1: a Russian mobile may be anywhere in Russia; callers use the strictest window."""
    zones = phone_time_zones("+79123456789")
    assert {"Europe/Moscow", "Asia/Vladivostok"} <= set(zones)
    assert "Etc/Unknown" not in zones
    assert "Europe/London" in phone_time_zones("+447911123456")


def test_a_number_without_a_location_has_no_time_zone() -> None:
    assert phone_time_zones("+80012345678") == ()  # international freephone


def test_time_zones_of_a_non_number_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        phone_time_zones("not a number")
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ali.veli@example.com", "ali.veli@example.com"),
        ("Ali.Veli@Example.COM", "ali.veli@example.com"),  # matched case-insensitively
        ("  ali@example.com ", "ali@example.com"),
        ("ali@MÜNCHEN.de", "ali@münchen.de"),
        ("nguyễn@example.vn", "nguyễn@example.vn"),
    ],
)
def test_email_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ali.example.com",
        "ali veli@example.com",
        "ali@exa mple.com",
        "ali@localhost",
        "ali@@example.com",
        "ali@example.com.",
        "a" * 64 + "@" + "b" * 185 + ".com",  # 254 characters but the domain label is too long
    ],
)
def test_invalid_email_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="Not a valid e-mail address") as caught:
        normalise_email(raw)
    assert caught.value.field == "email"


def test_over_long_email_addresses_are_refused() -> None:
    domain = ".".join(["b" * 60] * 4) + ".com"
    raw = "a" * (MAX_EMAIL_LENGTH + 1 - len(domain) - 1) + "@" + domain
    assert len(raw) == MAX_EMAIL_LENGTH + 1
    with pytest.raises(InvalidInput, match="at most 254") as caught:
        normalise_email(raw)
    assert caught.value.field == "email"


def test_contact_points_dispatch_on_their_kind() -> None:
    assert normalise_contact_point(ContactPointKind.PHONE, "0532 123 45 67", "TR") == (
        "+905321234567"
    )
    assert normalise_contact_point(ContactPointKind.EMAIL, "Ali@Example.com") == "ali@example.com"
    with pytest.raises(InvalidInput) as caught:
        normalise_contact_point(ContactPointKind.EMAIL, "+905321234567")
    assert caught.value.field == "email"
    assert ContactPointKind("phone") is ContactPointKind.PHONE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tr", "tr"),
        ("TR", "tr"),
        ("tr-TR", "tr"),
        ("tr_TR", "tr"),
        (" en-GB ", "en"),
        ("ru", "ru"),
        ("hu-HU", "hu"),
        ("vi-VN", "vi"),
        ("en-Latn-US", "en"),
    ],
)
def test_language_tags_reduce_to_a_supported_language(raw: str, expected: str) -> None:
    """R-ACCESS-8 / R-INFO-2: customers are served in a language the centre offers."""
    assert normalise_language(raw) == expected


@pytest.mark.parametrize("raw", ["de", "de-DE", "fr", "zh-Hans-CN"])
def test_unsupported_languages_are_refused_with_the_supported_list(raw: str) -> None:
    """R-ACCESS-8 / R-INFO-2: only languages every customer-facing text exists in."""
    with pytest.raises(InvalidInput, match="not supported") as caught:
        normalise_language(raw)
    assert caught.value.field == "preferred_language"
    assert all(code in caught.value.message for code in SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("raw", ["", "t", "english", "tr-", "-tr", "t r", "12"])
def test_malformed_language_tags_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="not a language code") as caught:
        normalise_language(raw)
    assert caught.value.field == "preferred_language"
    assert "en, tr, ru, hu, vi" in caught.value.message


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+905321234567", "+90******4567"),
        ("+36201234567", "+36*****4567"),
        ("+12125550123", "+12*****0123"),
        ("+123456", "+******"),
    ],
)
def test_phone_masks_keep_the_ends(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_phone_masks_keep_the_length_and_hide_the_middle(e164: str) -> None:
    masked = mask_phone(e164)
    assert len(masked) == len(e164)
    assert masked[3:-4] == "*" * (len(e164) - 7)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("ali@example.com", "a***@example.com"),
        ("a@example.com", "a***@example.com"),
        ("Ali.Veli@münchen.de", "A***@münchen.de"),
        ("not-an-address", "***"),
        ("@example.com", "***"),
    ],
)
def test_email_masks_keep_the_first_letter_and_the_domain(address: str, masked: str) -> None:
    assert mask_email(address) == masked
