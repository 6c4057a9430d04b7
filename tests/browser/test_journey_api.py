"""The API's docs under a strict Content Security Policy, and a token from the profile to a script."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_world
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_docs_render_under_the_content_security_policy(live_server, page, transactional_db):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else 0,
    )
    with page.expect_response(re.compile(r".*/api/docs/$")) as docs:
        page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in docs.value.headers["content-security-policy"]
    expect(page.get_by_role("heading", name=re.compile("NegPrep API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/deals/", exact=True).first).to_be_visible()
    assert not violations, violations


def test_a_token_made_on_the_profile_works_once_shown_and_stops_when_revoked(
    live_server, page, transactional_db
):
    world = make_world()
    rep = world.members["rep"]
    sign_in(page, live_server, rep.username, PASSWORD)
    page.goto(f"{live_server.url}/profile/")
    tokens = page.locator("#api-tokens")
    tokens.get_by_label("Name").fill("Spreadsheet")
    tokens.get_by_label("Scope").select_option("read")
    tokens.get_by_role("button", name="Create token").click()
    shown = page.locator("[data-new-token]")
    expect(shown).to_be_visible()
    token = shown.inner_text().strip()

    api = page.context.request
    url = f"{live_server.url}/api/v1/deals/{world.objects['deal'].pk}/"
    answer = api.get(url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200 and answer.json()["title"] == world.objects["deal"].title

    page.reload()
    expect(page.locator("[data-new-token]")).to_have_count(0)
    expect(tokens.get_by_role("row", name=re.compile("Spreadsheet"))).not_to_contain_text("Never")
    tokens.get_by_role("row", name=re.compile("Spreadsheet")).get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert api.get(url, headers={"Authorization": f"Bearer {token}"}).status == 401
