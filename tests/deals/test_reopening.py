"""Reopening a closed deal: the customer came back, or it was closed by mistake. The owner or a
manager of its team reopens it with a reason; it is an open deal again and takes meetings."""

import html

import pytest
from django.urls import reverse

from deals.models import Activity, DealStatus
from deals.services.closing import deal_archive, deal_close, deal_reopen
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import Notification, Role
from tests.factories import NegotiationReportFactory


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _closed(deal, by, outcome=DealStatus.LOST):
    deal_close(deal=deal, by=by, outcome=outcome, reason="Lost to a cheaper offer")
    deal.refresh_from_db()
    return deal


def test_the_owner_reopens_a_lost_deal_with_a_reason(deal, rep):
    _closed(deal, rep)
    revision = deal.revision
    deal_reopen(deal=deal, by=rep, reason="  They came back with a new budget  ")

    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert (deal.closed_at, deal.closed_by, deal.close_reason) == (None, None, "")
    assert deal.revision == revision + 1
    entry = deal.activities.get(verb="deal_reopened")
    assert entry.actor == rep
    assert entry.summary == "reopened the deal: They came back with a new budget"
    assert entry.changes["Status"] == {"old": "Lost", "new": "Preparing"}
    # The closing stays on the timeline.
    assert deal.activities.filter(verb="deal_closed").exists()
    assert not Notification.objects.filter(kind="deal_reopened").exists()


def test_a_deal_with_a_reported_meeting_goes_back_to_negotiating(deal, rep, past_meeting):
    NegotiationReportFactory(meeting=past_meeting)
    _closed(deal, rep, outcome=DealStatus.WON)
    deal_reopen(deal=deal, by=rep, reason="The order was cancelled; talks go on")
    deal.refresh_from_db()
    assert deal.status == DealStatus.NEGOTIATING


def test_a_manager_reopens_a_reps_deal_and_the_rep_is_told(deal, rep, manager):
    _closed(deal, manager)
    deal_reopen(deal=deal, by=manager, reason="Closed by mistake")
    deal.refresh_from_db()
    assert deal.is_open
    told = Notification.objects.get(recipient=rep, kind="deal_reopened")
    assert "reopened it" in told.title
    assert "Closed by mistake" in told.body
    assert told.url == reverse("deals:detail", args=[deal.pk])


def test_an_open_deal_is_not_reopened(deal, rep):
    with pytest.raises(Stale, match="open already"):
        deal_reopen(deal=deal, by=rep, reason="Again")
    assert not Activity.objects.filter(verb="deal_reopened").exists()


def test_reopening_twice_reopens_once(deal, rep, manager):
    _closed(deal, rep)
    stale_copy = type(deal).objects.get(pk=deal.pk)
    deal_reopen(deal=deal, by=rep, reason="First")
    with pytest.raises(Stale):
        deal_reopen(deal=stale_copy, by=manager, reason="Second")
    assert deal.activities.filter(verb="deal_reopened").count() == 1


def test_an_archived_deal_is_restored_before_it_is_reopened(deal, rep):
    _closed(deal, rep)
    deal_archive(deal=deal, by=rep)
    with pytest.raises(Invalid, match="Restore the deal"):
        deal_reopen(deal=deal, by=rep, reason="Back")
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST


@pytest.mark.parametrize(("reason", "message"), [("   ", "Say why"), ("x" * 1001, "1,000 characters")])
def test_a_reopening_without_a_fit_reason_changes_nothing(deal, rep, reason, message):
    _closed(deal, rep)
    with pytest.raises(Invalid, match=message):
        deal_reopen(deal=deal, by=rep, reason=reason)
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST


@pytest.mark.parametrize("who", [Role.PRODUCTION, Role.FINANCE, "outsider"])
def test_nobody_else_reopens_a_deal(deal, rep, world, who):
    _closed(deal, rep)
    with pytest.raises(NotAllowed):
        deal_reopen(deal=deal, by=world.user(who), reason="Mine now")
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST


# Pages -----------------------------------------------------------------------------------------


def test_the_owner_reopens_the_deal_from_its_page_and_plans_a_meeting(client, deal, rep):
    _closed(deal, rep)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert reverse("deals:reopen", args=[deal.pk]) in page
    assert client.get(reverse("deals:meeting_add", args=[deal.pk])).status_code != 200

    form = _page(client.get(reverse("deals:reopen", args=[deal.pk])))
    assert "was closed as lost" in form
    response = client.post(reverse("deals:reopen", args=[deal.pk]), {"reason": "New budget"})
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk])
    page = _page(client.get(response["Location"]))
    assert "The deal is open again (preparing)" in page
    assert reverse("deals:close", args=[deal.pk]) in page
    assert "reopened the deal: New budget" in _page(client.get(reverse("deals:timeline", args=[deal.pk])))
    assert client.get(reverse("deals:meeting_add", args=[deal.pk])).status_code == 200


def test_a_reopening_without_a_reason_keeps_the_form_and_changes_nothing(client, deal, rep):
    _closed(deal, rep)
    client.force_login(rep)
    response = client.post(reverse("deals:reopen", args=[deal.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "Say why the deal is open again" in _page(response)
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST


def test_the_reopen_page_of_an_open_or_archived_deal_says_why_and_goes_back(client, deal, rep):
    client.force_login(rep)
    response = client.get(reverse("deals:reopen", args=[deal.pk]), follow=True)
    assert "nothing to reopen" in _page(response)
    _closed(deal, rep)
    deal_archive(deal=deal, by=rep)
    response = client.post(reverse("deals:reopen", args=[deal.pk]), {"reason": "Back"}, follow=True)
    assert "Restore the deal to the lists first" in _page(response)
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST


def test_the_reopen_page_is_not_for_the_other_roles(client, world, deal, rep):
    _closed(deal, rep)
    client.force_login(world.user("outsider"))
    assert client.get(reverse("deals:reopen", args=[deal.pk])).status_code == 404
    client.force_login(world.user(Role.MANAGER))
    assert client.get(reverse("deals:reopen", args=[deal.pk])).status_code == 200
