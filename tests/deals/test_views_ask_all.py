"""The form that asks every department at once: one row per department not asked yet, each with
the suggested questions and due time, optional departments to tick, one submit."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.domain.consultations import suggested_questions
from deals.models import ConsultationStatus, Deal, DealStatus, Department
from deals.selectors.consultations import consultation_default_due
from deals.services.consultations import consultation_request
from deals.services.required_consultations import consultations_derive
from teams.models import Notification, Role
from tests.deals.briefing_helpers import fill_briefing


@pytest.fixture
def deal(world):
    """The world's deal, involving production (and not delivery), its consultations derived."""
    deal = world.objects["deal"]
    Deal.objects.filter(pk=deal.pk).update(involves_production=True, involves_delivery=False)
    deal.refresh_from_db()
    consultations_derive(deal=deal)
    return deal


def _url(deal) -> str:
    return reverse("deals:consultations_ask", args=[deal.pk])


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _unasked(deal):
    return list(deal.consultations.filter(status=ConsultationStatus.OPEN).order_by("pk"))


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _post_data(deal, client, **overrides) -> dict:
    """What the form holds as shown: the suggestions, the due times and the list it was built from."""
    form_page = client.get(_url(deal))
    data = {"unasked": form_page.context["unasked"]}
    for form in form_page.context["forms"]:
        for name in form.fields:
            value = form.initial.get(name)
            if name == "send":
                continue
            if name == "due_at" and value is not None:
                value = _local(value)
            data[form.add_prefix(name)] = "" if value is None else getattr(value, "pk", value)
    data.update(overrides)
    return data


def test_the_form_lists_every_department_not_asked_yet_with_its_suggestion_and_due_time(client, rep, deal):
    client.force_login(rep)
    response = client.get(_url(deal))
    assert response.status_code == 200
    forms = response.context["forms"]
    required = [form for form in forms if not form.optional]
    assert {form.consultation.pk for form in required} == {
        c.pk for c in deal.consultations.filter(status=ConsultationStatus.OPEN, required=True)
    }
    production = next(form for form in forms if form.department == Department.PRODUCTION)
    assert production.optional is False
    assert "send" not in production.fields
    assert production["questions"].value() == suggested_questions(deal=deal, department=Department.PRODUCTION)
    assert production.initial["due_at"] == consultation_default_due(deal=deal)
    # A department the deal does not require is offered to tick.
    supply_chain = next(form for form in forms if form.department == Department.SUPPLY_CHAIN)
    assert supply_chain.optional is True
    assert not supply_chain.sends
    page = _page(response)
    assert "Ask supply chain too" in page
    assert "Send all requests" in page


def test_one_submit_asks_every_department_and_goes_on_to_the_next_step(client, rep, deal, world):
    client.force_login(rep)
    unasked = _unasked(deal)
    data = _post_data(deal, client, **{"production-questions": "Can we make 500 with FDA seals?"})
    response = client.post(_url(deal), data)

    # No special payment terms and nobody on call yet: on to the on-call form of the next meeting.
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:on_call_new", args=[world.objects["meeting"].pk])
    for consultation in unasked:
        consultation.refresh_from_db()
        assert consultation.status == ConsultationStatus.REQUESTED
    assert deal.consultations.get(department=Department.PRODUCTION).questions == (
        "Can we make 500 with FDA seals?"
    )
    assert not deal.consultations.filter(department=Department.SUPPLY_CHAIN).exists()
    assert Notification.objects.filter(
        kind="consultation_requested", recipient=world.members[Role.PRODUCTION]
    ).exists()
    assert "Asked " in _page(client.get(response["Location"]))


def test_a_ticked_optional_department_is_asked_too(client, rep, deal, world):
    client.force_login(rep)
    data = _post_data(
        deal,
        client,
        **{"supply_chain-send": "on", "supply_chain-questions": "Can we ship to all three plants?"},
    )
    assert client.post(_url(deal), data).status_code == 302
    optional = deal.consultations.get(department=Department.SUPPLY_CHAIN)
    assert optional.required is False
    assert optional.status == ConsultationStatus.REQUESTED
    assert optional.questions == "Can we ship to all three plants?"


def test_an_unticked_optional_row_is_not_checked(client, rep, deal):
    client.force_login(rep)
    data = _post_data(deal, client, **{"supply_chain-questions": "", "supply_chain-due_at": "junk"})
    assert client.post(_url(deal), data).status_code == 302
    assert not deal.consultations.filter(department=Department.SUPPLY_CHAIN).exists()


def test_bad_input_in_one_row_shows_on_that_row_and_sends_nothing(client, rep, deal):
    client.force_login(rep)
    before = {c.pk for c in _unasked(deal)}
    data = _post_data(
        deal,
        client,
        **{
            "production-questions": "",
            "supply_chain-send": "on",
            "supply_chain-questions": "Lead time to the plants?",
        },
    )
    response = client.post(_url(deal), data)

    assert response.status_code == 400
    forms = {form.department: form for form in response.context["forms"]}
    assert forms[Department.PRODUCTION].errors["questions"] == ["Write the questions you need answered."]
    assert not forms[Department.SUPPLY_CHAIN].errors
    assert "Nothing was sent" in _page(response)
    # What the rep typed stays.
    assert forms[Department.SUPPLY_CHAIN]["questions"].value() == "Lead time to the plants?"
    assert {c.pk for c in _unasked(deal)} == before
    assert not deal.consultations.filter(department=Department.SUPPLY_CHAIN).exists()
    assert not Notification.objects.exists()


def test_a_row_the_service_refuses_shows_its_reason_on_that_row(client, rep, deal):
    client.force_login(rep)
    too_late = deal.meetings.get().starts_at + timedelta(hours=2)
    data = _post_data(deal, client, **{"production-due_at": _local(too_late)})
    response = client.post(_url(deal), data)

    assert response.status_code == 400
    production = next(f for f in response.context["forms"] if f.department == Department.PRODUCTION)
    assert "before the next meeting" in production.errors["due_at"][0]
    assert deal.consultations.filter(status=ConsultationStatus.REQUESTED).count() == 0
    assert not Notification.objects.exists()


def test_a_department_asked_meanwhile_is_named_and_nothing_is_sent(client, rep, deal):
    client.force_login(rep)
    data = _post_data(
        deal,
        client,
        **{"supply_chain-send": "on", "supply_chain-questions": "Typed before the other tab"},
    )
    production = deal.consultations.get(department=Department.PRODUCTION)
    consultation_request(consultation=production, by=rep, questions="Sent from another tab")
    notified = Notification.objects.count()

    response = client.post(_url(deal), data)

    assert response.status_code == 409
    page = _page(response)
    assert "Nothing was sent" in page
    assert "the production consultation was asked by" in page
    # The fresh form leaves production out and keeps what the rep typed in the other rows.
    forms = {form.department: form for form in response.context["forms"]}
    assert Department.PRODUCTION not in forms
    assert forms[Department.SUPPLY_CHAIN]["questions"].value() == "Typed before the other tab"
    assert Notification.objects.count() == notified
    assert not deal.consultations.filter(department=Department.SUPPLY_CHAIN).exists()
    production.refresh_from_db()
    assert production.questions == "Sent from another tab"


def test_the_deal_page_links_the_owner_to_the_form_while_a_department_is_not_asked(
    client, rep, manager, deal
):
    client.force_login(rep)
    detail = reverse("deals:detail", args=[deal.pk])
    assert _url(deal) in _page(client.get(detail))
    client.force_login(manager)
    assert _url(deal) not in _page(client.get(detail))

    client.force_login(rep)
    for consultation in _unasked(deal):
        consultation_request(consultation=consultation, by=rep, questions="One by one")
    assert _url(deal) not in _page(client.get(detail))


def test_with_everything_asked_the_form_offers_the_optional_departments_only(client, rep, deal):
    for consultation in _unasked(deal):
        consultation_request(consultation=consultation, by=rep, questions="One by one")
    client.force_login(rep)
    response = client.get(_url(deal))
    assert response.status_code == 200
    assert all(form.optional for form in response.context["forms"])
    assert "Every department this deal needs has been asked" in _page(response)
    response = client.post(_url(deal), _post_data(deal, client))
    assert response.status_code == 400
    assert "Tick at least one department" in _page(response)


def test_a_closed_deal_sends_the_owner_back_to_its_page(client, rep, deal):
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON)
    client.force_login(rep)
    response = client.get(_url(deal))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("deals:detail", args=[deal.pk]))


def test_a_manager_may_not_ask_and_nothing_changes(client, manager, rep, deal):
    client.force_login(rep)
    data = _post_data(deal, client)
    client.force_login(manager)
    assert client.post(_url(deal), data).status_code == 403
    assert deal.consultations.filter(status=ConsultationStatus.REQUESTED).count() == 0


def test_submitting_the_briefing_lands_on_the_form_while_a_department_is_not_asked(client, rep, deal):
    fill_briefing(deal.briefing, rep)
    client.force_login(rep)
    response = client.post(reverse("deals:briefing_submit", args=[deal.pk]))
    assert response["Location"] == _url(deal)
    assert "Next: ask the departments" in _page(client.get(response["Location"]))


def test_submitting_the_briefing_with_everyone_asked_goes_on_to_the_next_step(client, rep, deal, world):
    for consultation in _unasked(deal):
        consultation_request(consultation=consultation, by=rep, questions="One by one")
    fill_briefing(deal.briefing, rep)
    client.force_login(rep)
    response = client.post(reverse("deals:briefing_submit", args=[deal.pk]))
    # Nobody on call for the next meeting yet: that is the next step (tests/deals/test_views_next_step.py).
    assert response["Location"] == reverse("deals:on_call_new", args=[world.objects["meeting"].pk])


def test_with_every_department_asked_the_form_sends_the_owner_back_to_the_deal(client, rep, deal):
    deal.consultations.update(status=ConsultationStatus.REQUESTED)
    for department in set(Department.values) - set(deal.consultations.values_list("department", flat=True)):
        deal.consultations.create(department=department, status=ConsultationStatus.REQUESTED)
    client.force_login(rep)
    response = client.get(_url(deal))
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk]) + "#consultations"
