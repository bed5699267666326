"""Browser tests: Playwright driving Debian's Chromium against live_server.

Without /usr/bin/chromium they skip with a visible reason, unless
E2E_REQUIRED=1 (CI), when a missing browser fails the run.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in
# the test body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"E2E_REQUIRED=1 but Chromium is missing at {CHROMIUM}")
        pytest.skip(
            f"Browser tests skipped: Chromium not found at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, live_server, email, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture(autouse=True)
def _second_factor_only_where_tested(request, settings):
    """Journeys about other features sign in without a second factor; test_identity
    exercises the real policy end to end."""
    if request.module.__name__.rsplit(".", 1)[-1] != "test_identity":
        settings.MFA_REQUIRED_ROLES = []


def verify_token(body: str) -> str:
    """The token in a verification email's link."""
    import re

    found = re.search(r"/verify-email/(\S+)", str(body))
    assert found, body
    return found.group(1)
