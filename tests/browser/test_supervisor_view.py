"""The supervisor live view in chromium: a new waiting contact appears without a reload."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Account, LiveServer

pytestmark = pytest.mark.browser

OpenPage = Callable[[str], Page]
PASSWORD = "live-view-password-12"


class Api:
    """The running server's JSON API, signed in with a bearer token."""

    def __init__(self, server: LiveServer, account: Account) -> None:
        self.base_url = f"{server.base_url}/api/v1"
        form = f"username={account.email}&password={account.password}".encode()
        token = self._send("POST", "/auth/token", form, "application/x-www-form-urlencoded", {})
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def _send(self, method: str, path: str, body: bytes, kind: str, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the local test server
            self.base_url + path,
            data=body,
            method=method,
            headers={"content-type": kind, **headers},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def get(self, path: str) -> Any:
        request = urllib.request.Request(self.base_url + path, headers=self.headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def call(self, method: str, path: str, payload: dict[str, Any]) -> Any:
        return self._send(
            method, path, json.dumps(payload).encode(), "application/json", self.headers
        )


def test_new_waiting_contact_shows_without_reload(
    server: LiveServer, admin: Account, open_page: OpenPage
) -> None:
    api = Api(server, admin)
    client = api.call("POST", "/clients", {"code": "LIVE", "name": "Live View Ltd"})
    queue = api.call(
        "POST",
        "/queues",
        {
            "client_id": client["id"],
            "code": "live-voice",
            "name": "Live voice line",
            "channels": ["voice"],
            "time_zone": "UTC",
            "business_hours": "mon-sun 00:00-24:00",
        },
    )
    supervisor = Account("supervisor.live@example.org", PASSWORD)
    agent = Account("agent.live@example.org", PASSWORD)
    for account, role in ((supervisor, "supervisor"), (agent, "agent")):
        api.call(
            "POST",
            "/users",
            {"email": account.email, "password": PASSWORD, "role": role, "clients": ["LIVE"]},
        )
    agent_user_id = next(user["id"] for user in api.get("/users") if user["email"] == agent.email)
    agent_id = api.call("POST", "/agents", {"user_id": agent_user_id, "display_name": "Selin"})[
        "id"
    ]
    as_agent = Api(server, agent)
    as_agent.call("PUT", f"/agents/{agent_id}/presence", {"state": "available"})
    as_agent.call("POST", f"/agents/{agent_id}/queue-logins", {"queue_id": queue["id"]})

    page = open_page(server.base_url)
    page.goto("/login")
    page.get_by_label("E-mail").fill(supervisor.email)
    page.get_by_label("Password").fill(supervisor.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.goto("/supervisor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Live view")
    queues = page.get_by_role("table", name="Queues now")
    row = queues.get_by_role("row").filter(has_text="live-voice")
    waiting = row.get_by_role("cell").first
    expect(waiting).to_have_text("0")
    agents = page.get_by_role("table", name="Agents signed in")
    expect(agents.get_by_role("row").filter(has_text="Selin")).to_contain_text("available")

    # The page's own address never changes: whatever updates the table is the stream.
    page.evaluate("() => { window.__sameDocument = true; }")
    api.call(
        "POST",
        "/contacts",
        {"client_id": client["id"], "channel": "voice", "queue_id": queue["id"]},
    )
    expect(waiting).to_have_text("1", timeout=10_000)
    assert page.evaluate("() => window.__sameDocument") is True
    expect(row.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^0:0\d$"))  # seconds ago
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "supervisor-live-view-1366x768.png")
    page.keyboard.press("Tab")  # the skip link comes first, as on every page
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
