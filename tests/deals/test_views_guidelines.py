"""The boss's guidelines on the pages: the rep asks, a manager answers on the deal page, on the
guidelines page or on the card of their home, beside the decision on the briefing."""

import html

import pytest
from django.urls import reverse

from deals.models import Approval, Guideline
from deals.services.briefings import briefing_submit
from deals.services.guidelines import guidelines_ask, guidelines_give
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import MembershipFactory, UserFactory


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _ask(deal, questions="How far may I go on price?"):
    return guidelines_ask(deal=deal, by=deal.owner, questions=questions)


def _submit(deal):
    fill_briefing(deal.briefing, deal.owner)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=deal.owner)


# The rep asks ----------------------------------------------------------------------------


def test_the_rep_asks_from_the_briefing_panel_before_writing_any_limits(client, deal, rep, manager):
    client.force_login(rep)
    detail = reverse("deals:detail", args=[deal.pk])
    page = _page(client.get(detail))
    ask_url = reverse("deals:guidelines_ask", args=[deal.pk])
    assert f'href="{ask_url}"' in page and ">Ask for guidelines<" in page

    form = _page(client.get(ask_url))
    assert "What are your guidelines for this negotiation" in form  # a suggested question
    response = client.post(ask_url, {"questions": "Volume or price first?", "revision": ""})
    assert response.status_code == 302 and response["Location"] == detail + "#guidelines"
    asked = Guideline.objects.get()
    assert (asked.questions, asked.asked_by) == ("Volume or price first?", rep)

    page = _page(client.get(detail))
    assert "Volume or price first?" in page
    assert "Waiting for a manager's guidelines" in page
    assert ">Change your question<" in page


def test_changing_the_question_keeps_one_question_and_refuses_a_stale_form(client, deal, rep):
    asked = _ask(deal)
    client.force_login(rep)
    url = reverse("deals:guidelines_ask", args=[deal.pk])
    form = client.get(url)
    assert form.context["form"].initial["revision"] == 0
    client.post(url, {"questions": "First change", "revision": "0"})
    stale = client.post(url, {"questions": "Second change from an old page", "revision": "0"})
    assert stale.status_code == 409
    page = _page(stale)
    assert "changed in another window" in page
    assert "Second change from an old page" in page  # what they typed stays
    assert 'name="revision" value="1"' in page  # sent again, it knowingly replaces the question
    asked.refresh_from_db()
    assert (asked.questions, Guideline.objects.count()) == ("First change", 1)


def test_an_empty_question_is_refused_with_the_field_marked(client, deal, rep):
    client.force_login(rep)
    response = client.post(reverse("deals:guidelines_ask", args=[deal.pk]), {"questions": " "})
    assert response.status_code == 400
    assert "Write what you would like guidelines on." in _page(response)
    assert not Guideline.objects.exists()


# A manager answers ------------------------------------------------------------------------


def test_a_manager_answers_on_the_guidelines_page_the_managers_e_mail_links_to(client, deal, rep, manager):
    asked = _ask(deal)
    client.force_login(manager)
    url = reverse("deals:guidelines_give", args=[deal.pk])
    page = _page(client.get(url))
    assert "How far may I go on price?" in page
    assert f'name="answering" value="{asked.pk}"' in page
    response = client.post(url, {"guidelines": "Volume first.", "answering": asked.pk})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.guidelines, asked.given_by) == ("Volume first.", manager)


def test_a_second_manager_answering_an_answered_question_is_refused_and_keeps_the_text(
    client, deal, world, manager
):
    deputy = UserFactory(username="deputy_manager")
    MembershipFactory(user=deputy, team=world.team, role="manager")
    asked = _ask(deal)
    guidelines_give(deal=deal, by=manager, guidelines="First.", answering=asked)
    client.force_login(deputy)
    response = client.post(
        reverse("deals:guidelines_give", args=[deal.pk]), {"guidelines": "Mine.", "answering": asked.pk}
    )
    assert response.status_code == 409
    page = _page(response)
    assert "answered this question while you were writing" in page
    assert "Mine." in page and 'name="answering"' in page and f'value="{asked.pk}"' not in page
    asked.refresh_from_db()
    assert asked.guidelines == "First."


def test_the_deal_page_offers_managers_the_answer_and_the_rep_only_the_question(client, deal, rep, manager):
    asked = _ask(deal)
    give_url = reverse("deals:guidelines_give", args=[deal.pk])
    client.force_login(manager)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert f'action="{give_url}"' in page and f'name="answering" value="{asked.pk}"' in page
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert f'action="{give_url}"' not in page


@pytest.mark.parametrize("who", ["rep", "production", "finance", "outsider"])
def test_nobody_but_another_manager_gives_guidelines(client, deal, world, who):
    asked = _ask(deal)
    client.force_login(world.user(who))
    response = client.post(
        reverse("deals:guidelines_give", args=[deal.pk]), {"guidelines": "Mine", "answering": asked.pk}
    )
    assert response.status_code in (403, 404)
    asked.refresh_from_db()
    assert asked.is_asked


# The card on the manager's home -----------------------------------------------------------


def test_a_question_alone_is_a_card_on_the_managers_home_answered_in_one_click(client, deal, manager):
    asked = _ask(deal)
    client.force_login(manager)
    page = _page(client.get(reverse("home")))
    card = page[page.index('data-testid="queue-item"') :]
    assert "How far may I go on price?" in card
    assert ">Give guidelines<" in card and ">Approve<" not in card.split("</form>")[0]
    response = client.post(
        reverse("deals:guidelines_give", args=[deal.pk]),
        {"guidelines": "Volume first.", "answering": asked.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/",
    )
    assert response.status_code == 200
    assert "your guidelines were sent" in _page(response)
    asked.refresh_from_db()
    assert asked.is_given


def test_the_manager_gives_guidelines_and_approves_from_one_card(client, deal, rep, manager):
    asked = _ask(deal)
    _submit(deal)
    client.force_login(manager)
    page = _page(client.get(reverse("home")))
    card = page[page.index('data-testid="queue-item"') :].split("</form>")[0]
    assert "How far may I go on price?" in card and ">Approve<" in card
    assert f'name="answering" value="{asked.pk}"' in card
    response = client.post(
        reverse("deals:briefing_approve", args=[deal.pk]),
        {"guidelines": "Hold the walk-away.", "answering": asked.pk, "comment": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/",
    )
    assert response.status_code == 200
    assert "with your guidelines" in _page(response)
    asked.refresh_from_db()
    assert asked.is_given and Approval.objects.get().is_approved


def test_a_refused_return_keeps_the_guidelines_typed_on_the_card(client, deal, manager):
    asked = _ask(deal)
    _submit(deal)
    client.force_login(manager)
    response = client.post(
        reverse("deals:briefing_return", args=[deal.pk]),
        {"guidelines": "Lower the discount.", "answering": asked.pk, "comment": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/",
    )
    page = _page(response)
    assert "comment is required" in page
    assert ">Lower the discount.</textarea>" in page
    asked.refresh_from_db()
    assert asked.is_asked and not Approval.objects.exists()


def test_an_approval_without_guidelines_leaves_the_question_on_the_card(client, deal, manager):
    _ask(deal)
    _submit(deal)
    client.force_login(manager)
    response = client.post(
        reverse("deals:briefing_approve", args=[deal.pk]),
        {"guidelines": "", "comment": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/",
    )
    page = _page(response)
    assert 'data-testid="queue-item"' in page and "Version 1 approved." in page
    assert ">Give guidelines<" in page


# On record ---------------------------------------------------------------------------------


def test_the_history_keeps_the_guidelines_beside_the_versions(client, deal, rep, manager):
    asked = _ask(deal)
    guidelines_give(deal=deal, by=manager, guidelines="Volume first.", answering=asked)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:briefing_history", args=[deal.pk])))
    section = page[page.index('data-testid="history-guidelines"') :]
    assert "How far may I go on price?" in section and "Volume first." in section


def test_guidelines_too_long_on_the_card_decide_nothing(client, deal, manager):
    asked = _ask(deal)
    _submit(deal)
    client.force_login(manager)
    response = client.post(
        reverse("deals:briefing_approve", args=[deal.pk]),
        {"guidelines": "x" * 6001, "answering": asked.pk, "comment": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/",
    )
    assert "Nothing was decided." in _page(response)
    assert not Approval.objects.exists()
    asked.refresh_from_db()
    assert asked.is_asked
