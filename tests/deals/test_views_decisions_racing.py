"""Two managers deciding at once, on the deal page or on their home's card (htmx): exactly one
decision is made, and the other manager is told who decided what."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from deals.models import Approval, BriefingStatus, Guideline
from deals.services.briefings import briefing_decide, briefing_submit
from deals.services.guidelines import guidelines_ask
from teams.models import Role
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import MembershipFactory

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _submit(deal):
    fill_briefing(deal.briefing, deal.owner)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=deal.owner)


@pytest.fixture
def managers(world, manager):
    """Two managers of the team, each signed in in their own browser."""
    colleague = MembershipFactory(team=world.team, role=Role.MANAGER, user__first_name="Mo").user
    first, second = Client(), Client()
    first.force_login(manager)
    second.force_login(colleague)
    return (manager, first), (colleague, second)


def _hidden(page: str, start: str) -> dict:
    """The hidden fields of the form that follows ``start`` on the page."""
    form = page[page.index(start) :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def _card_form(client, deal) -> dict:
    """What the decision card on the manager's home sends besides the button and the text."""
    return _hidden(client.get(reverse("home")).content.decode(), f'id="queue-item-{deal.pk}"')


def _panel_form(client, deal) -> dict:
    """What the decision form on the deal page sends besides the button and the comment."""
    page = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    return _hidden(page, 'data-testid="decision-form"')


@pytest.mark.parametrize("first_approves", [True, False])
def test_approve_and_return_racing_on_the_deal_page_one_wins_and_the_other_is_told(
    deal, managers, first_approves
):
    _submit(deal)
    (winner, one), (_, two) = managers
    approve, back = (reverse(f"deals:briefing_{name}", args=[deal.pk]) for name in ("approve", "return"))
    seen_one, seen_two = _panel_form(one, deal), _panel_form(two, deal)
    assert seen_one == {"version": "1"}

    first, second = (approve, back) if first_approves else (back, approve)
    assert one.post(first, {**seen_one, "comment": "Lower the discount"}).status_code == 302
    response = two.post(second, {**seen_two, "comment": "Mine"}, follow=True)
    verb = "approved" if first_approves else "returned"
    assert f"{winner} already {verb} version 1 on " in _page(response)
    assert "nothing was decided" in _page(response)
    approval = Approval.objects.get()
    assert (approval.manager, approval.is_approved) == (winner, first_approves)
    deal.briefing.refresh_from_db()
    expected = BriefingStatus.APPROVED if first_approves else BriefingStatus.CHANGES_REQUESTED
    assert deal.briefing.status == expected


def test_approve_and_return_racing_on_the_home_cards_one_wins_and_the_other_is_told(deal, managers):
    _submit(deal)
    (winner, one), (_, two) = managers
    seen_one, seen_two = _card_form(one, deal), _card_form(two, deal)
    assert seen_one["version"] == "1"

    approve, back = (reverse(f"deals:briefing_{name}", args=[deal.pk]) for name in ("approve", "return"))
    assert one.post(approve, {**seen_one, "comment": ""}, **HTMX).status_code == 200
    response = two.post(back, {**seen_two, "comment": "Too deep a discount"}, **HTMX)
    assert response.status_code == 200
    page = _page(response)
    assert 'data-testid="queue-item-done"' in page
    assert f"{winner} already approved version 1 on " in page
    assert Approval.objects.get().manager == winner
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.APPROVED


def test_a_decision_read_on_an_earlier_version_never_lands_on_a_later_one(deal, managers, rep):
    _submit(deal)
    (first_manager, one), (_, two) = managers
    seen = _card_form(two, deal)
    # The first manager returns version 1; the rep changes the briefing and submits version 2.
    briefing_decide(briefing=deal.briefing, by=first_manager, approve=False, comment="Lower the discount")
    deal.briefing.refresh_from_db()
    fill_briefing(deal.briefing, rep, max_discount_pct="5")
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)

    response = two.post(reverse("deals:briefing_approve", args=[deal.pk]), {**seen, "comment": ""}, **HTMX)
    page = _page(response)
    assert f"{rep} submitted version 2 after you opened version 1" in page
    # The card now shows version 2 to decide on.
    assert 'name="version" value="2"' in page
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.SUBMITTED
    assert Approval.objects.count() == 1


def test_two_managers_answering_the_same_question_on_their_cards_one_answer_is_kept(deal, managers):
    asked = guidelines_ask(deal=deal, by=deal.owner, questions="How far may I go on price?")
    (winner, one), (_, two) = managers
    seen_one, seen_two = _card_form(one, deal), _card_form(two, deal)
    assert seen_one["answering"] == str(asked.pk)
    give = reverse("deals:guidelines_give", args=[deal.pk])
    assert one.post(give, {**seen_one, "guidelines": "Volume first."}, **HTMX).status_code == 200

    response = two.post(give, {**seen_two, "guidelines": "Price first."}, **HTMX)
    # htmx swaps only what answers 2xx: the refusal comes as the card, saying why.
    assert response.status_code == 200
    assert f"{winner} answered this question while you were writing" in _page(response)
    asked.refresh_from_db()
    assert (asked.given_by, asked.guidelines) == (winner, "Volume first.")
    assert Guideline.objects.filter(status="given").count() == 1


def test_approving_with_guidelines_after_another_manager_decided_saves_neither(deal, managers):
    asked = guidelines_ask(deal=deal, by=deal.owner, questions="How far may I go on price?")
    _submit(deal)
    (winner, one), (_, two) = managers
    seen_one, seen_two = _card_form(one, deal), _card_form(two, deal)
    approve = reverse("deals:briefing_approve", args=[deal.pk])
    assert one.post(approve, {**seen_one, "guidelines": "", "comment": ""}, **HTMX).status_code == 200

    response = two.post(approve, {**seen_two, "guidelines": "Hold the line.", "comment": ""}, **HTMX)
    page = _page(response)
    assert f"{winner} already approved version 1 on " in page
    assert ">Hold the line.</textarea>" in page  # still waiting: the question stays on the card, text kept
    asked.refresh_from_db()
    assert asked.is_asked
    assert Approval.objects.count() == 1
