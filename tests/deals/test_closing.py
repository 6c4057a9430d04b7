"""Closing a deal with a reason, archiving it and restoring it; an archived deal is read-only and
leaves the lists, home panels and queues, and managers still find it."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Activity, BriefingStatus, Deal, DealStatus, Meeting
from deals.services.briefings import briefing_submit
from deals.services.closing import deal_archive, deal_close, deal_restore
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import Notification, Role
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import CoNegotiatorRequestFactory, DealFactory, MeetingFactory


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _closed(deal, by, outcome=DealStatus.LOST, reason="Lost to a cheaper offer"):
    return deal_close(deal=deal, by=by, outcome=outcome, reason=reason)


def _archived(deal, by):
    _closed(deal, by)
    deal_archive(deal=deal, by=by)
    deal.refresh_from_db()
    return deal


# Closing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN])
def test_the_owner_closes_a_deal_with_a_reason_on_the_deal_and_its_timeline(deal, rep, outcome):
    _closed(deal, rep, outcome=outcome, reason="  Signed at 212 EUR  ")

    deal.refresh_from_db()
    assert deal.status == outcome
    assert deal.closed_by == rep
    assert deal.close_reason == "Signed at 212 EUR"
    assert deal.closed_at is not None
    entry = deal.activities.get(verb="deal_closed")
    assert entry.actor == rep
    assert entry.summary == f"closed the deal as {DealStatus(outcome).label.lower()}: Signed at 212 EUR"
    assert entry.changes["Status"] == {"old": "Preparing", "new": DealStatus(outcome).label}


def test_a_manager_of_the_team_closes_a_deal(deal, manager):
    _closed(deal, manager)
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.closed_by == manager


def test_the_rep_is_told_when_a_manager_closes_or_archives_their_deal_and_not_of_their_own(
    deal, rep, manager
):
    _closed(deal, rep)
    assert not Notification.objects.filter(kind__in=["deal_closed", "deal_archived"]).exists()
    other = DealFactory(team=deal.team, owner=rep, customer=deal.customer)
    _closed(other, manager, reason="The customer went bankrupt")
    deal_archive(deal=other, by=manager)
    told = {n.kind: n for n in Notification.objects.filter(recipient=rep, kind__startswith="deal_")}
    assert set(told) == {"deal_closed", "deal_archived"}
    assert "closed it as lost" in told["deal_closed"].title
    assert "The customer went bankrupt" in told["deal_closed"].body
    assert "read-only until it is restored" in told["deal_archived"].body
    assert told["deal_archived"].url == reverse("deals:detail", args=[other.pk])


@pytest.mark.parametrize("who", [Role.PRODUCTION, Role.FINANCE, "outsider"])
def test_nobody_else_closes_a_deal(deal, world, who):
    with pytest.raises(NotAllowed):
        _closed(deal, world.user(who))
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert not Activity.objects.filter(verb="deal_closed").exists()


@pytest.mark.parametrize(
    ("outcome", "reason", "field"),
    [
        (DealStatus.LOST, "   ", "reason"),
        (DealStatus.LOST, "x" * 1001, "reason"),
        (DealStatus.NEGOTIATING, "Still talking", "outcome"),
        ("abandoned", "Gone", "outcome"),
    ],
)
def test_closing_needs_an_outcome_and_a_reason(deal, rep, outcome, reason, field):
    with pytest.raises(Invalid) as caught:
        _closed(deal, rep, outcome=outcome, reason=reason)
    assert field in caught.value.field_messages
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING


def test_of_two_closings_one_wins_and_the_other_is_told(deal, rep, manager):
    seen_by_manager = Deal.objects.get(pk=deal.pk)
    _closed(deal, rep, outcome=DealStatus.WON, reason="Signed")

    with pytest.raises(Stale, match="already closed as won by"):
        _closed(seen_by_manager, manager, outcome=DealStatus.LOST, reason="Gone quiet")
    deal.refresh_from_db()
    assert (deal.status, deal.close_reason, deal.closed_by) == (DealStatus.WON, "Signed", rep)
    assert deal.activities.filter(verb="deal_closed").count() == 1


def test_closing_cancels_the_meetings_ahead_and_tells_the_colleagues(deal, rep, meeting, manager):
    CoNegotiatorRequestFactory(meeting=meeting, member=manager)
    started = timezone.now() - timedelta(minutes=30)
    under_way = MeetingFactory(deal=deal, starts_at=started, ends_at=started + timedelta(hours=2))

    _closed(deal, rep)

    meeting.refresh_from_db()
    under_way.refresh_from_db()
    assert meeting.cancelled
    assert meeting.cancelled_reason == "The deal was closed as lost."
    assert not under_way.cancelled
    assert deal.activities.filter(verb="meeting_cancelled").count() == 1
    assert Notification.objects.filter(recipient=manager, kind="meeting_changed").exists()


# Archiving and restoring --------------------------------------------------------------------


def test_an_open_deal_is_not_archived(deal, rep):
    with pytest.raises(Invalid, match="Close the deal first"):
        deal_archive(deal=deal, by=rep)
    deal.refresh_from_db()
    assert deal.archived_at is None


def test_the_owner_archives_a_closed_deal_and_a_manager_restores_it(deal, rep, manager):
    _closed(deal, rep)
    assert deal_archive(deal=deal, by=rep) is True
    deal.refresh_from_db()
    assert deal.archived_at is not None
    assert deal.archived_by == rep
    assert deal.status == DealStatus.LOST

    assert deal_restore(deal=deal, by=manager) is True
    deal.refresh_from_db()
    assert deal.archived_at is None
    assert deal.status == DealStatus.LOST
    verbs = list(deal.activities.order_by("created_at", "pk").values_list("verb", "actor"))
    assert verbs[-2:] == [("deal_archived", rep.pk), ("deal_restored", manager.pk)]


def test_archiving_twice_or_restoring_twice_changes_nothing(deal, rep, manager):
    _closed(deal, rep)
    seen_by_manager = Deal.objects.get(pk=deal.pk)
    assert deal_archive(deal=deal, by=rep) is True
    assert deal_archive(deal=seen_by_manager, by=manager) is False
    deal.refresh_from_db()
    assert deal.archived_by == rep
    assert deal_restore(deal=deal, by=rep) is True
    assert deal_restore(deal=seen_by_manager, by=manager) is False
    assert deal.activities.filter(verb="deal_archived").count() == 1
    assert deal.activities.filter(verb="deal_restored").count() == 1


@pytest.mark.parametrize("who", [Role.PRODUCTION, "outsider"])
def test_nobody_else_archives_or_restores(deal, rep, world, who):
    _closed(deal, rep)
    with pytest.raises(NotAllowed):
        deal_archive(deal=deal, by=world.user(who))
    deal_archive(deal=deal, by=rep)
    with pytest.raises(NotAllowed):
        deal_restore(deal=deal, by=world.user(who))
    deal.refresh_from_db()
    assert deal.archived_at is not None


# Pages --------------------------------------------------------------------------------------


def test_the_owner_closes_the_deal_from_its_page(client, deal, rep, meeting):
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert reverse("deals:close", args=[deal.pk]) in page

    form = _page(client.get(reverse("deals:close", args=[deal.pk])))
    assert "Closing cancels 1 meeting ahead" in form

    response = client.post(
        reverse("deals:close", args=[deal.pk]), {"outcome": "withdrawn", "reason": "Budget frozen"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.WITHDRAWN
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "Closed: withdrawn" in page
    assert "Budget frozen" in page
    assert reverse("deals:archive", args=[deal.pk]) in page


def test_a_close_without_a_reason_keeps_the_form_and_changes_nothing(client, deal, rep):
    client.force_login(rep)
    response = client.post(reverse("deals:close", args=[deal.pk]), {"outcome": "lost", "reason": ""})
    assert response.status_code == 200
    assert "Say why the deal ends" in _page(response)
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING


def test_closing_a_closed_deal_again_redirects_with_a_notice(client, deal, rep):
    _closed(deal, rep)
    client.force_login(rep)
    response = client.post(
        reverse("deals:close", args=[deal.pk]), {"outcome": "won", "reason": "Oops"}, follow=True
    )
    assert "already lost" in _page(response)
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST


def test_an_archived_deal_opens_read_only_with_a_restore_button(client, deal, rep, manager):
    _archived(deal, rep)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "Archived: read-only for everyone" in page
    assert reverse("deals:restore", args=[deal.pk]) in page
    for name in ("deals:edit", "deals:briefing_edit", "deals:meeting_add", "deals:contact_add"):
        assert f'href="{reverse(name, args=[deal.pk])}"' not in page, name

    client.force_login(manager)
    response = client.post(reverse("deals:restore", args=[deal.pk]))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.archived_at is None


@pytest.mark.parametrize(
    "name", ["deals:edit", "deals:briefing_edit", "deals:meeting_add", "deals:contact_add", "deals:close"]
)
def test_an_archived_deal_refuses_every_change_by_its_owner(client, deal, rep, name):
    _archived(deal, rep)
    client.force_login(rep)
    response = client.get(reverse(name, args=[deal.pk]))
    if name == "deals:close":
        assert response.status_code == 302  # already closed: back to the deal with a notice
    else:
        assert response.status_code == 403


def test_an_archived_deals_briefing_is_not_decided(client, deal, rep, manager):
    fill_briefing(deal.briefing, rep)
    briefing_submit(briefing=deal.briefing, by=rep)
    client.force_login(manager)
    assert deal.title in _page(client.get(reverse("deals:approvals")))
    _archived(deal, rep)
    assert client.post(reverse("deals:briefing_approve", args=[deal.pk])).status_code == 403
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.SUBMITTED
    assert _page(client.get(reverse("deals:approvals"))).count(deal.title) == 0


# The lists ----------------------------------------------------------------------------------


def _list(client, user, query=""):
    client.force_login(user)
    return _page(client.get(reverse("deals:list") + query))


def test_an_archived_deal_leaves_the_deal_list_and_managers_find_it(client, world, deal, rep, manager):
    other = DealFactory(team=world.team, owner=rep, customer=deal.customer, title="Pumps frame contract")
    _archived(deal, rep)

    assert deal.title not in _list(client, rep)
    assert other.title in _list(client, rep)
    assert deal.title not in _list(client, rep, "?archived=only")  # reps have no such filter
    assert deal.title not in _list(client, manager)

    archived_only = _list(client, manager, "?archived=only")
    assert deal.title in archived_only
    assert other.title not in archived_only
    both = _list(client, manager, f"?archived=include&q={deal.title}")
    assert deal.title in both
    assert 'data-testid="deal-archived"' in both
    assert "Archived deals" in _list(client, manager)
    assert "Archived deals" not in _list(client, rep)


def test_an_outsider_manager_never_lists_another_teams_archived_deal(client, world, deal, rep):
    _archived(deal, rep)
    assert deal.title not in _list(client, world.outsider, "?archived=only")
    assert deal.title not in _list(client, world.outsider, "?archived=include")


def test_the_managers_pipeline_leaves_archived_deals_out(client, world, deal, rep, manager):
    DealFactory(team=world.team, owner=rep, status=DealStatus.LOST)
    _archived(deal, rep)
    client.force_login(manager)
    stages = {
        stage["status"]: stage["count"] for stage in client.get(reverse("home")).context["pipeline_stages"]
    }
    assert stages[DealStatus.LOST] == 1
    assert sum(stages.values()) == 1


def test_reports_of_archived_deals_leave_the_managers_reports(client, deal, rep, manager, past_meeting):
    from deals.services.reports import report_file

    report_file(meeting=past_meeting, by=rep, outcome="lost", agreed_price=None)
    client.force_login(manager)
    assert client.get(reverse("deals:reports")).context["page"].paginator.count == 1
    deal.refresh_from_db()
    deal_archive(deal=deal, by=rep)
    assert client.get(reverse("deals:reports")).context["page"].paginator.count == 0
    assert Meeting.objects.filter(pk=past_meeting.pk, report__isnull=False).exists()


def test_departments_answer_and_decide_nothing_on_an_archived_deal(client, world, deal, rep):
    from tests.access_matrix import _payment_request, _production_consultation

    consultation = _production_consultation(world)
    request = _payment_request(world)
    answer_url = reverse("deals:consultation_answer", args=[consultation.pk])
    decide_url = reverse("deals:payment_request_decide", args=[request.pk])
    client.force_login(world.members[Role.PRODUCTION])
    assert client.get(answer_url).status_code == 200
    _archived(deal, rep)

    assert client.get(answer_url).status_code == 403
    client.force_login(world.members[Role.FINANCE])
    response = client.post(decide_url, {"decision": "approve", "note": "Fine", "revision": "0"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "submitted"


def test_a_stale_edit_link_on_an_archived_deal_says_why_it_is_refused(client, deal, rep):
    _archived(deal, rep)
    client.force_login(rep)
    response = client.get(reverse("deals:edit", args=[deal.pk]))
    assert response.status_code == 403
    assert "This deal is archived and read-only: restore it first." in _page(response)


def test_archiving_a_deal_a_report_closed_cancels_its_meetings_ahead(deal, rep, meeting, past_meeting):
    from deals.services.reports import report_file

    report_file(meeting=past_meeting, by=rep, outcome="lost")
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    meeting.refresh_from_db()
    assert not meeting.cancelled

    deal_archive(deal=deal, by=rep)
    meeting.refresh_from_db()
    assert meeting.cancelled
    assert meeting.cancelled_reason == "The deal was archived."
