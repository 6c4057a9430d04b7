import html
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Activity, CoNegotiatorStatus, DealStatus, Meeting, OnCallStatus
from teams.models import Notification, Role
from tests.factories import (
    CoNegotiatorRequestFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    MeetingFactory,
    OnCallFactory,
)
from tests.stale import revision_in, two_clients


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _meeting_data(**overrides):
    start = timezone.now() + timedelta(days=4)
    data = {
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=2)),
        "stage": "negotiation",
        "location": "Acme HQ, room 4",
        "video_link": "",
    }
    data.update(overrides)
    return data


def _page(response) -> str:
    return html.unescape(response.content.decode())


# Adding ---------------------------------------------------------------------


def test_the_owner_adds_a_meeting_with_the_customers_contacts(client, rep, world):
    deal = world.objects["deal"]
    contact = world.objects["contact"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_add", args=[deal.pk]), _meeting_data(stage="final", contacts=[contact.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk]) + "#meetings"
    meeting = deal.meetings.get(stage="final")
    assert meeting.location == "Acme HQ, room 4"
    assert list(meeting.contacts.all()) == [contact]
    assert deal.activities.filter(verb="meeting_scheduled", actor=rep).count() == 1


def test_the_new_meeting_form_starts_with_the_last_meetings_people(client, rep, world):
    client.force_login(rep)
    response = client.get(reverse("deals:meeting_add", args=[world.objects["deal"].pk]))
    form = response.context["form"]
    assert form["contacts"].value() == [world.objects["contact"].pk]
    assert form["stage"].value() == "negotiation"


def test_times_are_read_in_the_users_time_zone(client, rep, world):
    rep.time_zone = "America/New_York"
    rep.save()
    client.force_login(rep)
    year = timezone.now().year + 2
    client.post(
        reverse("deals:meeting_add", args=[world.objects["deal"].pk]),
        _meeting_data(starts_at=f"{year}-01-15T09:00", ends_at=f"{year}-01-15T10:30"),
    )
    meeting = world.objects["deal"].meetings.get(starts_at__year=year)
    assert meeting.starts_at == datetime(year, 1, 15, 14, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(year, 1, 15, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "starts_at": _local(timezone.now() - timedelta(days=1)),
                "ends_at": _local(timezone.now() - timedelta(days=1) + timedelta(hours=1)),
            },
            "The meeting cannot start in the past.",
        ),
        (
            {
                "starts_at": _local(timezone.now() + timedelta(days=3)),
                "ends_at": _local(timezone.now() + timedelta(days=3)),
            },
            "The meeting must end after it starts.",
        ),
        ({"ends_at": ""}, "This field is required."),
        ({"starts_at": "2100-06-01T10:00", "ends_at": "2100-06-01T11:00"}, "at most 3 years ahead"),
        ({"starts_at": "9999-12-31T23:00", "ends_at": "9999-12-31T23:59"}, "between the years 1900 and 2200"),
        (
            {
                "starts_at": _local(timezone.now() + timedelta(days=3)),
                "ends_at": _local(timezone.now() + timedelta(days=30)),
            },
            "A meeting lasts at most 7 days",
        ),
        ({"starts_at": "2030-02-30T10:00"}, "Enter a date and time"),
        ({"location": "", "video_link": ""}, "Give a location or a video link"),
        ({"location": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"stage": "celebration"}, "Select a valid choice."),
    ],
)
def test_an_invalid_meeting_shows_a_clear_message_and_is_not_added(client, rep, world, overrides, message):
    deal = world.objects["deal"]
    client.force_login(rep)
    response = client.post(reverse("deals:meeting_add", args=[deal.pk]), _meeting_data(**overrides))
    assert response.status_code == 200
    assert message in _page(response)
    assert deal.meetings.count() == 1
    assert not Activity.objects.exists()


def test_contacts_of_another_customer_cannot_attend(client, rep, world):
    deal = world.objects["deal"]
    stranger = ContactFactory(customer=CustomerFactory(team=world.team))
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_add", args=[deal.pk]), _meeting_data(contacts=[stranger.pk])
    )
    assert "Pick only contacts of this deal's customer." in _page(response)
    assert deal.meetings.count() == 1


@pytest.mark.parametrize("status", [DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN])
def test_a_closed_deal_refuses_new_meetings_with_a_message(client, rep, world, status):
    deal = DealFactory(team=world.team, owner=rep, status=status, customer=world.objects["customer"])
    client.force_login(rep)
    response = client.post(reverse("deals:meeting_add", args=[deal.pk]), _meeting_data(), follow=True)
    assert f"This deal is {status.label.lower()}" in _page(response)
    assert not deal.meetings.exists()
    assert client.get(reverse("deals:meeting_add", args=[deal.pk])).status_code == 302


def test_a_manager_may_not_add_a_meeting(client, manager, world):
    deal = world.objects["deal"]
    client.force_login(manager)
    assert client.post(reverse("deals:meeting_add", args=[deal.pk]), _meeting_data()).status_code == 403
    assert deal.meetings.count() == 1


@pytest.mark.parametrize("who", ["outsider", "staff", Role.SUPPLY_CHAIN])
def test_others_get_404_when_adding_a_meeting(client, world, who):
    deal = world.objects["deal"]
    client.force_login(world.user(who))
    assert client.post(reverse("deals:meeting_add", args=[deal.pk]), _meeting_data()).status_code == 404
    assert deal.meetings.count() == 1


# Moving ---------------------------------------------------------------------


def test_the_owner_moves_the_meeting_and_the_timeline_shows_old_and_new(client, rep, world):
    meeting = world.objects["meeting"]
    old_start = meeting.starts_at
    new_start = (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(
            revision=meeting.revision,
            starts_at=_local(new_start),
            ends_at=_local(new_start + timedelta(hours=1)),
            location=meeting.location,
            contacts=[world.objects["contact"].pk],
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == new_start
    activity = meeting.deal.activities.get(verb="meeting_moved")
    assert activity.summary == "moved the negotiation meeting"
    assert activity.changes["Start"] == {"old": old_start.isoformat(), "new": new_start.isoformat()}
    assert "Location" not in activity.changes
    page = _page(client.get(reverse("deals:detail", args=[meeting.deal.pk])))
    assert "moved the negotiation meeting" in page
    assert timezone.localtime(new_start).strftime("%H:%M") in page


def test_saving_the_meeting_unchanged_records_nothing(client, rep, world):
    meeting = world.objects["meeting"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(
            revision=meeting.revision,
            starts_at=_local(meeting.starts_at),
            ends_at=_local(meeting.ends_at),
            location=meeting.location,
            contacts=[world.objects["contact"].pk],
        ),
        follow=True,
    )
    assert "Nothing changed." in _page(response)
    assert not Activity.objects.exists()
    before = meeting.starts_at
    meeting.refresh_from_db()
    assert meeting.starts_at == before


def test_a_stale_meeting_save_changes_nothing_shows_what_differs_and_can_be_reapplied(rep, world):
    meeting = world.objects["meeting"]
    dana = world.objects["contact"]
    ken = ContactFactory(customer=meeting.deal.customer, name="Ken Tech", title="")
    url = reverse("deals:meeting_edit", args=[meeting.pk])
    times = {"starts_at": _local(meeting.starts_at), "ends_at": _local(meeting.ends_at)}
    first, second = two_clients(rep)
    loaded = revision_in(second.get(url))
    response = first.post(
        url, _meeting_data(**times, location="Room 1", contacts=[dana.pk, ken.pk], revision=loaded)
    )
    assert response.status_code == 302

    response = second.post(
        url, _meeting_data(**times, location="Room 2", contacts=[dana.pk], revision=loaded)
    )
    assert response.status_code == 409
    page = _page(response)
    assert (
        f"{rep} saved this meeting at " in page and "after you opened it: nothing you typed was saved" in page
    )
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "Room 1" in differences and "Room 2" in differences
    assert "Who we meet" in differences and "Ken Tech" in differences
    meeting.refresh_from_db()
    assert meeting.location == "Room 1"
    assert sorted(c.name for c in meeting.contacts.all()) == ["Dana Buyer", "Ken Tech"]
    assert meeting.deal.activities.filter(verb="meeting_updated").count() == 1

    # The refused form carries the current revision: saving it again puts this version over it.
    reapplied = revision_in(response)
    assert reapplied != loaded
    response = second.post(
        url, _meeting_data(**times, location="Room 2", contacts=[dana.pk], revision=reapplied)
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.location == "Room 2"
    assert [c.name for c in meeting.contacts.all()] == ["Dana Buyer"]


def test_a_meeting_save_without_its_revision_is_refused(client, rep, world):
    meeting = world.objects["meeting"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]), _meeting_data(location="Nowhere")
    )
    assert "This form is out of date" in _page(response)
    meeting.refresh_from_db()
    assert meeting.location != "Nowhere"


def test_an_edit_loaded_before_another_tab_cancelled_the_meeting_is_told_and_changes_nothing(rep, world):
    meeting = world.objects["meeting"]
    edit_url = reverse("deals:meeting_edit", args=[meeting.pk])
    cancel_url = reverse("deals:meeting_cancel", args=[meeting.pk])
    first, second = two_clients(rep)
    loaded = revision_in(second.get(edit_url))
    response = first.post(cancel_url, {"reason": "Plant closed"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200

    response = second.post(edit_url, _meeting_data(location="Elsewhere", revision=loaded), follow=True)
    assert response.status_code == 200
    assert "This meeting was cancelled; schedule a new one instead." in _page(response)
    # Its cancel button, still on the page, is told too.
    response = second.post(cancel_url, {"reason": "Also closed"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "This meeting was already cancelled; nothing changed." in _page(response)
    meeting.refresh_from_db()
    assert (meeting.cancelled, meeting.cancelled_reason, meeting.location) == (
        True,
        "Plant closed",
        "Customer HQ, meeting room 2",
    )
    assert meeting.updated_by == rep
    assert meeting.deal.activities.filter(verb="meeting_cancelled").count() == 1
    assert not meeting.deal.activities.filter(verb__in=["meeting_moved", "meeting_updated"]).exists()


def test_a_meeting_cannot_be_moved_into_the_past(client, rep, world):
    meeting = world.objects["meeting"]
    before = meeting.starts_at
    client.force_login(rep)
    past = timezone.now() - timedelta(hours=5)
    response = client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(
            revision=meeting.revision, starts_at=_local(past), ends_at=_local(past + timedelta(hours=1))
        ),
    )
    assert "The meeting cannot start in the past." in _page(response)
    meeting.refresh_from_db()
    assert meeting.starts_at == before
    assert not Activity.objects.exists()


def test_a_meeting_cannot_be_moved_to_the_end_of_time(client, rep, world):
    meeting = world.objects["meeting"]
    before = meeting.starts_at
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(revision=meeting.revision, starts_at="9999-12-31T23:00", ends_at="9999-12-31T23:59"),
    )
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2200." in _page(response)
    meeting.refresh_from_db()
    assert meeting.starts_at == before


def test_the_meeting_form_offers_only_the_deals_customers_contacts(client, rep, world):
    ContactFactory(customer=CustomerFactory(team=world.team), name="Not Invited")
    client.force_login(rep)
    page = _page(client.get(reverse("deals:meeting_edit", args=[world.objects["meeting"].pk])))
    assert "Dana Buyer" in page
    assert "Not Invited" not in page


def test_a_cancelled_meeting_cannot_be_edited(client, rep, world):
    meeting = world.objects["meeting"]
    Meeting.objects.filter(pk=meeting.pk).update(cancelled=True)
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(revision=meeting.revision, location="Elsewhere"),
        follow=True,
    )
    assert "This meeting was cancelled" in _page(response)
    meeting.refresh_from_db()
    assert meeting.location != "Elsewhere"


def test_a_manager_may_not_move_a_meeting(client, manager, world):
    meeting = world.objects["meeting"]
    client.force_login(manager)
    response = client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(revision=meeting.revision, location="Moved"),
    )
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.location != "Moved"


def test_a_meeting_of_another_team_is_404(client, world):
    foreign_meeting = MeetingFactory(deal=DealFactory(team=world.other_team))
    client.force_login(world.members[Role.REP])
    assert client.get(reverse("deals:meeting_edit", args=[foreign_meeting.pk])).status_code == 404
    response = client.post(reverse("deals:meeting_cancel", args=[foreign_meeting.pk]))
    assert response.status_code == 404
    foreign_meeting.refresh_from_db()
    assert foreign_meeting.cancelled is False


# Cancelling -----------------------------------------------------------------


def test_the_owner_cancels_a_meeting_with_a_reason(client, rep, world):
    meeting = world.objects["meeting"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_cancel", args=[meeting.pk]), {"reason": "Plant closed"}, follow=True
    )
    assert "was cancelled" in _page(response)
    meeting.refresh_from_db()
    assert meeting.cancelled is True
    assert meeting.cancelled_reason == "Plant closed"
    assert meeting.deal.activities.filter(verb="meeting_cancelled").count() == 1


def test_cancelling_an_already_cancelled_meeting_says_so_and_changes_nothing(client, rep, world):
    meeting = world.objects["meeting"]
    client.force_login(rep)
    client.post(reverse("deals:meeting_cancel", args=[meeting.pk]), {"reason": "First"})
    response = client.post(
        reverse("deals:meeting_cancel", args=[meeting.pk]), {"reason": "Second"}, follow=True
    )
    assert "already cancelled" in _page(response)
    meeting.refresh_from_db()
    assert meeting.cancelled_reason == "First"
    assert meeting.deal.activities.filter(verb="meeting_cancelled").count() == 1


def test_a_too_long_reason_is_refused(client, rep, world):
    meeting = world.objects["meeting"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_cancel", args=[meeting.pk]), {"reason": "x" * 301}, follow=True
    )
    assert "Keep the reason under 300 characters" in _page(response)
    meeting.refresh_from_db()
    assert meeting.cancelled is False


def test_cancelling_takes_a_post(client, rep, world):
    client.force_login(rep)
    assert client.get(reverse("deals:meeting_cancel", args=[world.objects["meeting"].pk])).status_code == 405


def test_an_htmx_cancel_swaps_the_meetings_and_refreshes_the_timeline(client, rep, world):
    meeting = world.objects["meeting"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:meeting_cancel", args=[meeting.pk]), {"reason": "Strike"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = _page(response)
    assert 'id="meetings"' in page
    assert 'id="timeline"' in page
    assert 'hx-swap-oob="true"' in page
    assert "Strike" in page
    # The readiness beside it follows: without a meeting the first check fails.
    readiness = page[page.index('id="readiness-panel"') :]
    assert 'hx-swap-oob="true"' in readiness.split(">", 1)[0]
    assert 'data-check="meeting" data-state="missing" data-ok="no"' in readiness
    # A cancelled meeting is listed apart from the upcoming ones.
    upcoming = page[page.index(">Upcoming<") : page.index(">Cancelled<")]
    assert 'data-testid="no-upcoming-meeting"' in upcoming
    assert "<html" not in page
    meeting.refresh_from_db()
    assert meeting.cancelled is True


def test_a_manager_may_not_cancel_a_meeting(client, manager, world):
    meeting = world.objects["meeting"]
    client.force_login(manager)
    assert (
        client.post(reverse("deals:meeting_cancel", args=[meeting.pk]), {"reason": "No"}).status_code == 403
    )
    meeting.refresh_from_db()
    assert meeting.cancelled is False
    assert not Activity.objects.exists()


# Colleagues on call or coming along --------------------------------------------------


def _colleagues(world, meeting):

    on_call = world.members[Role.PRODUCTION]
    declined = world.members[Role.SUPPLY_CHAIN]
    along = world.members[Role.MANAGER]
    OnCallFactory(meeting=meeting, member=on_call)
    OnCallFactory(meeting=meeting, member=declined, status=OnCallStatus.DECLINED)
    CoNegotiatorRequestFactory(meeting=meeting, member=along, status=CoNegotiatorStatus.ACCEPTED)
    meeting.co_negotiators.add(along)
    return on_call, declined, along


def test_moving_a_meeting_tells_the_colleagues_on_call_and_coming_along(client, rep, world):
    meeting = world.objects["meeting"]
    on_call, declined, along = _colleagues(world, meeting)
    client.force_login(rep)
    new_start = timezone.now() + timedelta(days=5)
    client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(
            revision=meeting.revision,
            starts_at=_local(new_start),
            ends_at=_local(new_start + timedelta(hours=1)),
        ),
    )
    told = Notification.objects.filter(kind="meeting_changed")
    assert sorted(n.recipient_id for n in told) == sorted([on_call.pk, along.pk])
    assert "moved to" in told[0].title
    assert "Was:" in told[0].body and "Now:" in told[0].body
    assert "will ask you again for the new one" in told[0].body
    page = _page(client.get(reverse("deals:detail", args=[meeting.deal_id])))
    assert f"The on-call cover of {on_call} was for the old time and no longer counts" in page


def test_cancelling_a_meeting_tells_them_too_and_a_new_room_alone_tells_nobody(client, rep, world):
    meeting = world.objects["meeting"]
    on_call, _, along = _colleagues(world, meeting)
    client.force_login(rep)
    client.post(
        reverse("deals:meeting_edit", args=[meeting.pk]),
        _meeting_data(
            revision=meeting.revision,
            starts_at=_local(meeting.starts_at),
            ends_at=_local(meeting.ends_at),
            location="Room 7",
        ),
    )
    assert not Notification.objects.filter(kind="meeting_changed").exists()
    client.post(reverse("deals:meeting_cancel", args=[meeting.pk]), {"reason": "Customer strike"})
    told = Notification.objects.filter(kind="meeting_changed")
    assert sorted(n.recipient_id for n in told) == sorted([on_call.pk, along.pk])
    assert "was cancelled" in told[0].title
    assert "Customer strike" in told[0].body
