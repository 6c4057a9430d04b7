import html
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import CanFulfil, Consultation, ConsultationStatus, Deal, Department
from deals.selectors.home import HOME_PANEL_ROWS
from deals.services.consultations import (
    consultation_add_optional,
    consultation_answer,
    consultation_request,
    consultation_waive,
)
from deals.services.required_consultations import consultations_derive
from teams.models import Notification, Role
from tests.factories import CustomerFactory, DealFactory, MembershipFactory, UserFactory
from tests.stale import revision_in, two_clients


def _page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def deal(world):
    deal = world.objects["deal"]
    Deal.objects.filter(pk=deal.pk).update(
        involves_production=True, special_requirements="Food-grade seals (FDA)"
    )
    deal.refresh_from_db()
    consultations_derive(deal=deal)
    return deal


def _consultation(deal, department=Department.PRODUCTION):
    return deal.consultations.get(department=department, required=True)


def _asked(deal, department=Department.PRODUCTION, assignee=None, due_at=None):
    return consultation_request(
        consultation=_consultation(deal, department),
        by=deal.owner,
        assignee=assignee,
        questions="Can we make 500 valves with food-grade seals?",
        due_at=due_at,
    )


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _answer_data(consultation, **overrides):
    """A complete production answer to ``consultation`` as its page carries it."""
    data = {
        "revision": str(consultation.revision),
        "can_fulfil": "yes",
        "missing": "",
        "extra_resources": "One extra shift",
        "lead_time_days": "12",
        "committed_date": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "support": "I join the call if needed",
    }
    data.update(overrides)
    return data


# The deal page -----------------------------------------------------------------------


def test_the_deal_page_lists_the_consultations_with_the_owners_buttons(client, rep, deal):
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert 'id="consultations"' in page
    assert page.index('id="briefing-panel"') < page.index('id="consultations"') < page.index('id="meetings"')
    assert reverse("deals:consultation_request", args=[_consultation(deal).pk]) in page
    assert deal.consultations.count() == 1  # the boss is asked on the briefing, finance on its request
    assert "+ Add optional consultation" in page
    assert '<option value="finance">Finance — beyond payment terms</option>' in page
    assert '<option value="boss">' not in page
    assert reverse("deals:consultation_waive", args=[_consultation(deal).pk]) not in page


def test_a_manager_sees_waive_buttons_but_not_request_ones(client, manager, deal):
    client.force_login(manager)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert reverse("deals:consultation_waive", args=[_consultation(deal).pk]) in page
    assert reverse("deals:consultation_request", args=[_consultation(deal).pk]) not in page
    assert "+ Add optional consultation" not in page


def test_the_answer_shows_in_full_on_the_deal_page_and_in_the_briefing(client, rep, deal, production):
    consultation = _asked(deal)
    committed = timezone.localdate() + timedelta(days=40)
    consultation_answer(
        consultation=consultation,
        by=production,
        can_fulfil=CanFulfil.PARTLY,
        missing="Seals for 200 units",
        extra_resources="A second shift",
        lead_time_days=9,
        committed_date=committed,
        support="Plant tour for the customer",
    )
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    for text in ("Seals for 200 units", "A second shift", "9 days", "Plant tour for the customer"):
        assert text in page
    assert committed.strftime("%-d %b %Y") in page
    briefing_part = page[page.index('id="briefing-panel"') : page.index('id="consultations"')]
    assert "Departments' answers" in briefing_part
    assert "can fulfil: <strong>partly</strong>" in briefing_part
    assert "9 days to mobilise" in briefing_part


def test_an_answer_that_cannot_fulfil_is_flagged_beside_the_readiness(client, rep, deal, production):
    client.force_login(rep)
    assert 'data-testid="cannot-fulfil-alert"' not in _page(
        client.get(reverse("deals:detail", args=[deal.pk]))
    )
    consultation_answer(
        consultation=_asked(deal),
        by=production,
        can_fulfil=CanFulfil.NO,
        missing="No capacity before Q3",
        lead_time_days=90,
        committed_date=timezone.localdate() + timedelta(days=120),
    )
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    alert = page[page.index('data-testid="cannot-fulfil-alert"') :][:600]
    assert (
        "alert-danger"
        in page[
            page.index('data-testid="cannot-fulfil-alert"') - 80 : page.index(
                'data-testid="cannot-fulfil-alert"'
            )
        ]
    )
    assert "we can not make it" in alert
    assert "No capacity before Q3" in alert


def test_a_briefing_promising_delivery_before_the_commitment_is_flagged(client, rep, deal, production):
    from tests.deals.briefing_helpers import fill_briefing

    committed = timezone.localdate() + timedelta(days=60)
    fill_briefing(deal.briefing, rep, earliest_delivery=committed - timedelta(days=5))
    consultation_answer(
        consultation=_asked(deal),
        by=production,
        can_fulfil=CanFulfil.YES,
        lead_time_days=10,
        committed_date=committed,
    )
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert 'data-testid="delivery-conflict-alert"' in page
    assert f"production committed to {committed.strftime('%-d %b %Y')}" in page

    fill_briefing(deal.briefing, rep, earliest_delivery=committed)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert 'data-testid="delivery-conflict-alert"' not in page


def test_a_waiver_shows_its_reason_on_the_deal_page(client, rep, deal, manager):
    consultation_waive(consultation=_consultation(deal), by=manager, reason="Catalogue item")
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "Catalogue item" in page
    assert "Waived by" in page


def test_production_sees_the_deal_once_asked_and_an_answer_button(client, deal, production):
    client.force_login(production)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 404
    consultation = _asked(deal)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert reverse("deals:consultation_answer", args=[consultation.pk]) in page
    assert reverse("deals:consultation_request", args=[consultation.pk]) not in page


# Requesting --------------------------------------------------------------------------


def test_the_request_form_offers_the_departments_members_and_its_queue(client, rep, deal, world, production):
    client.force_login(rep)
    response = client.get(reverse("deals:consultation_request", args=[_consultation(deal).pk]))
    assert response.status_code == 200
    page = _page(response)
    assert "The production queue (everyone in production)" in page
    assert f'value="{production.pk}"' in page
    assert f'value="{world.members[Role.SUPPLY_CHAIN].pk}"' not in page
    expected_due = world.objects["meeting"].starts_at - timedelta(hours=24)
    assert _local(expected_due) in page


def test_the_owner_requests_a_consultation_from_the_queue(client, rep, deal, production):
    client.force_login(rep)
    due = timezone.now() + timedelta(days=1)
    response = client.post(
        reverse("deals:consultation_request", args=[_consultation(deal).pk]),
        {"assignee": "", "questions": "Can we make it by June?", "due_at": _local(due), "revision": "0"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"/deals/{deal.pk}/#consultations")
    assert "Asked the production queue" in _page(response)
    consultation = _consultation(deal)
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.assignee is None
    assert consultation.questions == "Can we make it by June?"
    assert consultation.due_at == due.replace(second=0, microsecond=0)
    assert Notification.objects.filter(recipient=production, kind="consultation_requested").exists()


def test_the_due_time_is_read_in_the_users_time_zone(client, rep, deal):
    rep.time_zone = "America/New_York"
    rep.save()
    client.force_login(rep)
    tomorrow = timezone.localdate() + timedelta(days=2)
    client.post(
        reverse("deals:consultation_request", args=[_consultation(deal).pk]),
        {"assignee": "", "questions": "Can we?", "due_at": f"{tomorrow.isoformat()}T09:30", "revision": "0"},
    )
    expected = datetime.combine(tomorrow, datetime.min.time().replace(hour=9, minute=30)).replace(
        tzinfo=zoneinfo.ZoneInfo("America/New_York")
    )
    assert _consultation(deal).due_at == expected


@pytest.mark.parametrize(
    "data, message",
    [
        ({"questions": ""}, "Write the questions you need answered."),
        ({"due_at": "2001-01-01T10:00"}, "The due time is in the past"),
        ({"due_at": "tomorrow-ish"}, "Enter a date and time"),
        ({"assignee": "999999"}, "Select a valid choice"),
    ],
)
def test_an_invalid_request_shows_the_error_and_changes_nothing(client, rep, deal, data, message):
    client.force_login(rep)
    response = client.post(
        reverse("deals:consultation_request", args=[_consultation(deal).pk]),
        {"assignee": "", "questions": "Can we?", "due_at": "", "revision": "0", **data},
    )
    assert response.status_code == 400
    assert message in _page(response)
    assert _consultation(deal).status == ConsultationStatus.OPEN
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who, status", [("manager", 403), ("production", 404), ("outsider", 404)])
def test_only_the_owner_may_request_and_nothing_changes(client, world, deal, who, status):
    client.force_login(world.user(who))
    url = reverse("deals:consultation_request", args=[_consultation(deal).pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"assignee": "", "questions": "Hijack", "due_at": "", "revision": "0"})
    assert response.status_code == status
    consultation = _consultation(deal)
    assert consultation.status == ConsultationStatus.OPEN
    assert consultation.questions == ""


def test_adding_an_optional_consultation_leads_to_its_request_form(client, rep, deal):
    client.force_login(rep)
    response = client.post(reverse("deals:consultation_add", args=[deal.pk]), {"department": "finance"})
    optional = deal.consultations.get(department=Department.FINANCE)
    assert optional.required is False
    assert response["Location"] == reverse("deals:consultation_request", args=[optional.pk])


def test_an_unknown_department_adds_nothing(client, rep, deal):
    client.force_login(rep)
    before = deal.consultations.count()
    response = client.post(
        reverse("deals:consultation_add", args=[deal.pk]), {"department": "legal"}, follow=True
    )
    assert "Pick the department to consult" in _page(response)
    assert deal.consultations.count() == before


def test_a_manager_may_not_add_a_consultation(client, manager, deal):
    client.force_login(manager)
    before = deal.consultations.count()
    response = client.post(reverse("deals:consultation_add", args=[deal.pk]), {"department": "finance"})
    assert response.status_code == 403
    assert deal.consultations.count() == before


# Answering ---------------------------------------------------------------------------


def test_the_answer_page_shows_the_deal_summary_questions_and_the_production_form(
    client, deal, production, world
):
    consultation = _asked(deal)
    client.force_login(production)
    response = client.get(reverse("deals:consultation_answer", args=[consultation.pk]))
    assert response.status_code == 200
    page = _page(response)
    for text in (
        "Acme Hydraulics",
        deal.scope,
        "500",
        "Food-grade seals (FDA)",
        "Can we make 500 valves with food-grade seals?",
        "Can we make it?",
        "Lead time to mobilise (days)",
        "Earliest date we commit to",
        "your department",
    ):
        assert text in page, text
    meeting_day = timezone.localtime(world.objects["meeting"].starts_at).strftime("%a %-d %b %Y")
    assert meeting_day in page
    # Production sees the summary, not the briefing's limits.
    assert "Walk-away" not in page


def test_production_answers_and_returns_home(client, deal, production):
    consultation = _asked(deal)
    client.force_login(production)
    response = client.post(
        reverse("deals:consultation_answer", args=[consultation.pk]), _answer_data(consultation), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "your answer on" in _page(response)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ANSWERED
    assert consultation.can_fulfil == CanFulfil.YES
    assert consultation.lead_time_days == 12
    assert consultation.answered_by == production
    assert Notification.objects.filter(recipient=deal.owner, kind="consultation_answered").exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"can_fulfil": ""}, "Say whether we can fulfil it"),
        ({"lead_time_days": ""}, "Give the lead time to mobilise, in days."),
        ({"lead_time_days": "-3"}, "greater than or equal to 0"),
        ({"committed_date": ""}, "Give the earliest date you commit to."),
        ({"committed_date": "2001-01-01"}, "The date you commit to is in the past."),
        ({"committed_date": "next week"}, "Enter a valid date."),
    ],
)
def test_an_incomplete_answer_shows_the_error_and_changes_nothing(
    client, deal, production, overrides, message
):
    consultation = _asked(deal)
    client.force_login(production)
    response = client.post(
        reverse("deals:consultation_answer", args=[consultation.pk]), _answer_data(consultation, **overrides)
    )
    assert response.status_code == 400
    assert message in _page(response)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.answered_by is None


def test_finance_is_asked_only_beyond_the_payment_terms(client, deal, rep):
    optional = consultation_add_optional(deal=deal, by=rep, department=Department.FINANCE)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:consultation_request", args=[optional.pk])))
    assert "Beyond the payment terms" in page


@pytest.mark.parametrize(
    "who, status",
    [
        ("rep", 403),
        ("manager", 403),
        ("supply_chain", 404),
        ("finance", 404),
        ("outsider", 404),
        ("staff", 404),
    ],
)
def test_only_production_answers_and_nothing_changes_for_others(client, world, deal, who, status):
    consultation = _asked(deal)
    client.force_login(world.user(who))
    url = reverse("deals:consultation_answer", args=[consultation.pk])
    assert client.get(url).status_code == status
    assert client.post(url, _answer_data(consultation)).status_code == status
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.answered_by is None


def test_a_colleague_may_not_answer_what_is_addressed_to_someone_else(client, world, deal, production):
    colleague = UserFactory(username="second_producer")
    MembershipFactory(user=colleague, team=world.team, role=Role.PRODUCTION)
    consultation = _asked(deal, assignee=colleague)
    client.force_login(production)
    url = reverse("deals:consultation_answer", args=[consultation.pk])
    response = client.post(url, _answer_data(consultation))
    # Nothing on the deal is addressed to them, so they do not even see it.
    assert response.status_code == 404
    # Once their queue is asked something else on the deal, they see it but still may not answer.
    optional = consultation_add_optional(deal=deal, by=deal.owner, department=Department.PRODUCTION)
    consultation_request(consultation=optional, by=deal.owner, questions="Spare parts stock?")
    response = client.post(url, _answer_data(consultation))
    assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED


def test_an_answered_consultation_opens_for_correction_saying_who_answered(client, deal, production):
    consultation = _asked(deal)
    client.force_login(production)
    url = reverse("deals:consultation_answer", args=[consultation.pk])
    client.post(url, _answer_data(consultation))
    response = client.get(url)
    assert response.status_code == 200
    page = _page(response)
    assert f"{production} answered" in page
    assert "One extra shift</textarea>" in page
    assert "Send the corrected answer" in page
    assert "Correct the answer" in _page(client.get(reverse("deals:detail", args=[deal.pk])))


def test_an_answer_on_a_closed_deal_sends_the_visitor_to_the_deal(client, deal, production):
    consultation = _asked(deal)
    client.force_login(production)
    url = reverse("deals:consultation_answer", args=[consultation.pk])
    client.post(url, _answer_data(consultation))
    Deal.objects.filter(pk=deal.pk).update(status="lost")
    response = client.get(url, follow=True)
    assert "the answer can no longer change" in _page(response)
    assert response.redirect_chain[-1][0].endswith(f"/deals/{deal.pk}/#consultations")


# Waiving -----------------------------------------------------------------------------


def test_a_manager_waives_a_consultation_with_a_reason(client, manager, deal):
    client.force_login(manager)
    url = reverse("deals:consultation_waive", args=[_consultation(deal).pk])
    response = client.post(url, {"reason": "Catalogue item, in stock"}, follow=True)
    assert "The production consultation was waived." in _page(response)
    consultation = _consultation(deal)
    assert consultation.status == ConsultationStatus.WAIVED
    assert consultation.waive_reason == "Catalogue item, in stock"
    assert consultation.waived_by == manager


def test_waiving_without_a_reason_changes_nothing(client, manager, deal):
    client.force_login(manager)
    response = client.post(
        reverse("deals:consultation_waive", args=[_consultation(deal).pk]), {"reason": " "}, follow=True
    )
    assert "Give the reason for waiving this consultation." in _page(response)
    assert _consultation(deal).status == ConsultationStatus.OPEN


@pytest.mark.parametrize(
    "who, status", [("rep", 403), ("production", 404), ("outsider", 404), ("staff", 404)]
)
def test_only_a_manager_waives_and_nothing_changes_for_others(client, world, deal, who, status):
    client.force_login(world.user(who))
    response = client.post(
        reverse("deals:consultation_waive", args=[_consultation(deal).pk]), {"reason": "No"}
    )
    assert response.status_code == status
    consultation = _consultation(deal)
    assert consultation.status == ConsultationStatus.OPEN
    assert consultation.waived_by is None


def test_waiving_needs_a_post(client, manager, deal):
    client.force_login(manager)
    assert client.get(reverse("deals:consultation_waive", args=[_consultation(deal).pk])).status_code == 405


# The home page -----------------------------------------------------------------------


def _home_rows(response):
    return [c.pk for c in response.context["asked_of_me"]]


def test_the_home_page_lists_what_is_asked_soonest_due_first_with_a_direct_answer_link(
    client, world, deal, production
):
    later = _asked(deal, due_at=timezone.now() + timedelta(days=2))
    other = DealFactory(team=world.team, owner=world.members[Role.REP], customer=world.objects["customer"])
    Deal.objects.filter(pk=other.pk).update(involves_production=True)
    consultations_derive(deal=other)
    sooner = _asked(other, assignee=production, due_at=timezone.now() + timedelta(hours=3))

    client.force_login(production)
    response = client.get(reverse("home"))
    assert _home_rows(response) == [sooner.pk, later.pk]
    page = _page(response)
    assert "What is asked of you and your department" in page
    assert page.index(other.title) < page.index(deal.title)
    assert "to you" in page
    assert "to your department queue" in page
    assert reverse("deals:consultation_answer", args=[sooner.pk]) in page
    assert reverse("deals:consultation_answer", args=[later.pk]) in page


def test_an_overdue_request_is_marked(client, deal, production):
    consultation = _asked(deal)
    Consultation.objects.filter(pk=consultation.pk).update(due_at=timezone.now() - timedelta(hours=2))
    client.force_login(production)
    page = _page(client.get(reverse("home")))
    assert "overdue" in page
    assert "text-danger" in page


def test_a_rep_has_no_consultations_panel_and_supply_chain_an_empty_one(client, world, deal):
    _asked(deal)
    client.force_login(world.members[Role.REP])
    assert "asked_of_me" not in client.get(reverse("home")).context
    client.force_login(world.members[Role.SUPPLY_CHAIN])
    response = client.get(reverse("home"))
    assert response.context["asked_of_me"] == []
    assert "Nothing is asked of you right now" in _page(response)


def test_the_home_panel_takes_a_constant_number_of_queries(
    client, world, deal, production, django_assert_max_num_queries
):
    _asked(deal)
    client.force_login(production)
    url = reverse("home")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(6):
        customer = CustomerFactory(team=world.team)
        extra = DealFactory(
            team=world.team, owner=world.members[Role.REP], customer=customer, title=f"Extra {number}"
        )
        Deal.objects.filter(pk=extra.pk).update(involves_production=True)
        consultations_derive(deal=extra)
        _asked(extra)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    # The panel shows the soonest due few and counts them all.
    assert len(response.context["asked_of_me"]) == HOME_PANEL_ROWS
    assert response.context["asked_of_me_count"] == 7


def test_staff_find_consultations_in_the_admin(client, world, deal):
    client.force_login(world.staff)
    changelist = client.get(reverse("admin:deals_consultation_changelist"), {"department": "production"})
    assert changelist.status_code == 200
    assert (
        client.get(reverse("admin:deals_consultation_change", args=[_consultation(deal).pk])).status_code
        == 200
    )


# Answers and requests saved meanwhile -------------------------------------------------------


def test_two_members_answering_at_once_the_second_is_refused_sees_what_differs_and_can_reapply(
    world, deal, production
):
    colleague = MembershipFactory(team=world.team, role=Role.PRODUCTION).user
    consultation = _asked(deal)
    url = reverse("deals:consultation_answer", args=[consultation.pk])
    paul, pia = Client(), Client()
    paul.force_login(production)
    pia.force_login(colleague)
    seen_paul, seen_pia = revision_in(paul.get(url)), revision_in(pia.get(url))
    data = _answer_data(consultation)
    assert paul.post(url, {**data, "revision": seen_paul}).status_code == 302

    response = pia.post(url, {**data, "lead_time_days": "30", "support": "", "revision": seen_pia})
    assert response.status_code == 409
    page = _page(response)
    assert f"{production} saved an answer to this consultation at " in page
    assert "after you opened it: nothing you typed was saved" in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "Lead time to mobilise (days)" in differences and "12" in differences and "30" in differences
    consultation.refresh_from_db()
    assert (consultation.answered_by, consultation.lead_time_days) == (production, 12)
    assert Notification.objects.filter(kind="consultation_answered").count() == 1

    data.update(lead_time_days="30", support="", revision=revision_in(response))
    response = pia.post(url, data)
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert (consultation.answered_by, consultation.lead_time_days) == (colleague, 30)
    corrected = deal.activities.get(verb="consultation_answer_corrected")
    assert corrected.changes["Lead time to mobilise (days)"] == {"old": 12, "new": 30}
    told = Notification.objects.filter(kind="consultation_answered").order_by("pk").last()
    assert "corrected the answer" in told.title


def test_an_answer_to_questions_changed_since_is_refused_and_kept(client, rep, deal, production):
    consultation = _asked(deal)
    url = reverse("deals:consultation_answer", args=[consultation.pk])
    client.force_login(production)
    seen = revision_in(client.get(url))
    consultation_request(consultation=consultation, by=rep, questions="Can we make 900 valves instead?")

    response = client.post(url, {**_answer_data(consultation), "revision": seen})
    assert response.status_code == 409
    page = _page(response)
    assert f"{rep} changed the questions after you opened them" in page
    assert "Can we make 900 valves instead?" in page
    assert "One extra shift" in page  # what they typed stays
    assert 'data-testid="stale-differences"' not in page
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED

    response = client.post(url, {**_answer_data(consultation), "revision": revision_in(response)})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ANSWERED


def test_a_stale_change_of_a_request_changes_nothing_shows_what_differs_and_can_be_reapplied(rep, deal):
    consultation = _asked(deal)
    url = reverse("deals:consultation_request", args=[consultation.pk])
    first, second = two_clients(rep)
    loaded = revision_in(second.get(url))
    due = _local(consultation.due_at)
    data = {"assignee": "", "questions": "Can we make 700?", "due_at": due, "revision": loaded}
    assert first.post(url, data).status_code == 302

    response = second.post(url, {**data, "questions": "Can we make 800?"})
    assert response.status_code == 409
    page = _page(response)
    assert "saved this consultation at " in page and "after you opened it" in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "Can we make 700?" in differences and "Can we make 800?" in differences
    consultation.refresh_from_db()
    assert consultation.questions == "Can we make 700?"

    response = second.post(url, {**data, "questions": "Can we make 800?", "revision": revision_in(response)})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.questions == "Can we make 800?"


def test_an_answer_without_its_revision_is_refused(client, deal, production):
    consultation = _asked(deal)
    client.force_login(production)
    data = _answer_data(consultation)
    del data["revision"]
    response = client.post(reverse("deals:consultation_answer", args=[consultation.pk]), data)
    assert "This form is out of date" in _page(response)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
