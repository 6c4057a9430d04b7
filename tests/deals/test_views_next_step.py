"""After a step of preparing a deal the rep lands on the next step still theirs to do: the
departments not asked yet, the payment terms (only when the deal has special ones and nothing was
requested or decided), the on-call colleague for the next meeting; else the deal page."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from deals.models import ConsultationStatus, Deal, Meeting, PaymentTermStatus
from deals.services.briefings import briefing_decide
from deals.services.consultations import consultation_request
from deals.services.payments import payment_request_submit
from deals.services.required_consultations import consultations_derive
from deals.views.next_step import next_step_url
from teams.models import Role
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import FinancePolicyFactory, OnCallFactory

OUTSIDE_POLICY = {
    "net_days": "60",
    "deposit_pct": "0",
    "instalments": "1",
    "other_conditions": "",
    "customer_reason": "Budget released after the summer",
    "justification": "Strategic account",
}


@pytest.fixture
def deal(world):
    """The world's deal, involving production, its consultations derived, nobody asked yet."""
    deal = world.objects["deal"]
    Deal.objects.filter(pk=deal.pk).update(involves_production=True)
    deal.refresh_from_db()
    consultations_derive(deal=deal)
    FinancePolicyFactory(
        team=world.team, standard_net_days=30, max_net_days=60, min_deposit_pct=Decimal("10")
    )
    return deal


def _special_terms(deal):
    Deal.objects.filter(pk=deal.pk).update(special_payment_terms=True)
    deal.refresh_from_db()


def _ask_everyone(deal, rep):
    for consultation in deal.consultations.filter(status=ConsultationStatus.OPEN):
        consultation_request(consultation=consultation, by=rep, questions="Can we?")


def _request_terms(deal, rep):
    return payment_request_submit(
        deal=deal,
        by=rep,
        net_days=60,
        deposit_pct=Decimal("0"),
        instalments=1,
        early_payment_discount=False,
        other_conditions="",
        customer_reason="Budget released after the summer",
        justification="Strategic account",
    )


def _ask_all(client, deal):
    """Post the ask-all form as it is shown, with its suggestions."""
    url = reverse("deals:consultations_ask", args=[deal.pk])
    shown = client.get(url)
    data = {"unasked": shown.context["unasked"]}
    for form in shown.context["forms"]:
        if form.optional:
            continue
        data[form.add_prefix("questions")] = form.initial["questions"]
        data[form.add_prefix("due_at")] = form.initial["due_at"].strftime("%Y-%m-%dT%H:%M")
    return client.post(url, data)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _deal_page(deal, anchor=""):
    return reverse("deals:detail", args=[deal.pk]) + anchor


# Asking every department ------------------------------------------------------------------------


def test_after_asking_everyone_a_deal_with_special_terms_goes_on_to_the_payment_form(client, rep, deal):
    _special_terms(deal)
    client.force_login(rep)
    response = _ask_all(client, deal)
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:payment_request_new", args=[deal.pk])
    assert "Next: request the payment terms" in _messages(response)[0]
    assert not deal.consultations.filter(required=True, status=ConsultationStatus.OPEN).exists()


def test_a_deal_without_special_terms_skips_the_payment_form(client, rep, deal, meeting):
    client.force_login(rep)
    response = _ask_all(client, deal)
    assert response["Location"] == reverse("deals:on_call_new", args=[meeting.pk])
    assert "Next: ask a colleague to be on call" in _messages(response)[0]


@pytest.mark.parametrize("status", [PaymentTermStatus.SUBMITTED, PaymentTermStatus.REJECTED])
def test_terms_waiting_for_finance_or_decided_skip_the_payment_form(client, rep, deal, meeting, status):
    _special_terms(deal)
    _request_terms(deal, rep)
    deal.payment_requests.update(status=status)
    client.force_login(rep)
    assert _ask_all(client, deal)["Location"] == reverse("deals:on_call_new", args=[meeting.pk])


@pytest.mark.parametrize("status", ["requested", "accepted"])
def test_a_meeting_with_cover_asked_or_given_skips_the_on_call_form(
    client, rep, deal, meeting, world, status
):
    OnCallFactory(meeting=meeting, member=world.members[Role.MANAGER], status=status)
    client.force_login(rep)
    response = _ask_all(client, deal)
    assert response["Location"] == _deal_page(deal, "#consultations")
    assert "Next:" not in _messages(response)[0]


def test_without_a_meeting_ahead_there_is_no_on_call_form_to_go_to(client, rep, deal, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(cancelled=True)
    client.force_login(rep)
    assert _ask_all(client, deal)["Location"] == _deal_page(deal, "#consultations")


# Requesting payment terms -----------------------------------------------------------------------


def test_after_requesting_payment_terms_the_on_call_form_follows(client, rep, deal, meeting):
    _special_terms(deal)
    client.force_login(rep)
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), OUTSIDE_POLICY)
    assert response["Location"] == reverse("deals:on_call_new", args=[meeting.pk])
    assert _messages(response)[0].startswith("Sent to finance")


def test_after_requesting_payment_terms_with_cover_asked_the_deal_page_follows(
    client, rep, deal, meeting, world
):
    _special_terms(deal)
    OnCallFactory(meeting=meeting, member=world.members[Role.MANAGER], status="requested")
    client.force_login(rep)
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), OUTSIDE_POLICY)
    assert response["Location"] == _deal_page(deal, "#payment-terms")


# Submitting the briefing ------------------------------------------------------------------------


def test_submitting_the_briefing_goes_to_the_first_step_still_to_do(client, rep, deal, meeting, world):
    _special_terms(deal)
    fill_briefing(deal.briefing, rep)
    client.force_login(rep)
    submit = reverse("deals:briefing_submit", args=[deal.pk])
    assert client.post(submit)["Location"] == reverse("deals:consultations_ask", args=[deal.pk])

    # Everyone asked, returned and submitted again: the payment terms are next, then the cover.
    _ask_everyone(deal, rep)
    deal.briefing.refresh_from_db()
    briefing_decide(briefing=deal.briefing, by=world.members[Role.MANAGER], approve=False, comment="Lower")
    response = client.post(submit)
    assert response["Location"] == reverse("deals:payment_request_new", args=[deal.pk])
    assert "Next: request the payment terms" in _messages(response)[-1]

    _request_terms(deal, rep)
    assert next_step_url(deal=deal, after="briefing") == (
        "on_call",
        reverse("deals:on_call_new", args=[meeting.pk]),
    )
    OnCallFactory(meeting=meeting, member=world.members[Role.MANAGER], status="requested")
    assert next_step_url(deal=deal, after="briefing") is None
