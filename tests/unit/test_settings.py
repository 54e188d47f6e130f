"""Settings refuse what must never reach production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from helpline.settings import DEVELOPMENT_SECRET_KEY, Settings

STRONG_KEY = "k" * 40


def test_development_accepts_the_development_key() -> None:
    assert (
        Settings(environment="development").secret_key.get_secret_value() == DEVELOPMENT_SECRET_KEY
    )


@pytest.mark.parametrize("environment", ["test", "production"])
def test_default_key_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="HELPLINE_SECRET_KEY must be set"):
        Settings(environment=environment)


def test_short_key_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment="production", secret_key="short")


@pytest.mark.parametrize("environment", ["development", "production"])
def test_cheap_password_hashing_only_in_tests(environment: str) -> None:
    with pytest.raises(ValidationError, match="test mode only"):
        Settings(environment=environment, secret_key=STRONG_KEY, argon2_profile="cheapest")
    assert Settings(environment="test", secret_key=STRONG_KEY, argon2_profile="cheapest")


@pytest.mark.parametrize(
    ("field", "value"),
    [("centre_time_zone", "Mars/Olympus"), ("default_language", "de"), ("port", 70000)],
)
def test_bad_values_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({field: value})


def test_environment_variables_are_read_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_CENTRE_TIME_ZONE", "Europe/Istanbul")
    monkeypatch.setenv("HELPLINE_DEFAULT_LANGUAGE", "tr")
    settings = Settings()
    assert settings.centre_time_zone == "Europe/Istanbul"
    assert settings.default_language == "tr"
