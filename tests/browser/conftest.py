"""Playwright driving Debian's Chromium (headless) against a live console process."""

from __future__ import annotations

import shutil

import pytest

from console.accounts.management.commands.demo_users import demo_password

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_console):
    context = browser.new_context(
        base_url=live_console.url, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def logged_in_page(browser, live_console, username: str, **options):
    """A page of a new browser context (`options`: viewport, locale, zone, colours),
    logged in through the form as `username`. Close it with page.context.close()."""
    context = browser.new_context(base_url=live_console.url, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(demo_password(username))
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


@pytest.fixture
def login(page):
    """Log in through the form, as a person would; returns the page."""

    def log_in(username: str):
        page.goto("/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo_password(username))
        page.get_by_role("button", name="Log in").click()
        return page

    return log_in
