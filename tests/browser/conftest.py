"""Browser journeys in Debian's Chromium, driven by Playwright.

They run when Chromium is installed and are skipped with a reason otherwise;
with NEGPREP_REQUIRE_BROWSER=1 (as in CI) a missing browser fails the run.
"""

import os
import threading
import time
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
def transactional_db(transactional_db, browser, request):
    """The test's database, emptied only once every page of the shared browser is closed and the
    live server has answered the requests they left: one still running (a poll, a heartbeat) while
    the tables are truncated makes PostgreSQL end one of the two as a deadlock."""
    yield transactional_db
    for context in browser.contexts:
        context.close()
    if "live_server" in request.fixturenames:
        _requests_answered()


def _requests_answered(timeout: float = 30.0) -> None:
    """Wait for the live server's request threads: its server starts one per connection, as daemon
    threads it does not keep, named after their target (``Thread-N (process_request_thread)``)."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0.0, deadline - time.monotonic()))


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
