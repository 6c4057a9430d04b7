import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Meeting, OnCall, OnCallStatus
from teams.models import Membership
from tests.factories import CoNegotiatorRequestFactory, OnCallFactory


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
    asked = CoNegotiatorRequestFactory(
        meeting=meeting, member=manager, status=CoNegotiatorStatus.ACCEPTED
    )
    assert not offered()
    asked.status = CoNegotiatorStatus.DECLINED
    asked.save()
    assert offered()
