"""Browser journeys in Debian's Chromium, driven by Playwright.

They run when Chromium is installed and are skipped with a reason otherwise;
with NEGPREP_REQUIRE_BROWSER=1 (as in CI) a missing browser fails the run.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread; the Django ORM
# calls the tests make around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("NEGPREP_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium package to run browser tests"
        if os.environ.get("NEGPREP_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (NEGPREP_REQUIRE_BROWSER=1 requires them)", pytrace=False)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def sign_in(page, live_server, username, password="demo1234", succeeds=True):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if succeeds:
        # Wait for the signed-in page so the next step acts on it, not on the login page.
        expect(page.get_by_test_id("user-menu")).to_be_attached()


def sign_out(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
