"""Browser fixtures: the real server in a subprocess, Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
SECRET_KEY = "browser-test-secret-key-long-enough-for-the-settings-check"
STARTUP_SECONDS = 30
# Chromium runs as root in CI containers without a GPU; it must not reach out to the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FAILED = pytest.StashKey[bool]()


@dataclass(frozen=True)
class Account:
    email: str
    password: str


@dataclass(frozen=True)
class LiveServer:
    """A `helpline serve` process on its own SQLite database and port."""

    base_url: str
    environment: dict[str, str]
    folder: Path

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """Run the real `helpline` command against this server's database."""
        return subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "helpline", *args],
            input=stdin,
            env=self.environment,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _health_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@contextmanager
def live_server(folder: Path) -> Iterator[LiveServer]:
    """Start `helpline serve`, wait for /health to answer 200, stop it afterwards."""
    port = _free_port()
    # Only these settings reach the server, whatever the developer's shell exports.
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HELPLINE")
    }
    environment |= {
        "HELPLINE_DATABASE_URL": f"sqlite:///{folder / 'helpline.db'}",
        "HELPLINE_ENVIRONMENT": "test",
        "HELPLINE_SECRET_KEY": SECRET_KEY,
    }
    server = LiveServer(f"http://127.0.0.1:{port}", environment, folder)
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "helpline", "serve", "--port", str(port)],
            env=environment,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while _health_status(f"{server.base_url}/health") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited with code {process.returncode}"
                    if process.returncode is not None
                    else f"did not answer GET /health with 200 within {STARTUP_SECONDS} s"
                )
                pytest.fail(
                    f"helpline serve {state}. Its output:\n{log_path.read_text()}", pytrace=False
                )
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The server most browser tests share; tests use their own codes and e-mails."""
    with live_server(tmp_path_factory.mktemp("browser-server")) as running:
        yield running


@pytest.fixture
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose database has no users at all, as on the first start."""
    with live_server(tmp_path_factory.mktemp("browser-empty-server")) as running:
        yield running


@pytest.fixture(scope="session")
def admin(server: LiveServer) -> Account:
    """The first administrator, created the way the login page tells: the real CLI."""
    account = Account("admin@example.org", "browser-admin-password")
    result = server.cli(
        "user", "add", account.email, "--role", "admin", stdin=account.password + "\n"
    )
    assert result.returncode == 0, (
        f"helpline user add failed ({result.returncode}):\n{result.stdout}{result.stderr}"
    )
    return account


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed. Run `make test`, which installs it "
            "(browsers are never downloaded with `playwright install`).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Page]]:
    """Open a page in a fresh browser context (its own cookies) at a laptop's viewport.

    On failure every page the test opened is saved as a screenshot in test-artifacts/.
    """
    contexts: list[BrowserContext] = []

    def open_page(base_url: str) -> Page:
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    try:
        if request.node.stash.get(FAILED, False):
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
            for number, context in enumerate(contexts, start=1):
                for page in context.pages:
                    page.screenshot(path=ARTIFACTS / f"failed-{name}-{number}.png", full_page=True)
    finally:
        for context in contexts:
            context.close()
