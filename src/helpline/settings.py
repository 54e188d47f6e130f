"""The one typed Settings object; nothing else in Helpline reads the environment."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Accepted only in development mode, so a forgotten key never reaches production.
DEVELOPMENT_SECRET_KEY = "helpline-development-key-not-for-production-use"  # noqa: S105
CUSTOMER_LANGUAGES = ("en", "tr", "ru", "hu", "vi")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELPLINE_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/helpline.db"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    smtp_relay_host: str = "127.0.0.1"
    smtp_relay_port: int = Field(default=25, ge=1, le=65535)
    smtp_relay_username: str | None = None
    smtp_relay_password: SecretStr | None = None
    smtp_listen_port: int = Field(default=2525, ge=0, le=65535)
    centre_time_zone: str = "UTC"
    default_language: str = "en"
    token_lifetime_seconds: int = Field(default=8 * 3600, ge=60, le=30 * 86400)
    session_lifetime_seconds: int = Field(default=12 * 3600, ge=60, le=30 * 86400)
    session_cookie_secure: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # argon2 parameters: "standard" (RFC 9106 low-memory profile) everywhere but in the
    # test suite, which may use "cheapest" so that thousands of sign-ins stay fast.
    argon2_profile: Literal["standard", "cheapest"] = "standard"
    # The routing dispatcher (offers, timers) runs inside `helpline serve`; off where
    # something else drives routing, such as a separate worker or the in-process test app.
    run_dispatcher: bool = True
    dispatcher_tick_seconds: float = Field(default=1.0, ge=0.05, le=60)

    @field_validator("centre_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _customer_language(cls, value: str) -> str:
        if value not in CUSTOMER_LANGUAGES:
            raise ValueError(f"default_language must be one of {', '.join(CUSTOMER_LANGUAGES)}")
        return value

    @model_validator(mode="after")
    def _cheap_hashing_only_in_tests(self) -> Settings:
        if self.argon2_profile == "cheapest" and self.environment != "test":
            raise ValueError("argon2_profile 'cheapest' is allowed in test mode only")
        return self

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        key = self.secret_key.get_secret_value()
        if self.environment != "development":
            if key == DEVELOPMENT_SECRET_KEY:
                raise ValueError(
                    "HELPLINE_SECRET_KEY must be set: the development key is refused "
                    f"in {self.environment} mode"
                )
            if len(key) < 32:
                raise ValueError("HELPLINE_SECRET_KEY must be at least 32 characters long")
        return self


def load_settings() -> Settings:
    """Read the environment once, at the edge (CLI or server start)."""
    return Settings()
