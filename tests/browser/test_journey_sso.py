"""Signing in with the company's identity provider, in Chromium: NegPrep's button, the provider's
own login form (a real provider in a second process), and back to NegPrep."""

import pytest
from playwright.sync_api import expect

from deals.services.demo import demo_seed
from tests.oidc_provider.fixtures import register_callback
from tests.sso.flow import PASSWORD, person_at

pytestmark = pytest.mark.browser


def _through_the_provider(page, live_server, person):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(person["username"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in to the provider").click()


def test_a_rep_signs_in_with_the_provider_and_lands_on_their_home(
    live_server, page, transactional_db, sso_on, artifacts
):
    demo_seed()
    register_callback(sso_on, live_server.url)
    person = person_at(sso_on, email="rita@demo.negprep.example")
    _through_the_provider(page, live_server, person)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you, Rita")
    expect(page).to_have_url(f"{live_server.url}/")
    page.screenshot(path=artifacts / "sso-home-rita.png", full_page=True)


def test_an_unverified_email_comes_back_to_the_login_page_with_the_reason(
    live_server, page, transactional_db, sso_on
):
    demo_seed()
    register_callback(sso_on, live_server.url)
    person = person_at(sso_on, email="rita@demo.negprep.example", verified=False)
    _through_the_provider(page, live_server, person)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("alert")).to_contain_text("Test IdP has not verified your e-mail address")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
