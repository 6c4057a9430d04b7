"""After the meeting: the rep's home asks for the report of every meeting of theirs that took place
without one, the most overdue first, one click from the report form."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus
from deals.selectors.home import HOME_PANEL_ROWS
from teams.models import Role
from tests.factories import (
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    NegotiationReportFactory,
    UserFactory,
)


def _held(deal, *, days_ago, **fields):
    starts_at = timezone.now() - timedelta(days=days_ago)
    return MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), **fields)


@pytest.fixture
def deal(world):
    return world.objects["deal"]


def test_home_asks_for_the_report_of_each_meeting_held_without_one(client, rep, deal):
    waiting = _held(deal, days_ago=2)
    _held(deal, days_ago=3, cancelled=True)
    NegotiationReportFactory(meeting=_held(deal, days_ago=4))
    client.force_login(rep)
    response = client.get(reverse("home"))

    assert [meeting.pk for meeting in response.context["reports_to_file"]] == [waiting.pk]
    assert response.context["reports_to_file_count"] == 1
    page = response.content.decode()
    assert 'data-testid="reports-to-file"' in page
    # One click from home to the report form.
    assert reverse("deals:report_file", args=[waiting.pk]) in page
    assert client.get(reverse("deals:report_file", args=[waiting.pk])).status_code == 200


def test_a_meeting_under_way_may_be_reported_on_already(client, rep, deal):
    under_way = MeetingFactory(deal=deal, starts_at=timezone.now() - timedelta(minutes=30))
    client.force_login(rep)
    assert list(client.get(reverse("home")).context["reports_to_file"]) == [under_way]


def test_the_panel_is_left_out_when_every_report_is_filed(client, rep, deal):
    NegotiationReportFactory(meeting=_held(deal, days_ago=1))
    client.force_login(rep)
    response = client.get(reverse("home"))
    assert response.context["reports_to_file_count"] == 0
    assert 'data-testid="reports-to-file"' not in response.content.decode()


def test_only_the_reps_own_open_deals_count(client, rep, world, deal):
    other_rep = UserFactory()
    MembershipFactory(user=other_rep, team=world.team, role=Role.REP)
    _held(DealFactory(team=world.team, owner=other_rep, customer=deal.customer), days_ago=1)
    _held(DealFactory(team=world.team, owner=rep, customer=deal.customer, status=DealStatus.LOST), days_ago=1)
    mine = _held(deal, days_ago=1)
    client.force_login(rep)
    assert list(client.get(reverse("home")).context["reports_to_file"]) == [mine]
    # Nobody else is asked for the rep's report on their home.
    client.force_login(world.members[Role.MANAGER])
    assert "reports_to_file" not in client.get(reverse("home")).context


def test_the_panel_shows_the_longest_waiting_few_and_its_page_lists_them_all(client, rep, deal):
    meetings = [_held(deal, days_ago=days) for days in range(30, 2, -1)]
    client.force_login(rep)
    home = client.get(reverse("home"))
    assert [m.pk for m in home.context["reports_to_file"]] == [m.pk for m in meetings[:HOME_PANEL_ROWS]]
    assert home.context["reports_to_file_count"] == 28
    page = home.content.decode()
    assert "Showing 5 of 28 meetings" in page
    assert reverse("deals:reports_to_file") in page

    listed = client.get(reverse("deals:reports_to_file"))
    assert listed.context["page"].paginator.count == 28
    assert [m.pk for m in listed.context["page"].object_list] == [m.pk for m in meetings[:20]]
    second = client.get(reverse("deals:reports_to_file"), {"page": "2"})
    assert [m.pk for m in second.context["page"].object_list] == [m.pk for m in meetings[20:]]
    assert client.get(reverse("deals:reports_to_file"), {"page": "junk"}).status_code == 200


def test_the_list_is_empty_for_someone_without_reports_to_file(client, world):
    client.force_login(world.members[Role.PRODUCTION])
    response = client.get(reverse("deals:reports_to_file"))
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()


def test_the_reps_home_costs_the_same_queries_with_many_reports_to_file(
    client, rep, deal, django_assert_max_num_queries
):
    _held(deal, days_ago=1)
    client.force_login(rep)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for days in range(2, 22):
        _held(deal, days_ago=days)
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("home"))
    assert response.context["reports_to_file_count"] == 21
