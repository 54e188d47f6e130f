"""The first administrator's path through the pages, in chromium against the real server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Account, LiveServer

pytestmark = pytest.mark.browser

OpenPage = Callable[[str], Page]
VIEWER_PASSWORD = "viewer-password-12"


def sign_in(page: Page, account: Account) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def add_client(page: Page, code: str, name: str) -> None:
    page.goto("/admin/clients")
    page.get_by_label("Code").fill(code)
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Add client organisation").click()


def add_client_viewer(page: Page, email: str, client_code: str) -> None:
    page.goto("/admin/users")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Name").fill("Client Viewer")
    page.get_by_label("Role").select_option("client_viewer")
    page.get_by_label("Client organisations").select_option(client_code)
    page.get_by_label("Initial password").fill(VIEWER_PASSWORD)
    page.get_by_role("button", name="Add user").click()


def test_empty_database_login_page_tells_how_to_create_first_admin(
    empty_server: LiveServer, open_page: OpenPage
) -> None:
    page = open_page(empty_server.base_url)
    page.goto("/")
    expect(page).to_have_url(f"{empty_server.base_url}/login?next=/")
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("No users yet")
    expect(notice).to_contain_text("helpline user add you@example.org --role admin")


def test_admin_signs_in_with_the_keyboard_only(
    server: LiveServer, admin: Account, open_page: OpenPage
) -> None:
    page = open_page(server.base_url)
    page.goto("/login")
    expect(page.get_by_role("status")).to_have_count(0)  # an admin exists: no first-run hint
    expect(page.get_by_label("E-mail")).to_be_focused()
    page.keyboard.type(admin.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(admin.password)
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{server.base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {admin.email}")
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Home", "Client organisations", "Users"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    # The pinned htmx 2.0.x that `make` fetched is served and running.
    assert str(page.evaluate("() => window.htmx && window.htmx.version")).startswith("2.0.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "home-admin-1366x768.png")


def test_admin_creates_client_and_scoped_client_viewer(
    server: LiveServer, admin: Account, open_page: OpenPage
) -> None:
    page = open_page(server.base_url)
    sign_in(page, admin)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Client organisations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Client organisations")

    add_client(page, "northwind", "Northwind Traders")
    expect(page).to_have_url(f"{server.base_url}/admin/clients")
    row = page.get_by_role("row").filter(has_text="Northwind Traders")
    expect(row.get_by_role("cell").first).to_have_text("NORTHWIND")  # codes are upper-cased

    add_client_viewer(page, "viewer.northwind@example.org", "NORTHWIND")
    expect(page).to_have_url(f"{server.base_url}/admin/users")
    row = page.get_by_role("row").filter(has_text="viewer.northwind@example.org")
    expect(row.get_by_role("cell")).to_have_text(
        [
            "viewer.northwind@example.org",
            "Client Viewer",
            "client_viewer",
            "NORTHWIND",
            "yes",
            "never",
        ]
    )


def test_duplicate_client_code_shows_alert_and_page_stays_usable(
    server: LiveServer, admin: Account, open_page: OpenPage
) -> None:
    page = open_page(server.base_url)
    sign_in(page, admin)
    add_client(page, "DUPE", "First Duplicate Ltd")
    expect(page.get_by_role("row").filter(has_text="First Duplicate Ltd")).to_have_count(1)

    add_client(page, "dupe", "Second Duplicate Ltd")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("a client organisation with code DUPE exists already")
    expect(page.get_by_role("row").filter(has_text="Second Duplicate Ltd")).to_have_count(0)

    # The same page takes a corrected entry and the navigation still works.
    page.get_by_label("Code").fill("DUPE-2")
    page.get_by_label("Name").fill("Second Duplicate Ltd")
    page.get_by_role("button", name="Add client organisation").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Second Duplicate Ltd")).to_contain_text(
        "DUPE-2"
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")


def test_client_viewer_sees_no_user_admin(
    server: LiveServer, admin: Account, open_page: OpenPage
) -> None:
    admin_page = open_page(server.base_url)
    sign_in(admin_page, admin)
    add_client(admin_page, "VIEWCO", "Viewco Retail")
    add_client_viewer(admin_page, "viewer.viewco@example.org", "VIEWCO")
    expect(
        admin_page.get_by_role("row").filter(has_text="viewer.viewco@example.org")
    ).to_have_count(1)

    # A second browser context: its own cookies, as another person's browser.
    page = open_page(server.base_url)
    sign_in(page, Account("viewer.viewco@example.org", VIEWER_PASSWORD))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Client organisations")).to_be_visible()
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)

    response = page.goto("/admin/users")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("403")
    expect(page.get_by_role("alert")).not_to_be_empty()
    expect(page.get_by_text("viewer.viewco@example.org")).to_have_count(0)

    # The admin's session in the other context is untouched.
    admin_page.reload()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Users")


def test_sign_out_ends_the_session(server: LiveServer, admin: Account, open_page: OpenPage) -> None:
    page = open_page(server.base_url)
    sign_in(page, admin)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server.base_url}/login")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)

    page.goto("/admin/users")
    expect(page).to_have_url(f"{server.base_url}/login?next=/admin/users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Helpline")
