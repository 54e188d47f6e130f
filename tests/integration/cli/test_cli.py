"""The `helpline` command as an operator runs it: a real process on a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.factories import TEST_SECRET_KEY


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HELPLINE_")}
    env["HELPLINE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return env


def helpline(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command with fixed arguments
        [sys.executable, "-m", "helpline", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands(cli_env: dict[str, str]) -> None:
    result = helpline(cli_env, "--help")
    assert result.returncode == 0
    for command in ("serve", "db", "user", "client"):
        assert command in result.stdout


def test_unknown_role_exits_2_naming_valid_roles(cli_env: dict[str, str]) -> None:
    result = helpline(cli_env, "user", "add", "x@y.z", "--role", "wizard")
    assert result.returncode == 2
    for role in ("agent", "supervisor", "planner", "quality", "admin", "client_viewer"):
        assert role in result.stderr


def test_first_admin_then_client_viewer(cli_env: dict[str, str]) -> None:
    assert helpline(cli_env, "db", "upgrade").returncode == 0
    created = helpline(
        cli_env,
        "user",
        "add",
        "boss@example.org",
        "--role",
        "admin",
        stdin="a long admin password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created admin boss@example.org" in created.stdout

    assert helpline(cli_env, "client", "add", "acme", "Acme Energy").returncode == 0
    viewer = helpline(
        cli_env,
        "user",
        "add",
        "v@acme.example",
        "--role",
        "client_viewer",
        "--client",
        "ACME",
        stdin="another long password\n",
    )
    assert viewer.returncode == 0, viewer.stderr

    duplicate = helpline(
        cli_env,
        "user",
        "add",
        "boss@example.org",
        "--role",
        "admin",
        stdin="a long admin password\n",
    )
    assert duplicate.returncode == 2
    assert "exists already" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr


def test_weak_password_and_bad_email_exit_2(cli_env: dict[str, str]) -> None:
    assert helpline(cli_env, "db", "upgrade").returncode == 0
    weak = helpline(cli_env, "user", "add", "a@example.org", "--role", "agent", stdin="short\n")
    assert weak.returncode == 2
    assert "at least 12 characters" in weak.stderr
    bad = helpline(
        cli_env, "user", "add", "not-an-email", "--role", "agent", stdin="a long enough password\n"
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_default_secret_refused_outside_development(cli_env: dict[str, str]) -> None:
    result = helpline({**cli_env, "HELPLINE_ENVIRONMENT": "production"}, "db", "upgrade")
    assert result.returncode == 2
    assert "HELPLINE_SECRET_KEY must be set" in result.stderr
    accepted = helpline(
        {**cli_env, "HELPLINE_ENVIRONMENT": "production", "HELPLINE_SECRET_KEY": TEST_SECRET_KEY},
        "db",
        "upgrade",
    )
    assert accepted.returncode == 0, accepted.stderr
