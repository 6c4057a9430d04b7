from datetime import timedelta

import pytest

from deals.access import deals_for_user
from deals.models import Meeting, OnCall, OnCallStatus
from deals.selectors.cover import cover_requests_for, overlapping_on_calls
from deals.services.cover import (
    co_negotiator_request,
    co_negotiator_respond,
    on_call_remove,
    on_call_request,
    on_call_respond,
    on_call_update,
)
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import Notification


def test_the_rep_asks_a_colleague_who_is_notified_and_sees_the_deal(world, meeting):
    paul = world.members["production"]
    assert not deals_for_user(user=paul).filter(pk=meeting.deal_id).exists()
    on_call = on_call_request(meeting=meeting, by=world.members["rep"], member=paul, topic="specs")
    assert on_call.phone == "+49 30 1234567"  # from the membership
    assert on_call.available_from < meeting.starts_at and on_call.available_to > meeting.ends_at
    assert Notification.objects.filter(recipient=paul, kind="on_call_requested").exists()
    assert deals_for_user(user=paul).filter(pk=meeting.deal_id).exists()
    assert cover_requests_for(user=paul)["on_call_requests"] == [on_call]


def test_the_rep_cannot_cover_themselves(world, meeting):
    with pytest.raises(Invalid, match="cannot cover themselves"):
        on_call_request(meeting=meeting, by=world.members["rep"], member=world.members["rep"], topic="x")
    assert not OnCall.objects.exists()


def test_an_outsider_cannot_be_asked(world, meeting):
    with pytest.raises(Invalid, match="member of the deal's team"):
        on_call_request(meeting=meeting, by=world.members["rep"], member=world.outsider, topic="x")


def test_the_window_must_cover_the_meeting(world, meeting):
    with pytest.raises(Invalid, match="cover the whole meeting"):
        on_call_request(
            meeting=meeting,
            by=world.members["rep"],
            member=world.members["finance"],
            topic="terms",
            available_from=meeting.starts_at + timedelta(minutes=10),
        )
    assert not OnCall.objects.exists()


@pytest.mark.parametrize("role", ["manager", "production", "finance"])
def test_only_the_owner_arranges_cover(world, meeting, role):
    with pytest.raises(NotAllowed):
        on_call_request(meeting=meeting, by=world.members[role], member=world.members["finance"], topic="x")
    assert not OnCall.objects.exists()


def test_only_the_colleague_answers_and_the_rep_is_told(world, meeting):
    on_call = on_call_request(
        meeting=meeting, by=world.members["rep"], member=world.members["production"], topic="specs"
    )
    with pytest.raises(NotAllowed):
        on_call_respond(on_call=on_call, by=world.members["manager"], accept=True)
    on_call_respond(on_call=on_call, by=world.members["production"], accept=True)
    on_call.refresh_from_db()
    assert on_call.status == OnCallStatus.ACCEPTED
    assert Notification.objects.filter(recipient=world.members["rep"], kind="cover_answered").exists()


def test_a_cover_the_meeting_moved_away_from_cannot_be_accepted(world, meeting):
    on_call = on_call_request(
        meeting=meeting, by=world.members["rep"], member=world.members["production"], topic="specs"
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(days=1), ends_at=meeting.ends_at + timedelta(days=1)
    )
    with pytest.raises(Invalid, match="no longer spans it"):
        on_call_respond(on_call=on_call, by=world.members["production"], accept=True)
    on_call.refresh_from_db()
    assert on_call.status == OnCallStatus.REQUESTED
    # Declining stays possible.
    on_call_respond(on_call=on_call, by=world.members["production"], accept=False)


def test_overlapping_commitments_are_found(world, meeting):
    paul = world.members["production"]
    on_call_request(meeting=meeting, by=world.members["rep"], member=paul, topic="specs")
    found = overlapping_on_calls(member=paul, starts_at=meeting.starts_at, ends_at=meeting.ends_at)
    assert len(found) == 1
    assert (
        overlapping_on_calls(
            member=paul,
            starts_at=meeting.ends_at + timedelta(hours=1),
            ends_at=meeting.ends_at + timedelta(hours=2),
        )
        == []
    )


def test_a_co_negotiator_joins_the_meeting_on_acceptance(world, meeting):
    max_ = world.members["manager"]
    asked = co_negotiator_request(meeting=meeting, by=world.members["rep"], member=max_)
    assert not meeting.co_negotiators.exists()
    co_negotiator_respond(request=asked, by=max_, accept=True)
    assert list(meeting.co_negotiators.all()) == [max_]
    with pytest.raises(Invalid, match="already been asked"):
        co_negotiator_request(meeting=meeting, by=world.members["rep"], member=max_)
    co_negotiator_respond(request=asked, by=max_, accept=False)
    assert not meeting.co_negotiators.exists()


def test_removing_cover_is_for_the_owner(world, meeting):
    on_call = on_call_request(
        meeting=meeting, by=world.members["rep"], member=world.members["production"], topic="specs"
    )
    with pytest.raises(NotAllowed):
        on_call_remove(on_call=on_call, by=world.members["production"])
    on_call_remove(on_call=on_call, by=world.members["rep"])
    assert not OnCall.objects.exists()


def test_the_colleague_taken_off_the_cover_is_told_unless_they_had_declined(world, meeting, mailoutbox):
    paul, sue = world.members["production"], world.members["supply_chain"]
    kept = on_call_request(meeting=meeting, by=world.members["rep"], member=paul, topic="specs")
    declined = on_call_request(meeting=meeting, by=world.members["rep"], member=sue, topic="stock")
    on_call_respond(on_call=declined, by=sue, accept=False)
    declined.refresh_from_db()
    on_call_remove(on_call=kept, by=world.members["rep"])
    on_call_remove(on_call=declined, by=world.members["rep"])
    told = Notification.objects.filter(kind="cover_removed")
    assert [notification.recipient for notification in told] == [paul]
    assert "no longer needed on call" in told.get().title
    assert "took you off the cover" in told.get().body


def test_the_on_call_form_lists_colleagues_already_committed_at_that_time(client, world, meeting):
    from django.urls import reverse

    from tests.factories import DealFactory, MeetingFactory, OnCallFactory

    other_deal = DealFactory(team=world.team, owner=world.members["rep"], customer=world.objects["customer"])
    clash = MeetingFactory(deal=other_deal, starts_at=meeting.starts_at)
    OnCallFactory(meeting=clash, member=world.members["finance"], topic="payment terms")
    client.force_login(world.members["rep"])
    page = client.get(reverse("deals:on_call_new", args=[meeting.pk])).content.decode()
    assert page.count('data-testid="busy"') == 1
    assert "on call for " + other_deal.title in page


# Asking the same colleague twice ----------------------------------------------


@pytest.mark.parametrize("answer", [None, True])
def test_a_colleague_with_a_pending_or_accepted_request_cannot_be_asked_again(world, meeting, answer):
    rep, paul = world.members["rep"], world.members["production"]
    first = on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    if answer is not None:
        on_call_respond(on_call=first, by=paul, accept=answer)
    with pytest.raises(Invalid, match="already been asked to be on call"):
        on_call_request(meeting=meeting, by=rep, member=paul, topic="delivery")
    assert list(OnCall.objects.filter(meeting=meeting, member=paul)) == [first]
    first.refresh_from_db()
    assert first.topic == "specs"
    assert Notification.objects.filter(recipient=paul, kind="on_call_requested").count() == 1


def test_a_colleague_who_declined_may_be_asked_again(world, meeting):
    rep, paul = world.members["rep"], world.members["production"]
    first = on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    on_call_respond(on_call=first, by=paul, accept=False)
    again = on_call_request(meeting=meeting, by=rep, member=paul, topic="delivery")
    assert again.status == OnCallStatus.REQUESTED
    assert again.responded_at is None
    # The declined entry is asked again rather than listed twice.
    assert list(OnCall.objects.filter(meeting=meeting, member=paul)) == [again]
    assert again.topic == "delivery"
    assert Notification.objects.filter(recipient=paul, kind="on_call_requested").count() == 2


def test_the_same_colleague_may_be_on_call_for_another_meeting(world, meeting):
    from tests.factories import MeetingFactory

    rep, paul = world.members["rep"], world.members["production"]
    on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    later = MeetingFactory(deal=meeting.deal, starts_at=meeting.starts_at + timedelta(days=1))
    on_call_request(meeting=later, by=rep, member=paul, topic="specs")
    assert OnCall.objects.filter(member=paul).count() == 2


def test_cover_that_no_longer_spans_a_moved_meeting_is_asked_again_in_place(world, meeting):
    from deals.models import Meeting

    rep, paul = world.members["rep"], world.members["production"]
    first = on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    on_call_respond(on_call=first, by=paul, accept=True)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(days=1), ends_at=meeting.ends_at + timedelta(days=1)
    )
    meeting.refresh_from_db()
    again = on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    assert again.pk == first.pk
    assert again.status == OnCallStatus.REQUESTED
    assert again.covers(meeting)
    assert OnCall.objects.filter(meeting=meeting, member=paul).count() == 1


# The number to call -------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "abc<script>x</script>",
        "call me maybe",
        "12345",  # too few digits to dial
        "(((( ))))",
        "1" * 33,  # longer than the field holds
        "+" + "1" * 32,
    ],
)
def test_it_refuses_a_phone_number_that_is_not_one(world, meeting, phone):
    with pytest.raises(Invalid, match="phone number"):
        on_call_request(
            meeting=meeting,
            by=world.members["rep"],
            member=world.members["production"],
            topic="specs",
            phone=phone,
        )
    assert not OnCall.objects.exists()


@pytest.mark.parametrize("phone", ["+49 30 1234567", "(030) 123-456", "030/123.456", "+1 (555) 010-0199"])
def test_it_accepts_phone_like_numbers(world, meeting, phone):
    on_call = on_call_request(
        meeting=meeting, by=world.members["rep"], member=world.members["production"], topic="x", phone=phone
    )
    assert on_call.phone == phone


def test_a_bad_number_on_the_profile_must_be_replaced(world, meeting):
    from teams.models import Membership

    paul = world.members["production"]
    Membership.objects.filter(user=paul, team=world.team).update(phone="ask reception")
    with pytest.raises(Invalid, match="enter the number to call"):
        on_call_request(meeting=meeting, by=world.members["rep"], member=paul, topic="specs")
    assert not OnCall.objects.exists()


# Changed details and answers that race them ------------------------------------------------


def test_asking_a_colleague_again_counts_as_a_change_of_the_details(world, meeting):
    rep, paul = world.members["rep"], world.members["production"]
    first = on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    on_call_respond(on_call=first, by=paul, accept=False, revision=0, status=OnCallStatus.REQUESTED)
    first.refresh_from_db()
    assert first.revision == 0  # an answer leaves the details as they were
    again = on_call_request(meeting=meeting, by=rep, member=paul, topic="delivery")
    assert (again.pk, again.revision) == (first.pk, 1)
    with pytest.raises(Stale, match="changed the details after you opened them"):
        on_call_respond(on_call=again, by=paul, accept=True, revision=0, status=OnCallStatus.DECLINED)
    again.refresh_from_db()
    assert again.status == OnCallStatus.REQUESTED


def test_a_change_from_a_stale_revision_is_refused(world, meeting):
    rep, paul = world.members["rep"], world.members["production"]
    on_call = on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    assert on_call_update(on_call=on_call, by=rep, revision=0, topic="delivery", phone=on_call.phone)
    with pytest.raises(Stale, match="saved this on-call cover at .*, after you opened it"):
        on_call_update(on_call=on_call, by=rep, revision=0, topic="pricing", phone=on_call.phone)
    on_call.refresh_from_db()
    assert (on_call.topic, on_call.revision) == ("delivery", 1)


def test_an_answer_to_cover_removed_meanwhile_is_refused(world, meeting):
    rep, paul = world.members["rep"], world.members["production"]
    on_call = on_call_request(meeting=meeting, by=rep, member=paul, topic="specs")
    OnCall.objects.filter(pk=on_call.pk).delete()
    with pytest.raises(Invalid, match="no longer there"):
        on_call_respond(on_call=on_call, by=paul, accept=True, revision=0, status=OnCallStatus.REQUESTED)
