import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deals.models import CoNegotiatorStatus, Meeting, OnCall, OnCallStatus
from teams.models import Membership, Notification
from tests.factories import CoNegotiatorRequestFactory, OnCallFactory
from tests.stale import hidden_in, revision_in, two_clients


def _words(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _ask(client, meeting, member, **fields):
    data = {"member": member.pk, "topic": "technical specs", "phone": "", **fields}
    return client.post(reverse("deals:on_call_new", args=[meeting.pk]), data)


def _move(meeting, *, by):
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + by, ends_at=meeting.ends_at + by
    )
    meeting.refresh_from_db()


def _cover_list(client, meeting) -> str:
    content = client.get(reverse("deals:detail", args=[meeting.deal_id])).content.decode()
    start = content.index('data-testid="meeting-cover"')
    return content[start : content.index("<strong>Co-negotiator", start)]


# Asking twice -----------------------------------------------------------------


def test_the_form_refuses_asking_the_same_colleague_twice(client, world, meeting):
    paul = world.members["production"]
    client.force_login(world.members["rep"])
    assert _ask(client, meeting, paul).status_code == 302
    response = _ask(client, meeting, paul, topic="delivery")
    assert response.status_code == 400
    assert f"{paul} has already been asked to be on call" in html.unescape(response.content.decode())
    assert OnCall.objects.filter(meeting=meeting, member=paul).count() == 1


# The number to call -------------------------------------------------------------


@pytest.mark.parametrize("phone", ["abc<script>x</script>", "12345", "1" * 33, "--- ---"])
def test_the_form_refuses_a_phone_number_that_is_not_one(client, world, meeting, phone):
    client.force_login(world.members["rep"])
    response = _ask(client, meeting, world.members["production"], phone=phone)
    assert response.status_code == 400
    assert response.context["form"].errors["phone"]
    assert "phone number" in " ".join(response.context["form"].errors["phone"])
    assert "<script>x" not in response.content.decode()
    assert not OnCall.objects.exists()


def test_a_colleague_without_a_number_on_file_is_refused_on_the_phone_field(client, world, meeting):
    paul = world.members["production"]
    Membership.objects.filter(user=paul).update(phone="")
    client.force_login(world.members["rep"])
    response = _ask(client, meeting, paul)
    assert response.status_code == 400
    # Only the service looks up the profile's number: its refusal names the field to fill in.
    assert response.context["form"].errors["phone"] == [
        f"{paul} has no phone number on file: enter the number to call."
    ]
    assert not OnCall.objects.exists()


def test_the_form_accepts_a_phone_number(client, world, meeting):
    client.force_login(world.members["rep"])
    assert _ask(client, meeting, world.members["production"], phone="+49 (30) 555-0103").status_code == 302
    assert OnCall.objects.get().phone == "+49 (30) 555-0103"


def test_the_deal_page_dials_digits_only(client, world, meeting):
    OnCallFactory(meeting=meeting, member=world.members["production"], phone="+49 (30) 555-0103")
    client.force_login(world.members["rep"])
    assert 'href="tel:+49305550103"' in _cover_list(client, meeting)


# Cover of a moved meeting -------------------------------------------------------


def test_the_cover_list_shows_the_window_with_its_date(client, world, meeting):
    on_call = OnCallFactory(meeting=meeting, member=world.members["production"])
    client.force_login(world.members["rep"])
    text = _words(_cover_list(client, meeting))
    start = timezone.localtime(on_call.available_from)
    assert start.strftime("%-d %b") in text
    assert "Accepted" in text
    assert "does not cover" not in text


def test_accepted_cover_of_a_moved_meeting_is_flagged_not_green(client, world, meeting):
    on_call = OnCallFactory(meeting=meeting, member=world.members["production"])
    _move(meeting, by=timedelta(days=1))
    client.force_login(world.members["rep"])
    cover = _cover_list(client, meeting)
    text = _words(cover)
    assert "does not cover the meeting's new time — ask again" in text
    assert "text-bg-success" not in cover
    # The old window, with its date, so the reader sees why.
    assert timezone.localtime(on_call.available_from).strftime("%-d %b") in text


def test_a_small_move_that_leaves_the_meeting_uncovered_is_flagged(client, world, meeting):
    OnCallFactory(meeting=meeting, member=world.members["production"])
    _move(meeting, by=timedelta(minutes=30))
    client.force_login(world.members["rep"])
    assert "does not cover the meeting's new time" in _words(_cover_list(client, meeting))


def test_a_pending_request_of_a_moved_meeting_is_flagged_too(client, world, meeting):
    OnCallFactory(meeting=meeting, member=world.members["production"], status=OnCallStatus.REQUESTED)
    _move(meeting, by=timedelta(days=1))
    client.force_login(world.members["rep"])
    assert "does not cover the meeting's new time" in _words(_cover_list(client, meeting))


def test_the_brief_flags_cover_of_a_moved_meeting(client, world, meeting):
    on_call = OnCallFactory(meeting=meeting, member=world.members["production"])
    _move(meeting, by=timedelta(days=1))
    client.force_login(world.members["rep"])
    content = client.get(reverse("deals:meeting_brief", args=[meeting.pk])).content.decode()
    start = content.index('data-testid="brief-on-call"')
    text = _words(content[start : content.index("</section>", start)])
    assert "does not cover the meeting's new time — ask again" in text
    assert timezone.localtime(on_call.available_from).strftime("%-d %b") in text


def test_the_colleague_sees_that_their_accepted_cover_no_longer_fits(client, world, meeting):
    paul = world.members["production"]
    OnCallFactory(meeting=meeting, member=paul)
    _move(meeting, by=timedelta(days=1))
    client.force_login(paul)
    content = client.get(reverse("home")).content.decode()
    start = content.index('data-testid="cover-requests"')
    assert "does not cover the meeting's new time" in _words(
        content[start : content.index("</section>", start)]
    )


def test_a_cover_window_at_the_end_of_the_calendar_is_a_field_error(client, world, meeting):
    rep = world.members["rep"]
    rep.time_zone = "America/Los_Angeles"
    rep.save(update_fields=["time_zone"])
    client.force_login(rep)
    response = _ask(
        client,
        meeting,
        world.members["production"],
        phone="+49 30 5550103",
        available_from="9999-12-31T22:00",
        available_to="9999-12-31T23:00",
    )
    assert response.status_code in (200, 400)
    assert "Enter a date between the years 1900 and 2200." in html.unescape(response.content.decode())
    assert not OnCall.objects.exists()


def test_a_colleague_already_asked_to_come_along_is_not_offered_again(client, world, meeting):
    from deals.models import CoNegotiatorStatus

    manager = world.members["manager"]
    client.force_login(world.members["rep"])
    picker = f'id="co-negotiator-{meeting.pk}"'

    def offered():
        page = client.get(reverse("deals:detail", args=[meeting.deal_id])).content.decode()
        select = page[page.index(picker) : page.index("</select>", page.index(picker))]
        return f'value="{manager.pk}"' in select

    assert offered()
    asked = CoNegotiatorRequestFactory(meeting=meeting, member=manager, status=CoNegotiatorStatus.ACCEPTED)
    assert not offered()
    asked.status = CoNegotiatorStatus.DECLINED
    asked.save()
    assert offered()


# Changing the details, and answers that race them ---------------------------------------------


def _edit_data(on_call, **overrides):
    """The edit form as the owner (in their time zone) sees it, changed by ``overrides``."""
    zone = ZoneInfo(on_call.meeting.deal.owner.time_zone)
    data = {
        "topic": on_call.topic,
        "phone": on_call.phone,
        "available_from": on_call.available_from.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "available_to": on_call.available_to.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "revision": str(on_call.revision),
    }
    data.update(overrides)
    return data


def _on_call(meeting, member, status=OnCallStatus.REQUESTED):
    """Cover asked for a window in whole minutes, as the form sends it back."""
    minute = meeting.starts_at.replace(second=0, microsecond=0)
    return OnCallFactory(
        meeting=meeting,
        member=member,
        status=status,
        available_from=minute - timedelta(minutes=15),
        available_to=meeting.ends_at.replace(second=0, microsecond=0) + timedelta(minutes=15),
    )


def test_the_owner_changes_the_details_and_the_colleague_is_asked_again(client, world, meeting):
    paul = world.members["production"]
    on_call = _on_call(meeting, paul, OnCallStatus.ACCEPTED)
    client.force_login(world.members["rep"])
    url = reverse("deals:on_call_edit", args=[on_call.pk])
    assert f'href="{url}"' in _cover_list(client, meeting)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="member"' not in page.content.decode()
    response = client.post(url, _edit_data(on_call, topic="delivery", revision=revision_in(page)))
    assert response.status_code == 302
    on_call.refresh_from_db()
    assert (on_call.topic, on_call.status, on_call.revision) == ("delivery", OnCallStatus.REQUESTED, 1)
    assert on_call.updated_by == world.members["rep"]
    assert Notification.objects.filter(recipient=paul, kind="on_call_requested").count() == 1
    changed = meeting.deal.activities.get(verb="on_call_changed")
    assert changed.changes["Topic"] == {"old": "technical specs", "new": "delivery"}


def test_saving_unchanged_details_asks_nobody_again(client, world, meeting):
    on_call = _on_call(meeting, world.members["production"], OnCallStatus.ACCEPTED)
    client.force_login(world.members["rep"])
    response = client.post(reverse("deals:on_call_edit", args=[on_call.pk]), _edit_data(on_call), follow=True)
    assert "Nothing changed" in _words(response.content.decode())
    on_call.refresh_from_db()
    assert (on_call.status, on_call.revision) == (OnCallStatus.ACCEPTED, 0)
    assert not Notification.objects.filter(kind="on_call_requested").exists()


def test_a_stale_on_call_change_changes_nothing_shows_what_differs_and_can_be_reapplied(world, meeting):
    rep = world.members["rep"]
    on_call = _on_call(meeting, world.members["production"])
    url = reverse("deals:on_call_edit", args=[on_call.pk])
    first, second = two_clients(rep)
    loaded = revision_in(second.get(url))
    assert first.post(url, _edit_data(on_call, topic="delivery", revision=loaded)).status_code == 302

    response = second.post(url, _edit_data(on_call, phone="+49 30 999999", revision=loaded))
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "saved this on-call cover at " in page and "after you opened it" in page
    assert str(rep) in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "delivery" in differences and "technical specs" in differences
    on_call.refresh_from_db()
    assert (on_call.topic, on_call.phone) == ("delivery", "+49 30 5550103")

    response = second.post(
        url, _edit_data(on_call, topic="specs", phone="+49 30 999999", revision=revision_in(response))
    )
    assert response.status_code == 302
    on_call.refresh_from_db()
    assert (on_call.topic, on_call.phone, on_call.revision) == ("specs", "+49 30 999999", 2)


def test_only_the_owner_changes_the_details(client, world, meeting):
    on_call = _on_call(meeting, world.members["production"])
    client.force_login(world.members["production"])
    url = reverse("deals:on_call_edit", args=[on_call.pk])
    assert client.post(url, _edit_data(on_call, topic="mine")).status_code == 403
    on_call.refresh_from_db()
    assert on_call.topic == "technical specs"


def _answer_form(client, on_call):
    """What the colleague's Accept/Decline form on their cover list sends besides the button."""
    page = client.get(reverse("deals:cover_invitations"))
    return hidden_in(page, reverse("deals:on_call_answer", args=[on_call.pk]))


def test_an_answer_to_details_changed_since_is_refused_and_changes_nothing(client, world, meeting):
    paul = world.members["production"]
    on_call = _on_call(meeting, paul)
    client.force_login(paul)
    seen = _answer_form(client, on_call)

    owner = Client()
    owner.force_login(world.members["rep"])
    url = reverse("deals:on_call_edit", args=[on_call.pk])
    assert owner.post(url, _edit_data(on_call, topic="delivery")).status_code == 302

    answer = reverse("deals:on_call_answer", args=[on_call.pk])
    response = client.post(answer, {**seen, "accept": "1", "next": "cover"}, follow=True)
    text = _words(response.content.decode())
    assert f"{world.members['rep']} changed the details after you opened them: read them again" in text
    on_call.refresh_from_db()
    assert on_call.status == OnCallStatus.REQUESTED
    assert on_call.responded_at is None
    assert not Notification.objects.filter(kind="cover_answered").exists()
    # Read again, the answer goes through.
    response = client.post(answer, {**_answer_form(client, on_call), "accept": "1"})
    assert response.status_code == 302
    on_call.refresh_from_db()
    assert on_call.status == OnCallStatus.ACCEPTED


def test_an_answer_to_cover_removed_since_is_told_so(client, world, meeting):
    paul = world.members["production"]
    on_call = _on_call(meeting, paul)
    client.force_login(paul)
    seen = _answer_form(client, on_call)
    owner = Client()
    owner.force_login(world.members["rep"])
    assert owner.post(reverse("deals:on_call_remove", args=[on_call.pk])).status_code == 302

    answer = reverse("deals:on_call_answer", args=[on_call.pk])
    response = client.post(answer, {**seen, "accept": "1"}, follow=True)
    assert response.status_code == 200
    assert "This request is no longer there" in _words(response.content.decode())
    assert not OnCall.objects.exists()
    # Without the page's key (or with another id's) it stays a plain 404.
    assert client.post(answer, {**seen, "shown": "forged", "accept": "1"}).status_code == 404
    other = reverse("deals:on_call_answer", args=[on_call.pk + 1000])
    assert client.post(other, {**seen, "accept": "1"}).status_code == 404


@pytest.mark.parametrize("first, second", [("1", "0"), ("0", "1")])
def test_accept_and_decline_racing_in_two_tabs_one_wins_and_the_other_is_told(world, meeting, first, second):
    paul = world.members["production"]
    on_call = _on_call(meeting, paul)
    one, two = two_clients(paul)
    seen_one, seen_two = _answer_form(one, on_call), _answer_form(two, on_call)
    answer = reverse("deals:on_call_answer", args=[on_call.pk])
    assert one.post(answer, {**seen_one, "accept": first}).status_code == 302

    response = two.post(answer, {**seen_two, "accept": second, "next": "cover"}, follow=True)
    done = "accepted" if first == "1" else "declined"
    assert f"You already {done} being on call" in _words(response.content.decode())
    on_call.refresh_from_db()
    assert on_call.status == (OnCallStatus.ACCEPTED if first == "1" else OnCallStatus.DECLINED)
    assert Notification.objects.filter(kind="cover_answered").count() == 1


def test_an_answer_without_what_the_page_showed_is_refused(client, world, meeting):
    paul = world.members["production"]
    on_call = _on_call(meeting, paul)
    client.force_login(paul)
    response = client.post(reverse("deals:on_call_answer", args=[on_call.pk]), {"accept": "1"}, follow=True)
    assert "This page is out of date" in _words(response.content.decode())
    on_call.refresh_from_db()
    assert on_call.status == OnCallStatus.REQUESTED


def _co_answer_form(client, request):
    page = client.get(reverse("deals:cover_invitations") + "?show=co_negotiator")
    return hidden_in(page, reverse("deals:co_negotiator_answer", args=[request.pk]))


def test_coming_along_accepted_and_declined_in_two_tabs_one_wins(world, meeting):
    manager = world.members["manager"]
    request = CoNegotiatorRequestFactory(meeting=meeting, member=manager)
    one, two = two_clients(manager)
    seen_one, seen_two = _co_answer_form(one, request), _co_answer_form(two, request)
    answer = reverse("deals:co_negotiator_answer", args=[request.pk])
    assert one.post(answer, {**seen_one, "accept": "1"}).status_code == 302
    response = two.post(answer, {**seen_two, "accept": "0"}, follow=True)
    assert "You already accepted coming along" in _words(response.content.decode())
    request.refresh_from_db()
    meeting.refresh_from_db()
    assert request.status == CoNegotiatorStatus.ACCEPTED
    assert list(meeting.co_negotiators.all()) == [manager]


def test_coming_along_after_being_asked_again_needs_a_fresh_read(world, meeting):
    manager, rep = world.members["manager"], world.members["rep"]
    request = CoNegotiatorRequestFactory(meeting=meeting, member=manager)
    one, two = two_clients(manager)
    stale = _co_answer_form(two, request)
    answer = reverse("deals:co_negotiator_answer", args=[request.pk])
    assert one.post(answer, {**_co_answer_form(one, request), "accept": "0"}).status_code == 302
    owner = Client()
    owner.force_login(rep)
    owner.post(reverse("deals:co_negotiator_new", args=[meeting.pk]), {"member": manager.pk})
    request.refresh_from_db()
    assert (request.status, request.revision) == (CoNegotiatorStatus.REQUESTED, 1)

    response = two.post(answer, {**stale, "accept": "1"}, follow=True)
    assert f"{rep} changed the details after you opened them" in _words(response.content.decode())
    request.refresh_from_db()
    assert request.status == CoNegotiatorStatus.REQUESTED


def test_answering_on_the_cover_list_comes_back_to_it_on_its_tab(world, meeting, client):
    paul, manager = world.members["production"], world.members["manager"]
    on_call = _on_call(meeting, paul)
    client.force_login(paul)
    seen = _answer_form(client, on_call)
    assert seen["next"] == "cover"
    response = client.post(reverse("deals:on_call_answer", args=[on_call.pk]), {**seen, "accept": "1"})
    assert response.url == reverse("deals:cover_invitations")

    request = CoNegotiatorRequestFactory(meeting=meeting, member=manager)
    client.force_login(manager)
    seen = _co_answer_form(client, request)
    answer = reverse("deals:co_negotiator_answer", args=[request.pk])
    request.delete()  # the owner withdrew it meanwhile: still back on the list, with the reason
    response = client.post(answer, {**seen, "accept": "1"})
    assert response.url == reverse("deals:cover_invitations") + "?show=co_negotiator"
