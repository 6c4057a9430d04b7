"""Sign-in lockouts: per username and address, per account from any address, per address at any account."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from tests.production_settings import load_production_settings


def _login(client, username, password="wrong", address="198.51.100.1", **headers):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def _lockout(response) -> str | None:
    """Which lockout the page names, or None when it is not the lockout page."""
    if response.status_code != 429:
        return None
    page = response.content.decode()
    assert "Too many failed sign-in attempts" in page
    return page.split('data-lockout="', 1)[1].split('"', 1)[0]


@pytest.fixture
def limits(settings):
    """Small limits, in the order the defaults keep them: per username and address lowest."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT = 6
    settings.NEGPREP_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    return settings


def test_guesses_at_one_account_from_many_addresses_lock_the_account(client, rep, manager, limits):
    for number in range(1, 6):
        assert _lockout(_login(client, rep.username, address=f"203.0.113.{number}")) is None
    # The sixth failure, from yet another address, reaches the account's limit.
    assert _lockout(_login(client, rep.username, address="203.0.113.6")) == "account"
    # Now the right password from any address is refused until the cool-off ends...
    response = _login(client, rep.username, PASSWORD, address="192.0.2.50")
    assert _lockout(response) == "account"
    assert "sign-in to this account is paused for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # ...while other accounts sign in from the same addresses.
    assert _login(client, manager.username, PASSWORD, address="203.0.113.6").status_code == 302


def test_one_address_cannot_lock_a_user_out_everywhere(client, rep, settings):
    """Defaults: a stranger's address is locked after 5 guesses at an account, and further
    guesses from it no longer count, so the account's higher limit stays out of its reach."""
    assert settings.NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    for _ in range(settings.NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT + 5):
        _login(client, rep.username, address="203.0.113.66")
    assert _lockout(_login(client, rep.username, PASSWORD, address="203.0.113.66")) == "account-and-address"
    assert _login(client, rep.username, PASSWORD, address="192.0.2.50").status_code == 302


def test_one_address_guessing_at_many_accounts_is_locked(client, rep, manager, limits):
    for number in range(7):
        assert _lockout(_login(client, f"someone{number}")) is None
    assert _lockout(_login(client, "someone7")) == "address"
    response = _login(client, manager.username, PASSWORD)
    assert _lockout(response) == "address"
    assert "sign-in from that address is paused for 15 minutes" in response.content.decode()
    # The same people sign in from anywhere else.
    assert _login(client, manager.username, PASSWORD, address="192.0.2.50").status_code == 302


def test_a_lockout_ends_after_the_cool_off(client, rep, limits):
    for number in range(6):
        _login(client, rep.username, address=f"203.0.113.{number}")
    assert _lockout(_login(client, rep.username, PASSWORD)) == "account"
    long_ago = timezone.now() - limits.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=long_ago)
    assert _login(client, rep.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, rep, limits):
    limits.NEGPREP_PROXY_COUNT = 0
    for number in range(3):
        _login(client, rep.username, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    assert _lockout(_login(client, rep.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")) is not None


def test_behind_a_proxy_the_lockouts_count_each_client_not_the_proxy(client, rep, manager, limits):
    limits.NEGPREP_PROXY_COUNT = 1
    via_proxy = {"address": "10.0.0.2"}
    guesser, colleague = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for number in range(8):
        _login(client, f"someone{number}", **guesser, **via_proxy)
    assert _lockout(_login(client, manager.username, PASSWORD, **guesser, **via_proxy)) == "address"
    assert _login(client, manager.username, PASSWORD, **colleague, **via_proxy).status_code == 302


_PRINT_LIMITS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.AXES_FAILURE_LIMIT, s.NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT, "
    "s.NEGPREP_LOGIN_ADDRESS_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds()]))"
)


def test_the_limits_come_from_the_environment(tmp_path):
    defaults = load_production_settings(tmp_path, _PRINT_LIMITS)
    assert defaults.returncode == 0, defaults.stderr
    assert json.loads(defaults.stdout) == [5, 20, 30, 900]
    chosen = load_production_settings(
        tmp_path,
        _PRINT_LIMITS,
        NEGPREP_LOGIN_FAILURE_LIMIT="4",
        NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT="40",
        NEGPREP_LOGIN_ADDRESS_FAILURE_LIMIT="100",
        NEGPREP_LOGIN_COOLOFF_MINUTES="30",
    )
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout) == [4, 40, 100, 1800]


def test_a_limit_of_zero_stops_the_app_naming_it(tmp_path):
    loaded = load_production_settings(tmp_path, _PRINT_LIMITS, NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT="0")
    assert loaded.returncode != 0
    assert "NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT='0' must be at least 1." in loaded.stderr
