import re

import pytest
from playwright.sync_api import expect

from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out

pytestmark = pytest.mark.browser

DEMO_HOMES = {
    "rita": ("Rita", "rep", "Prepare your deals"),
    "max": ("Max", "manager", "approve or return your reps"),
    "paul": ("Paul", "production", "feasibility questions"),
    "sue": ("Sue", "supply_chain", "delivery questions"),
    "fiona": ("Fiona", "finance", "payment-term requests"),
    "rob": ("Rob", "rep", "Prepare your deals"),
    "mia": ("Mia", "manager", "approve or return your reps"),
}


def test_each_demo_user_signs_in_and_sees_their_home(live_server, page, transactional_db, artifacts):
    demo_seed()
    for username, (first_name, role, phrase) in DEMO_HOMES.items():
        sign_in(page, live_server, username)
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Good to see you, {first_name}")
        card = page.locator(f'[data-role="{role}"]')
        expect(card).to_be_visible()
        expect(card).to_contain_text(phrase)
        if username == "rita":
            page.screenshot(path=artifacts / "home-rita.png", full_page=True)
        sign_out(page)
        expect(page.get_by_role("heading", name="Sign in to NegPrep")).to_be_visible()


def test_a_wrong_password_shows_an_error_and_keeps_the_user_out(live_server, page, transactional_db):
    demo_seed()
    sign_in(page, live_server, "rita", "not-the-password", succeeds=False)
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")


def test_the_navigation_works_on_a_phone(live_server, browser, transactional_db, artifacts):
    demo_seed()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, "max")
    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()
    toggler.click()
    # Bootstrap animates the menu open; tapping inside it mid-animation can miss.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    user_menu = page.get_by_test_id("user-menu")
    user_menu.click()
    expect(user_menu).to_have_attribute("aria-expanded", "true")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("heading", name="Northwind Industrial Sales")).to_be_visible()
    page.screenshot(path=artifacts / "home-max-phone.png", full_page=True)
    context.close()
