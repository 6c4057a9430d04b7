"""Every home panel shows the most urgent few with an exact count and a link to a paginated list;
lists that grow per deal or per user are paginated; a page's query count does not grow with its rows."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import Activity, Consultation, ConsultationStatus, Deal, DealStatus, Department
from deals.selectors.home import HOME_PANEL_ROWS
from deals.selectors.lists import first_rows_and_count
from deals.services.briefings import briefing_submit
from teams.models import Role
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import (
    ActivityFactory,
    ConsultationFactory,
    CustomerFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    OnCallFactory,
    UserFactory,
)

JUNK_PAGES = ["0", "-1", "abc", "9999", "1.5", "", "%00"]


def _deals(world, count, *, owner=None, currency="EUR", status=DealStatus.PREPARING, meeting_in_days=None):
    """``count`` deals of the team's rep; the n-th meets ``meeting_in_days + n`` days from now."""
    owner = owner or world.members[Role.REP]
    customer = CustomerFactory(team=world.team)
    deals = []
    for number in range(count):
        deal = DealFactory(
            team=world.team,
            owner=owner,
            customer=customer,
            currency=currency,
            status=status,
            title=f"Bulk {number}",
        )
        if meeting_in_days is not None:
            starts_at = timezone.now() + timedelta(days=meeting_in_days + number, hours=1)
            MeetingFactory(deal=deal, starts_at=starts_at)
        deals.append(deal)
    return deals


def _queue_consultations(deal, count, *, department=Department.PRODUCTION):
    """``count`` consultations waiting in the department's queue, due one hour apart."""
    now = timezone.now()
    return Consultation.objects.bulk_create(
        Consultation(
            deal=deal,
            department=department,
            status=ConsultationStatus.REQUESTED,
            questions=f"Question {number}",
            due_at=now + timedelta(hours=number + 1),
            requested_by=deal.owner,
            requested_at=now,
        )
        for number in range(count)
    )


def _rows(html: str, testid: str) -> int:
    return len(re.findall(f'data-testid="{testid}"', html))


# The rep's home ----------------------------------------------------------------------------------


def test_the_reps_home_shows_the_soonest_meetings_and_counts_every_open_deal(client, world, rep):
    _deals(world, 12, meeting_in_days=2)
    client.force_login(rep)
    response = client.get(reverse("home"))
    rows = response.context["rep_deals"]
    assert len(rows) == HOME_PANEL_ROWS
    # The world's own deal meets in three days, between "Bulk 0" (2 days) and "Bulk 1" (3 days and later).
    starts = [readiness.next_meeting.starts_at for _, readiness in rows]
    assert starts == sorted(starts)
    assert rows[0][0].title == "Bulk 0"
    assert response.context["rep_deals_count"] == 13
    html = response.content.decode()
    assert "Showing 5 of 13" in html
    assert "See all 13" in html
    assert f"status=open&amp;owner={rep.pk}" in html


def test_the_see_all_link_of_the_rep_opens_the_paginated_list_of_their_open_deals(client, world, rep):
    _deals(world, 30, meeting_in_days=1)
    _deals(world, 3, status=DealStatus.WON)
    client.force_login(rep)
    response = client.get(f"{reverse('deals:list')}?status=open&owner={rep.pk}&sort=meeting")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 31
    assert len(response.context["deals"]) == 20
    assert all(deal.is_open for deal in response.context["deals"])
    second = client.get(f"{reverse('deals:list')}?status=open&owner={rep.pk}&sort=meeting&page=2")
    assert len(second.context["deals"]) == 11


def test_the_reps_home_costs_the_same_queries_with_many_deals(
    client, world, rep, django_assert_max_num_queries
):
    client.force_login(rep)
    url = reverse("home")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _deals(world, 25, meeting_in_days=1)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.context["rep_deals_count"] == 26


# The manager's home ------------------------------------------------------------------------------


def test_the_pipeline_sums_each_stage_per_currency_and_links_to_the_filtered_list(client, world, manager):
    # The world's deal: preparing, 125,000 EUR.
    _deals(world, 2, currency="USD")
    _deals(world, 3, status=DealStatus.NEGOTIATING)
    _deals(world, 1, status=DealStatus.WON)
    client.force_login(manager)
    response = client.get(reverse("home"))
    stages = {stage["status"]: stage for stage in response.context["pipeline_stages"]}
    assert stages["preparing"]["count"] == 3
    # Euros and dollars are never added together.
    assert stages["preparing"]["values"] == [
        {"currency": "EUR", "value": Decimal("125000.00")},
        {"currency": "USD", "value": Decimal("250000.00")},
    ]
    assert stages["negotiating"]["count"] == 3
    assert stages["negotiating"]["values"] == [{"currency": "EUR", "value": Decimal("375000.00")}]
    assert stages["won"]["count"] == 1
    assert stages["ready"] == {**stages["ready"], "count": 0, "values": []}
    assert response.context["team_deals_count"] == 6
    html = response.content.decode()
    assert f'href="{reverse("deals:list")}?status=negotiating"' in html
    listed = client.get(f"{reverse('deals:list')}?status=negotiating")
    assert listed.context["page"].paginator.count == 3


def test_the_pipeline_shows_the_deals_meeting_soonest_and_counts_the_open_ones(client, world, manager):
    _deals(world, 9, meeting_in_days=1)
    client.force_login(manager)
    response = client.get(reverse("home"))
    rows = response.context["team_deals"]
    # Bulk 0 meets in a day, Bulk 1 in two, the world's deal and Bulk 2 in three.
    assert [deal.title for deal, _ in rows][:2] == ["Bulk 0", "Bulk 1"]
    starts = [readiness.next_meeting.starts_at for _, readiness in rows]
    assert starts == sorted(starts)
    assert response.context["team_deals_count"] == 10
    assert "See all 10" in response.content.decode()


def test_the_pipeline_leaves_out_other_teams(client, world, manager):
    other_rep = UserFactory()
    MembershipFactory(user=other_rep, team=world.other_team, role=Role.REP)
    DealFactory(team=world.other_team, owner=other_rep)
    client.force_login(manager)
    stages = client.get(reverse("home")).context["pipeline_stages"]
    assert sum(stage["count"] for stage in stages) == 1


def test_a_panel_reads_its_first_rows_and_the_exact_count_in_one_query(world, django_assert_num_queries):
    _deals(world, 7)
    bulk = Deal.objects.filter(title__startswith="Bulk").order_by("-title")
    with django_assert_num_queries(1):
        rows, count = first_rows_and_count(bulk, limit=3)
    assert [deal.title for deal in rows] == ["Bulk 6", "Bulk 5", "Bulk 4"]
    assert count == 7
    assert first_rows_and_count(bulk, limit=10)[1] == 7
    assert first_rows_and_count(bulk.filter(status=DealStatus.WON), limit=3) == ([], 0)


def test_the_approval_queue_panel_shows_the_oldest_few_and_its_page_paginates(client, world, rep, manager):
    for deal in _deals(world, 23):
        fill_briefing(deal.briefing, rep)
        deal.briefing.refresh_from_db()
        briefing_submit(briefing=deal.briefing, by=rep)
    client.force_login(manager)
    home = client.get(reverse("home"))
    assert len(home.context["queue"]) == HOME_PANEL_ROWS
    assert home.context["queue_count"] == 23
    assert [item.deal.title for item in home.context["queue"]] == [f"Bulk {n}" for n in range(5)]
    assert "See all 23" in home.content.decode()
    page = client.get(reverse("deals:approvals"))
    assert len(page.context["queue"]) == 20
    assert page.context["queue_count"] == 23
    last = client.get(reverse("deals:approvals") + "?page=2")
    assert [item.deal.title for item in last.context["queue"]] == ["Bulk 20", "Bulk 21", "Bulk 22"]
    # Outsiders have an empty queue.
    client.force_login(world.outsider)
    assert client.get(reverse("deals:approvals")).context["queue_count"] == 0


def _escalated_and_waiting(world, rep, count):
    """Deals meeting within the hour that miss a required consultation, their briefings submitted."""
    deals = _deals(world, count)
    for number, deal in enumerate(deals):
        MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(hours=1, minutes=number))
        fill_briefing(deal.briefing, rep)
        deal.briefing.refresh_from_db()
        briefing_submit(briefing=deal.briefing, by=rep)
        ConsultationFactory(
            deal=deal, department=Department.PRODUCTION, required=True, status=ConsultationStatus.REQUESTED
        )
    return deals


def test_the_managers_home_costs_the_same_queries_with_many_rows(
    client, world, rep, manager, django_assert_max_num_queries
):
    _escalated_and_waiting(world, rep, 1)
    client.force_login(manager)
    url = reverse("home")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _escalated_and_waiting(world, rep, 11)
    _deals(world, 8, currency="USD", status=DealStatus.NEGOTIATING)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.context["queue_count"] == 12
    assert response.context["escalated_meetings_count"] == 12
    assert len(response.context["escalated_meetings"]) == HOME_PANEL_ROWS
    assert response.context["team_deals_count"] == 21


def test_a_manager_of_two_teams_sees_the_team_of_each_deal_and_filters_the_queue_by_team(
    client, world, rep, manager
):
    MembershipFactory(user=manager, team=world.other_team, role=Role.MANAGER)
    client.force_login(manager)
    home = client.get(reverse("home"))
    assert home.context["several_teams"] is True
    page = client.get(reverse("deals:approvals"))
    assert "team" in page.context["form"].fields
    filtered = client.get(f"{reverse('deals:approvals')}?team={world.other_team.pk}")
    assert filtered.status_code == 200
    assert filtered.context["filtered"] is True


# Consultations asked of production -----------------------------------------------------------


def test_thirty_consultations_show_five_on_home_and_paginate_on_their_page(client, world, production):
    deal = world.objects["deal"]
    _queue_consultations(deal, 30)
    client.force_login(production)
    home = client.get(reverse("home"))
    assert len(home.context["asked_of_me"]) == HOME_PANEL_ROWS
    assert home.context["asked_of_me_count"] == 30
    assert [c.questions for c in home.context["asked_of_me"]] == [f"Question {n}" for n in range(5)]
    html = home.content.decode()
    assert _rows(html, "asked-item") == HOME_PANEL_ROWS
    assert "See all 30" in html
    first = client.get(reverse("deals:consultations"))
    assert _rows(first.content.decode(), "asked-item") == 25
    second = client.get(reverse("deals:consultations") + "?page=2")
    assert [c.questions for c in second.context["page"].object_list] == [
        f"Question {n}" for n in range(25, 30)
    ]


def test_the_consultations_page_filters_by_department_and_addressee(client, world, production):
    deal = world.objects["deal"]
    _queue_consultations(deal, 3)
    mine = _queue_consultations(deal, 2)
    Consultation.objects.filter(pk__in=[c.pk for c in mine]).update(assignee=production)
    client.force_login(production)
    url = reverse("deals:consultations")
    assert client.get(url).context["page"].paginator.count == 5
    assert client.get(url + "?addressed=me").context["page"].paginator.count == 2
    assert client.get(url + "?addressed=queue").context["page"].paginator.count == 3
    assert client.get(url + "?department=supply_chain").context["page"].paginator.count == 0


def test_the_consultations_page_shows_only_what_is_asked_of_the_user(client, world, production):
    _queue_consultations(world.objects["deal"], 4)
    for who in (world.members[Role.SUPPLY_CHAIN], world.members[Role.REP], world.outsider):
        client.force_login(who)
        response = client.get(reverse("deals:consultations"))
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0


def test_the_answered_tab_lists_the_users_own_answers(client, world, production):
    answered = _queue_consultations(world.objects["deal"], 3)
    Consultation.objects.filter(pk__in=[c.pk for c in answered]).update(
        status=ConsultationStatus.ANSWERED, answered_by=production, answered_at=timezone.now()
    )
    client.force_login(production)
    response = client.get(reverse("deals:consultations") + "?show=answered")
    assert _rows(response.content.decode(), "answered-item") == 3
    client.force_login(world.members[Role.SUPPLY_CHAIN])
    assert client.get(reverse("deals:consultations") + "?show=answered").context["page"].paginator.count == 0


def test_the_production_home_costs_the_same_queries_with_many_consultations(
    client, world, production, django_assert_max_num_queries
):
    deal = world.objects["deal"]
    _queue_consultations(deal, 1)
    client.force_login(production)
    url = reverse("home")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _queue_consultations(deal, 40)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.context["asked_of_me_count"] == 41


# The deal page's timeline and the briefing history ---------------------------------------------


def test_the_deal_page_shows_the_latest_twenty_entries_and_the_timeline_page_paginates(client, world, rep):
    deal = world.objects["deal"]
    Activity.objects.bulk_create(
        Activity(deal=deal, actor=rep, verb="note", summary=f"did thing {n}") for n in range(30)
    )
    client.force_login(rep)
    page = client.get(reverse("deals:detail", args=[deal.pk]))
    assert _rows(page.content.decode(), "activity") == 20
    assert page.context["activity_count"] == 30
    assert "See all 30" in page.content.decode()
    timeline = reverse("deals:timeline", args=[deal.pk])
    assert _rows(client.get(timeline).content.decode(), "activity") == 25
    assert _rows(client.get(timeline + "?page=2").content.decode(), "activity") == 5


def test_the_briefing_history_paginates_and_still_shows_what_changed(client, world, rep, manager):
    from deals.services.briefings import briefing_decide

    deal = world.objects["deal"]
    briefing = deal.briefing
    for number in range(12):
        fill_briefing(briefing, rep, objectives=f"Objective {number}")
        briefing.refresh_from_db()
        briefing_submit(briefing=briefing, by=rep)
        briefing.refresh_from_db()
        briefing_decide(briefing=briefing, by=manager, approve=False, comment="Again")
        briefing.refresh_from_db()
    client.force_login(rep)
    url = reverse("deals:briefing_history", args=[deal.pk])
    first = client.get(url)
    assert [entry.version.number for entry in first.context["entries"]] == list(range(12, 2, -1))
    second = client.get(url + "?page=2")
    entries = second.context["entries"]
    assert [entry.version.number for entry in entries] == [2, 1]
    # Each version is compared with the one before, even across pages: version 3 (page 1) with version 2.
    assert entries[0].changes
    assert first.context["entries"][-1].changes


# Reports, escalations and cover requests ------------------------------------------------------


@pytest.mark.parametrize("name", ["deals:reports", "deals:escalations"])
def test_the_managers_lists_answer_every_visitor_sensibly(client, world, manager, name):
    client.force_login(manager)
    assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse(name) + "?show=reports").status_code == 200
    client.force_login(world.members[Role.REP])
    assert client.get(reverse(name)).status_code == 403


def test_the_cover_page_lists_only_the_users_own_requests(client, world):
    from deals.models import OnCallStatus

    meeting = world.objects["meeting"]
    production = world.members[Role.PRODUCTION]
    OnCallFactory(
        meeting=meeting,
        member=production,
        topic="specs",
        phone="+41 44 000 00 00",
        available_from=meeting.starts_at,
        available_to=meeting.ends_at,
        status=OnCallStatus.REQUESTED,
    )
    client.force_login(production)
    assert client.get(reverse("deals:cover_invitations")).context["page"].paginator.count == 1
    client.force_login(world.members[Role.SUPPLY_CHAIN])
    assert client.get(reverse("deals:cover_invitations")).context["page"].paginator.count == 0


# Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, name",
    [
        ("manager", "deals:approvals"),
        ("manager", "deals:reports"),
        ("manager", "deals:escalations"),
        ("finance", "deals:finance_queue"),
        ("production", "deals:consultations"),
        ("production", "deals:cover_invitations"),
        ("rep", "deals:list"),
    ],
)
def test_junk_pages_and_filters_give_a_page_never_an_error(client, world, who, name):
    client.force_login(world.members[who])
    url = reverse(name)
    for page in JUNK_PAGES:
        assert client.get(url, {"page": page}).status_code == 200, page
    junk = {
        "team": "x",
        "department": "nope",
        "addressed": "<b>",
        "outcome": "1' or 1=1",
        "from": "2026-13-45",
        "to": "yesterday",
        "breaches": "maybe",
        "show": "everything",
        "status": "sold",
        "sort": "-;drop",
    }
    assert client.get(url, junk).status_code == 200
    assert client.get(url, {"team": str(2**70)}).status_code == 200


def test_junk_pages_of_a_deals_timeline_and_history_give_a_page(client, world, rep):
    client.force_login(rep)
    deal = world.objects["deal"]
    for name in ("deals:timeline", "deals:briefing_history"):
        for page in JUNK_PAGES:
            assert client.get(reverse(name, args=[deal.pk]), {"page": page}).status_code == 200


def test_a_page_past_the_end_shows_the_last_page(client, world, production):
    _queue_consultations(world.objects["deal"], 30)
    client.force_login(production)
    response = client.get(reverse("deals:consultations") + "?page=99")
    assert response.context["page"].number == 2


def test_the_deal_list_is_unchanged_for_the_open_filter_of_another_status(client, world, rep):
    Deal.objects.filter(pk=world.objects["deal"].pk).update(status=DealStatus.LOST)
    client.force_login(rep)
    assert client.get(reverse("deals:list") + "?status=open").context["page"].paginator.count == 0
    assert client.get(reverse("deals:list") + "?status=lost").context["page"].paginator.count == 1


def test_the_deal_page_shows_the_latest_past_meetings_and_their_page_lists_them_all(client, world, rep):
    deal = world.objects["deal"]
    now = timezone.now()
    for number in range(14):
        MeetingFactory(deal=deal, starts_at=now - timedelta(days=number + 1))
    client.force_login(rep)
    page = client.get(reverse("deals:detail", args=[deal.pk]))
    assert len(page.context["past_meetings"]) == 10
    assert page.context["past_meeting_count"] == 14
    assert "See all 14" in page.content.decode()
    past = reverse("deals:past_meetings", args=[deal.pk])
    assert _rows(client.get(past).content.decode(), "meeting") == 14
    # Departments see a summary of the deal, not its meetings.
    client.force_login(world.outsider)
    assert client.get(past).status_code == 404


def test_the_deal_page_costs_the_same_queries_with_many_past_meetings_and_entries(
    client, world, rep, django_assert_max_num_queries
):
    deal = world.objects["deal"]
    now = timezone.now()
    MeetingFactory(deal=deal, starts_at=now - timedelta(days=1))
    ActivityFactory(deal=deal, actor=rep, verb="note", summary="first")
    client.force_login(rep)
    url = reverse("deals:detail", args=[deal.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(20):
        MeetingFactory(deal=deal, starts_at=now - timedelta(days=number + 2))
    Activity.objects.bulk_create(
        Activity(deal=deal, actor=rep, verb="note", summary=f"n{n}") for n in range(40)
    )
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.context["past_meeting_count"] == 21


def test_the_deal_page_shows_the_latest_payment_requests_and_their_page_lists_them_all(client, world, rep):
    from deals.models import PaymentTermRequest, PaymentTermStatus

    deal = world.objects["deal"]
    PaymentTermRequest.objects.bulk_create(
        PaymentTermRequest(
            deal=deal,
            net_days=45,
            deposit_pct=Decimal("0"),
            instalments=1,
            customer_reason="Budget",
            requested_by=rep,
            status=PaymentTermStatus.REJECTED,
        )
        for _ in range(13)
    )
    client.force_login(rep)
    page = client.get(reverse("deals:detail", args=[deal.pk]))
    assert _rows(page.content.decode(), "payment-request") == 10
    assert "See all 13" in page.content.decode()
    url = reverse("deals:payment_requests", args=[deal.pk])
    assert _rows(client.get(url).content.decode(), "payment-request") == 13
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
