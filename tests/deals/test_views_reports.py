from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import (
    ConsultationStatus,
    DealStatus,
    Department,
    NegotiationReport,
)
from deals.selectors.home import HOME_PANEL_ROWS
from deals.selectors.reminder_messages import report_reminder_url
from deals.services.reports import report_file
from teams.models import Role
from tests.factories import (
    BriefingVersionFactory,
    ConsultationFactory,
    DealFactory,
    MeetingFactory,
    NegotiationReportFactory,
    PaymentTermRequestFactory,
)
from tests.stale import revision_in, two_clients

FORM = {
    "outcome": "continue",
    "agreed_price": "205.00",
    "discount_pct": "",
    "quantity": "500",
    "delivery_date": "",
    "net_days": "",
    "deposit_pct": "",
    "instalments": "",
    "payment_terms": "",
    "concessions_given": "Free installation",
    "concessions_received": "Three-year term",
    "next_steps": "Send the contract draft",
    "lessons": "Open with the pilot results",
    # The form of a report not filed yet carries revision 0.
    "revision": "0",
}


def _url(meeting):
    return reverse("deals:report_file", args=[meeting.pk])


def _correction(meeting, **changes):
    """The form again, with ``changes``, as the page of the filed report sends it."""
    return {**FORM, **changes, "revision": NegotiationReport.objects.get(meeting=meeting).revision}


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# Filing -----------------------------------------------------------------------------------------


def test_the_form_shows_what_the_report_is_checked_against(client, rep, approved, past_meeting):
    client.force_login(rep)
    response = client.get(_url(past_meeting))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-references"' in html
    assert "210.00 EUR" in html  # the approved walk-away price
    assert 'name="agreed_price"' in html and 'step="0.01"' in html


def test_filing_a_breach_flags_it_and_says_the_manager_was_told(client, rep, deal, approved, past_meeting):
    client.force_login(rep)
    response = client.post(_url(past_meeting), FORM)
    report = NegotiationReport.objects.get(meeting=past_meeting)
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:report_detail", args=[report.pk])
    assert [b["code"] for b in report.breaches] == ["price_under_walk_away"]
    (message,) = _messages(response)
    assert message.startswith("Report filed. It breaches what was approved (Agreed price 205.00 EUR")
    assert "your manager was told" in message
    deal.refresh_from_db()
    assert deal.status == DealStatus.NEGOTIATING


def test_a_corrected_breach_stays_visible_to_the_manager(client, rep, manager, approved, past_meeting):
    client.force_login(rep)
    client.post(_url(past_meeting), FORM)
    client.post(_url(past_meeting), _correction(past_meeting, agreed_price="230", correction_note="Typo"))
    report = NegotiationReport.objects.get(meeting=past_meeting)
    assert report.breaches == []
    client.force_login(manager)
    page = client.get(reverse("deals:report_detail", args=[report.pk])).content.decode()
    assert "Corrected after filing" in page
    assert "Agreed price 205.00 EUR is under the walk-away price" in page
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-breach-report"' in home
    assert 'data-corrected-breach="price_under_walk_away"' in home


def test_saving_a_corrected_report_again_does_not_claim_the_manager_was_told(
    client, rep, approved, past_meeting
):
    client.force_login(rep)
    client.post(_url(past_meeting), FORM)
    client.post(_url(past_meeting), _correction(past_meeting, agreed_price="230", correction_note="Typo"))
    response = client.post(
        _url(past_meeting),
        _correction(past_meeting, agreed_price="230", lessons="Price last", correction_note="Typo"),
    )
    assert _messages(response)[-1] == "Report updated: everything is within what was approved."


def test_filing_within_the_limits_says_so(client, rep, approved, past_meeting):
    client.force_login(rep)
    response = client.post(_url(past_meeting), {**FORM, "agreed_price": "230", "outcome": "won"})
    assert response.status_code == 302
    assert _messages(response) == ["Report filed: everything is within what was approved."]


def test_the_form_opens_with_the_filed_report_and_saving_updates_it(client, rep, approved, past_meeting):
    client.force_login(rep)
    client.post(_url(past_meeting), FORM)
    response = client.get(_url(past_meeting))
    assert response.context["form"]["agreed_price"].value() == Decimal("205.00")
    assert "Edit the report" in response.content.decode()
    assert "Why are the figures changing?" in response.content.decode()
    refused = client.post(_url(past_meeting), _correction(past_meeting, agreed_price="220"))
    assert "say why the figures changed" in refused.content.decode()
    assert 'value="220"' in refused.content.decode()  # what was typed is kept
    response = client.post(
        _url(past_meeting), _correction(past_meeting, agreed_price="220", correction_note="Typo")
    )
    assert _messages(response)[-1] == (
        "Report updated: everything is now within what was approved. The breaches flagged before stay "
        "on record, and your manager was told of the correction."
    )
    report = NegotiationReport.objects.get(meeting=past_meeting)
    assert report.agreed_price == Decimal("220.00")
    assert report.breaches == []


def test_a_stale_correction_changes_nothing_shows_what_differs_and_can_be_reapplied(
    rep, approved, past_meeting
):
    within = {**FORM, "agreed_price": "230"}
    first, second = two_clients(rep)
    assert first.post(_url(past_meeting), within).status_code == 302
    loaded = revision_in(first.get(_url(past_meeting)))
    assert revision_in(second.get(_url(past_meeting))) == loaded
    response = first.post(
        _url(past_meeting), {**within, "next_steps": "Call their CFO on Monday", "revision": loaded}
    )
    assert response.status_code == 302

    response = second.post(
        _url(past_meeting), {**within, "lessons": "Bring the pilot data", "revision": loaded}
    )
    assert response.status_code == 409
    page = unescape(response.content.decode())
    assert f"{rep} saved the report on this meeting at " in page and "after you opened it" in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "Next steps" in differences and "Call their CFO on Monday" in differences
    assert "Bring the pilot data" in differences
    report = NegotiationReport.objects.get(meeting=past_meeting)
    assert (report.next_steps, report.lessons) == ("Call their CFO on Monday", FORM["lessons"])
    assert report.updated_by == rep
    assert past_meeting.deal.activities.filter(verb="report_updated").count() == 1

    # The refused form carries the current revision: saving it again puts this version over it.
    reapplied = revision_in(response)
    assert reapplied != loaded
    response = second.post(
        _url(past_meeting), {**within, "lessons": "Bring the pilot data", "revision": reapplied}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.next_steps, report.lessons) == (FORM["next_steps"], "Bring the pilot data")


def test_a_report_filed_from_two_tabs_keeps_the_first_and_shows_the_second_what_differs(
    rep, approved, past_meeting
):
    first, second = two_clients(rep)
    assert revision_in(second.get(_url(past_meeting))) == "0"
    assert first.post(_url(past_meeting), {**FORM, "next_steps": "Send the pilot offer"}).status_code == 302

    response = second.post(_url(past_meeting), FORM)
    assert response.status_code == 409
    page = unescape(response.content.decode())
    assert f"{rep} saved the report on this meeting at " in page
    assert "Send the pilot offer" in page[page.index('data-testid="stale-differences"') :]
    report = NegotiationReport.objects.get(meeting=past_meeting)
    assert report.next_steps == "Send the pilot offer"
    assert past_meeting.deal.activities.filter(verb__in=["report_filed", "report_updated"]).count() == 1


def test_a_correction_without_its_revision_is_refused(client, rep, approved, past_meeting):
    client.force_login(rep)
    client.post(_url(past_meeting), {**FORM, "agreed_price": "230"})
    data = {**FORM, "agreed_price": "230", "next_steps": "No revision"}
    del data["revision"]
    response = client.post(_url(past_meeting), data)
    assert "This form is out of date" in unescape(response.content.decode())
    assert NegotiationReport.objects.get(meeting=past_meeting).next_steps == FORM["next_steps"]


@pytest.mark.parametrize(
    "changes, field, error",
    [
        ({"agreed_price": "two hundred"}, "agreed_price", "Enter a number."),
        ({"agreed_price": "-5"}, "agreed_price", "greater than or equal to 0"),
        ({"discount_pct": "150"}, "discount_pct", "less than or equal to 100"),
        ({"quantity": "1.5"}, "quantity", "Enter a whole number."),
        ({"delivery_date": "31/02/2027"}, "delivery_date", "Enter a valid date."),
        ({"instalments": "0"}, "instalments", "greater than or equal to 1"),
        ({"outcome": ""}, "outcome", "Choose the outcome of the meeting."),
        ({"outcome": "maybe"}, "outcome", "Select a valid choice."),
        ({"outcome": "won", "agreed_price": ""}, "agreed_price", "A won deal has an agreed price"),
        ({"agreed_price": "1" * 20}, "agreed_price", "no more than"),
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(
    client, rep, approved, past_meeting, changes, field, error
):
    client.force_login(rep)
    response = client.post(_url(past_meeting), {**FORM, **changes})
    assert response.status_code == 400
    assert any(error in message for message in response.context["form"].errors[field])
    assert "nothing was saved yet" in response.content.decode()
    assert not NegotiationReport.objects.exists()


def test_a_meeting_that_has_not_started_sends_the_owner_back_to_the_deal(client, rep, world, deal):
    client.force_login(rep)
    response = client.post(_url(world.objects["meeting"]), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk]) + "#reports"
    assert _messages(response) == ["This meeting has not started yet: file the report after it."]
    assert not NegotiationReport.objects.exists()


def test_a_cancelled_meeting_has_nothing_to_report(client, rep, past_meeting):
    past_meeting.cancelled = True
    past_meeting.save()
    client.force_login(rep)
    response = client.get(_url(past_meeting))
    assert response.status_code == 302
    assert _messages(response) == ["This meeting was cancelled: there is nothing to report."]


def test_a_manager_who_sees_the_deal_may_not_file_it(client, manager, past_meeting):
    client.force_login(manager)
    assert client.get(_url(past_meeting)).status_code == 403
    assert client.post(_url(past_meeting), FORM).status_code == 403
    assert not NegotiationReport.objects.exists()


def test_another_team_gets_404_and_nothing_changes(client, world, past_meeting):
    client.force_login(world.outsider)
    assert client.post(_url(past_meeting), FORM).status_code == 404
    assert not NegotiationReport.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client, past_meeting):
    response = client.post(_url(past_meeting), FORM)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not NegotiationReport.objects.exists()


# Reading ----------------------------------------------------------------------------------------


def _filed(meeting, rep, **fields):
    return report_file(meeting=meeting, by=rep, **{"outcome": "continue", **fields})


def test_the_manager_reads_the_report_with_its_breaches(client, manager, rep, approved, past_meeting):
    report = _filed(past_meeting, rep, agreed_price=Decimal("205.00"), next_steps="Send the contract")
    client.force_login(manager)
    response = client.get(reverse("deals:report_detail", args=[report.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-breach-alert"' in html
    assert "Agreed price 205.00 EUR is under the walk-away price 210.00 EUR" in html
    assert "Send the contract" in html
    assert "Edit the report" not in html


def test_a_department_that_sees_only_a_summary_of_the_deal_cannot_read_its_report(
    client, world, deal, rep, past_meeting
):
    ConsultationFactory(
        deal=deal, department=Department.PRODUCTION, required=True, status=ConsultationStatus.REQUESTED
    )
    report = _filed(past_meeting, rep)
    client.force_login(world.members[Role.PRODUCTION])
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200
    assert client.get(reverse("deals:report_detail", args=[report.pk])).status_code == 403
    assert client.get(_url(past_meeting)).status_code == 403


def test_another_team_cannot_read_the_report(client, world, rep, past_meeting):
    report = _filed(past_meeting, rep)
    client.force_login(world.outsider)
    assert client.get(reverse("deals:report_detail", args=[report.pk])).status_code == 404


# The deal page and the home page --------------------------------------------------------------


def test_the_deal_page_offers_the_owner_to_file_the_missing_report(client, rep, deal, past_meeting):
    client.force_login(rep)
    html = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert 'data-testid="reports-panel"' in html
    assert html.count(f'href="{_url(past_meeting)}"') == 2  # the panel and the past meeting


def test_the_deal_page_shows_the_reports_and_their_breaches(
    client, rep, manager, deal, approved, past_meeting
):
    report = _filed(past_meeting, rep, agreed_price=Decimal("205.00"))
    client.force_login(manager)
    html = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert 'data-testid="report-breaches"' in html
    assert "Agreed price 205.00 EUR is under the walk-away price 210.00 EUR" in html
    assert 'data-testid="meeting-report-link"' in html
    assert reverse("deals:report_detail", args=[report.pk]) in html
    assert _url(past_meeting) not in html  # only the owner files or edits


def test_the_managers_home_lists_reports_with_breaches(client, rep, manager, approved, past_meeting):
    _filed(past_meeting, rep, agreed_price=Decimal("205.00"))
    client.force_login(manager)
    response = client.get(reverse("home"))
    assert [r.meeting_id for r in response.context["breach_reports"]] == [past_meeting.pk]
    assert "Agreed price 205.00 EUR is under the walk-away price 210.00 EUR" in response.content.decode()
    client.force_login(rep)
    assert "breach_reports" not in client.get(reverse("home")).context


def test_the_home_list_leaves_out_clean_reports_and_other_teams(
    client, world, rep, manager, approved, past_meeting
):
    _filed(past_meeting, rep, agreed_price=Decimal("230.00"))
    client.force_login(manager)
    assert client.get(reverse("home")).context["breach_reports"] == []
    client.force_login(world.outsider)
    assert client.get(reverse("home")).context["breach_reports"] == []


def test_the_missing_report_reminder_links_to_the_report_form(past_meeting):
    assert report_reminder_url(past_meeting) == _url(past_meeting)


def test_staff_can_filter_reports_with_breaches_in_the_admin(client, world, rep, approved, past_meeting):
    _filed(past_meeting, rep, agreed_price=Decimal("205.00"))
    client.force_login(world.staff)
    url = reverse("admin:deals_negotiationreport_changelist")
    assert client.get(url, {"has_breaches": "yes"}).context["cl"].result_count == 1
    assert client.get(url, {"has_breaches": "no"}).context["cl"].result_count == 0


# Team results ------------------------------------------------------------------------------------

TODAY = timezone.localdate


def _approved_deal(team, owner, list_price="250.00", target="230.00"):
    deal = DealFactory(team=team, owner=owner)
    version = BriefingVersionFactory(
        briefing=deal.briefing,
        number=1,
        snapshot={
            "limits": {"currency": "EUR", "list_price": list_price, "target_price": target},
            "pitch_points": [],
        },
        submitted_by=owner,
        submitted_at=timezone.now(),
    )
    deal.briefing.approved_version = version
    deal.briefing.save()
    return deal


def _result(deal, *, days_ago, outcome, ready, discount=None, breaches=()):
    starts_at = timezone.now() - timedelta(days=days_ago)
    meeting = MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    return NegotiationReportFactory(
        meeting=meeting,
        filed_by=deal.owner,
        outcome=outcome,
        ready_at_meeting=ready,
        discount_pct=discount,
        breaches=[{"code": code, "message": f"{code} on {deal.title}"} for code in breaches],
    )


@pytest.fixture
def results(world, rep):
    """In the last 90 days: ready 2 won, 1 lost; not ready 1 won, 3 lost, 1 continuing.
    Discounts 10 and 14 % against an 8 % target; two reports with breaches."""
    deal = _approved_deal(world.team, rep)
    for outcome, discount in [("won", "10"), ("won", "14"), ("lost", None)]:
        _result(deal, days_ago=5, outcome=outcome, ready=True, discount=discount and Decimal(discount))
    for outcome in ["won", "lost", "lost", "lost"]:
        _result(deal, days_ago=20, outcome=outcome, ready=False)
    _result(deal, days_ago=30, outcome="continue", ready=False, breaches=["price_under_walk_away"])
    _result(deal, days_ago=2, outcome="lost", ready=False, breaches=["discount_over_max"])
    # Outside the period, and another team's: neither counts.
    _result(deal, days_ago=120, outcome="won", ready=False, breaches=["discount_over_max"])
    _result(_approved_deal(world.other_team, world.outsider), days_ago=3, outcome="won", ready=True)
    return deal


def test_the_results_compare_win_rates_by_readiness(client, manager, results):
    client.force_login(manager)
    response = client.get(reverse("deals:team_results"))
    assert response.status_code == 200
    (team,) = response.context["results"]
    assert team.reports == 9
    assert (team.ready.won, team.ready.lost, team.ready.rate) == (2, 1, Decimal("66.7"))
    assert (team.not_ready.won, team.not_ready.lost, team.not_ready.open) == (1, 4, 1)
    assert team.not_ready.rate == Decimal("20.0")
    assert team.average_discount == Decimal("12.00")
    assert team.average_target_discount == Decimal("8.00")
    assert team.discount_gap == Decimal("4.00")
    assert len(team.breach_reports) == 2
    html = response.content.decode()
    assert "66.7 %" in html and "20 %" in html
    assert "4 points more than targeted" in html
    assert f'value="{(TODAY() - timedelta(days=90)).isoformat()}"' in html  # the default period, shown


def test_the_results_take_the_chosen_period(client, manager, results):
    client.force_login(manager)
    today = TODAY()
    response = client.get(
        reverse("deals:team_results"),
        {"date_from": (today - timedelta(days=10)).isoformat(), "date_to": today.isoformat()},
    )
    (team,) = response.context["results"]
    assert team.reports == 4
    assert (team.ready.won, team.ready.lost, team.not_ready.lost) == (2, 1, 1)


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "yesterday", "date_to": "2027-13-45"},
        {"date_from": "2026-05-01", "date_to": "2026-04-01"},
        {"date_from": ""},
    ],
)
def test_bad_dates_fall_back_to_the_last_90_days(client, manager, results, params):
    client.force_login(manager)
    response = client.get(reverse("deals:team_results"), params)
    assert response.status_code == 200
    assert response.context["date_from"] == TODAY() - timedelta(days=90)
    assert response.context["date_to"] == TODAY()
    assert response.context["results"][0].reports == 9


def test_the_results_are_for_managers_only(client, world):
    for who in (Role.REP, Role.PRODUCTION, Role.FINANCE):
        client.force_login(world.members[who])
        assert client.get(reverse("deals:team_results")).status_code == 403
    client.force_login(world.staff)
    assert client.get(reverse("deals:team_results")).status_code == 403


def test_the_results_take_a_constant_number_of_queries(
    client, world, rep, manager, django_assert_max_num_queries
):
    deal = _approved_deal(world.team, rep)
    _result(deal, days_ago=1, outcome="won", ready=True, breaches=["price_under_walk_away"])
    client.force_login(manager)
    url = reverse("deals:team_results")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for days in range(2, 12):
        other = _approved_deal(world.team, rep)
        _result(other, days_ago=days, outcome="lost", ready=False, breaches=["discount_over_max"])
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.context["results"][0].reports == 11


def test_the_managers_home_takes_a_constant_number_of_queries_for_breaches(
    client, world, rep, manager, django_assert_max_num_queries
):
    deal = _approved_deal(world.team, rep)
    _result(deal, days_ago=1, outcome="won", ready=True, breaches=["price_under_walk_away"])
    client.force_login(manager)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for days in range(2, 14):
        _result(deal, days_ago=days, outcome="lost", ready=False, breaches=["discount_over_max"])
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("home"))
    assert len(response.context["breach_reports"]) == HOME_PANEL_ROWS
    assert response.context["breach_reports_count"] == 13


# Escalations on the manager's home page -------------------------------------------------------


def _escalations(client, manager):
    client.force_login(manager)
    response = client.get(reverse("home"))
    page = response.content.decode()
    start = page.index('data-testid="home-escalations"')
    return response, page[start : page.index("</section>", start)]


def test_a_meeting_within_a_day_that_still_misses_consultations_is_escalated(client, world, rep, manager):
    from deals.models import Briefing, BriefingStatus, Consultation, ConsultationStatus

    deal = DealFactory(team=world.team, owner=rep, title="Escalated frame deal", involves_delivery=True)
    MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(hours=10))
    Briefing.objects.filter(deal=deal).update(status=BriefingStatus.APPROVED)
    consultation = ConsultationFactory(
        deal=deal, department="supply_chain", required=True, status=ConsultationStatus.REQUESTED
    )
    later = DealFactory(team=world.team, owner=rep, title="Next week deal")
    MeetingFactory(deal=later, starts_at=timezone.now() + timedelta(days=6))
    ConsultationFactory(deal=later, department="production", required=True)

    response, panel = _escalations(client, manager)
    assert [e.meeting.deal.title for e in response.context["escalated_meetings"]] == ["Escalated frame deal"]
    # What is open reads as on the deal page, each item linked to where it is done.
    assert "Not ready (0 of 5)" in panel
    detail = reverse("deals:detail", args=[deal.pk])
    assert f'href="{detail}#consultations"' in panel and ">waiting for supply chain</a>" in panel
    assert '<span class="badge text-bg-danger" data-testid="escalation-count">1</span>' in panel
    assert "Next week deal" not in panel

    Consultation.objects.filter(pk=consultation.pk).update(status=ConsultationStatus.WAIVED)
    response, panel = _escalations(client, manager)
    assert response.context["escalated_meetings"] == []
    assert "Nothing is escalated" in panel


def test_a_report_overdue_after_the_last_reminder_is_escalated(client, world, rep, manager, approved, deal):
    ended_long_ago = timezone.now() - timedelta(days=5)
    overdue = MeetingFactory(deal=deal, starts_at=ended_long_ago, ends_at=ended_long_ago + timedelta(hours=1))
    recent = timezone.now() - timedelta(hours=30)
    MeetingFactory(deal=deal, starts_at=recent, ends_at=recent + timedelta(hours=1))

    response, panel = _escalations(client, manager)
    assert response.context["overdue_reports"] == [overdue]
    assert "report overdue" in panel

    report_file(meeting=overdue, by=rep, outcome="continue")
    response, _ = _escalations(client, manager)
    assert response.context["overdue_reports"] == []


@pytest.mark.parametrize("owes", ["briefing", "payment terms"])
def test_a_meeting_within_a_day_whose_deal_owes_the_boss_or_finance_is_escalated(
    client, world, rep, manager, owes
):
    from deals.models import Briefing, BriefingStatus

    deal = DealFactory(team=world.team, owner=rep, title="Owing deal")
    MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(hours=10))
    if owes == "payment terms":
        Briefing.objects.filter(deal=deal).update(status=BriefingStatus.APPROVED)
        PaymentTermRequestFactory(deal=deal, requested_by=rep, net_days=60, customer_reason="Cash flow")
    response, panel = _escalations(client, manager)
    assert [e.meeting.deal.title for e in response.context["escalated_meetings"]] == ["Owing deal"]
    expected = "waiting for finance" if owes == "payment terms" else ">limits</a>"
    assert expected in panel


def test_other_teams_and_other_roles_see_no_escalations(client, world):

    deal = DealFactory(team=world.team, owner=world.members[Role.REP])
    MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(hours=10))
    ConsultationFactory(deal=deal, department="finance", required=True)
    client.force_login(world.outsider)
    response = client.get(reverse("home"))
    assert response.context["escalated_meetings"] == []
    client.force_login(world.members[Role.REP])
    assert "escalated_meetings" not in client.get(reverse("home")).context


def test_with_no_report_reminders_configured_the_home_page_lists_no_overdue_reports(
    client, world, rep, manager, approved, deal, settings
):
    settings.NEGPREP_REPORT_REMINDER_HOURS = []
    ended = timezone.now() - timedelta(days=5)
    MeetingFactory(deal=deal, starts_at=ended, ends_at=ended + timedelta(hours=1))
    response, _ = _escalations(client, manager)
    assert response.status_code == 200
    assert response.context["overdue_reports"] == []


def test_a_deal_with_two_meetings_in_the_window_is_escalated_once(client, world, rep, manager):

    deal = DealFactory(team=world.team, owner=rep, title="Two meetings deal")
    MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(hours=5))
    MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(hours=20))
    ConsultationFactory(deal=deal, department="finance", required=True)
    response, _ = _escalations(client, manager)
    assert [e.meeting.deal.title for e in response.context["escalated_meetings"]] == ["Two meetings deal"]


def test_who_manages_no_team_has_no_team_reports(rep, world):
    from deals.selectors.reports import breach_reports, team_reports

    for user in (rep, world.members[Role.FINANCE]):
        assert list(team_reports(user=user)) == []
        assert breach_reports(user=user).count() == 0
