from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from deals.models import Consultation, ConsultationStatus, Department, Meeting, OnCallStatus
from deals.services.meetings import meeting_cancel
from tests.factories import ConsultationFactory, OnCallFactory


@pytest.fixture
def consultation(world):
    return ConsultationFactory(
        deal=world.objects["deal"],
        department=Department.SUPPLY_CHAIN,
        required=True,
        status=ConsultationStatus.REQUESTED,
        questions="Can we deliver 500 valves to Hamburg by June?",
        due_at=datetime(timezone.now().year + 1, 3, 2, 16, 0, tzinfo=UTC),
        requested_at=timezone.now(),
    )


def _download(client, name, pk):
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200
    return response


def _event(response):
    calendar = Calendar.from_ical(response.content)
    events = calendar.events
    assert len(events) == 1
    return events[0]


def _on_call(
    meeting, member, *, status=OnCallStatus.ACCEPTED, topic="technical specs", phone="+49 30 5550103"
):
    return OnCallFactory(meeting=meeting, member=member, status=status, topic=topic, phone=phone)


# The meeting's calendar file ----------------------------------------------------------


def test_it_is_a_calendar_file_to_download(client, rep, meeting):
    client.force_login(rep)
    response = _download(client, "deals:meeting_ics", meeting.pk)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    day = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
    title = meeting.deal.title.lower().replace(" ", "-")
    assert response["Content-Disposition"] == f'attachment; filename="{title}-{day}.ics"'


def test_the_event_is_at_the_meetings_instants_whatever_the_viewers_time_zone(client, rep, meeting):
    year = timezone.now().year + 1
    meeting.starts_at = datetime(year, 7, 1, 8, 0, tzinfo=UTC)
    meeting.ends_at = datetime(year, 7, 1, 9, 30, tzinfo=UTC)
    meeting.save()
    for zone in ("Europe/Berlin", "America/New_York", "Asia/Tokyo"):
        rep.time_zone = zone
        rep.save()
        client.force_login(rep)
        event = _event(_download(client, "deals:meeting_ics", meeting.pk))

        assert event.start == meeting.starts_at
        assert event.end == meeting.ends_at
        assert event.start.utcoffset() == timedelta(0)


def test_it_names_the_meeting_the_place_and_links_the_brief(client, rep, meeting):
    deal = meeting.deal
    client.force_login(rep)
    event = _event(_download(client, "deals:meeting_ics", meeting.pk))

    assert event["SUMMARY"] == f"Negotiation meeting: {deal.title} — Acme Hydraulics"
    assert event["LOCATION"] == "Customer HQ, meeting room 2"
    brief_url = "http://testserver" + reverse("deals:meeting_brief", args=[meeting.pk])
    assert event["URL"] == brief_url
    assert f"Meeting brief: {brief_url}" in event["DESCRIPTION"]
    assert "We meet: Dana Buyer, Head of Purchasing" in event["DESCRIPTION"]
    assert event["STATUS"] == "CONFIRMED"


def test_a_meeting_by_video_has_the_link_as_its_location(client, rep, meeting):
    meeting.location = ""
    meeting.video_link = "https://meet.example.com/acme"
    meeting.save()
    client.force_login(rep)
    event = _event(_download(client, "deals:meeting_ics", meeting.pk))

    assert event["LOCATION"] == "https://meet.example.com/acme"
    assert "Video link: https://meet.example.com/acme" in event["DESCRIPTION"]


def test_the_description_names_who_is_on_call_and_the_co_negotiator(client, rep, meeting, world):
    production, supply_chain, manager = (world.members[r] for r in ("production", "supply_chain", "manager"))
    _on_call(meeting, production)
    _on_call(meeting, supply_chain, status=OnCallStatus.REQUESTED, topic="delivery", phone="+49 40 777")
    meeting.co_negotiators.add(manager)

    client.force_login(rep)
    description = str(_event(_download(client, "deals:meeting_ics", meeting.pk))["DESCRIPTION"])

    assert f"- {production}, technical specs: +49 30 5550103 (" in description
    assert f"- {supply_chain}, delivery: +49 40 777 (" in description
    assert "not confirmed yet)" in description
    assert f"Co-negotiator: {manager}" in description


def test_the_on_call_window_carries_its_date_and_a_moved_meeting_is_flagged(client, rep, meeting, world):
    production = world.members["production"]
    cover = _on_call(meeting, production)
    client.force_login(rep)
    description = str(_event(_download(client, "deals:meeting_ics", meeting.pk))["DESCRIPTION"])
    day = timezone.localtime(cover.available_from).strftime("%a %d %b %H:%M")
    assert f"({day}–" in description
    assert "does not cover" not in description

    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(days=1), ends_at=meeting.ends_at + timedelta(days=1)
    )
    description = str(_event(_download(client, "deals:meeting_ics", meeting.pk))["DESCRIPTION"])
    assert "does not cover the meeting's new time" in description


def test_the_uid_is_stable_and_the_sequence_grows_when_the_meeting_moves(client, rep, meeting):
    client.force_login(rep)
    first = _event(_download(client, "deals:meeting_ics", meeting.pk))
    again = _event(_download(client, "deals:meeting_ics", meeting.pk))

    later = meeting.created_at + timedelta(hours=1)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1),
        updated_at=later,
    )
    moved = _event(_download(client, "deals:meeting_ics", meeting.pk))

    assert first["UID"] == again["UID"] == moved["UID"] == f"meeting-{meeting.pk}@negprep"
    assert first["SEQUENCE"] == again["SEQUENCE"]
    assert moved["SEQUENCE"] > first["SEQUENCE"]
    assert moved.start == meeting.starts_at.replace(microsecond=0) + timedelta(days=1)


def test_a_cancelled_meeting_is_cancelled_in_the_calendar(client, rep, meeting):
    meeting_cancel(meeting=meeting, by=rep, reason="Customer postponed")

    client.force_login(rep)
    event = _event(_download(client, "deals:meeting_ics", meeting.pk))

    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == f"meeting-{meeting.pk}@negprep"
    assert "CANCELLED: Customer postponed" in event["DESCRIPTION"]


def test_a_manager_of_the_team_may_download_it(client, manager, meeting):
    client.force_login(manager)
    _download(client, "deals:meeting_ics", meeting.pk)


@pytest.mark.parametrize("who", ["outsider", "finance", "staff"])
def test_it_returns_404_to_those_who_may_not_see_the_deal(client, world, meeting, who):
    client.force_login(world.user(who))
    assert client.get(reverse("deals:meeting_ics", args=[meeting.pk])).status_code == 404


# A consultation's calendar file ----------------------------------------------------


def test_a_consultation_is_the_half_hour_before_it_is_due(client, rep, consultation):
    client.force_login(rep)
    response = _download(client, "deals:consultation_ics", consultation.pk)
    event = _event(response)

    deal = consultation.deal
    assert event["SUMMARY"] == f"Supply chain consultation due: {deal.title}"
    assert event.end == consultation.due_at
    assert event.start == consultation.due_at - timedelta(minutes=30)
    answer_url = "http://testserver" + reverse("deals:consultation_answer", args=[consultation.pk])
    assert event["URL"] == answer_url
    assert f"Answer: {answer_url}" in event["DESCRIPTION"]
    assert "Can we deliver 500 valves to Hamburg by June?" in event["DESCRIPTION"]
    assert event["UID"] == f"consultation-{consultation.pk}@negprep"
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="supply-chain-consultation-')


def test_the_department_asked_may_download_it(client, world, consultation):
    client.force_login(world.members["supply_chain"])
    _download(client, "deals:consultation_ics", consultation.pk)


def test_a_waived_consultation_leaves_the_calendar(client, rep, consultation):
    Consultation.objects.filter(pk=consultation.pk).update(status=ConsultationStatus.WAIVED)
    client.force_login(rep)
    assert _event(_download(client, "deals:consultation_ics", consultation.pk))["STATUS"] == "CANCELLED"


def test_a_consultation_without_a_due_time_has_no_calendar_file(client, rep, consultation):
    Consultation.objects.filter(pk=consultation.pk).update(due_at=None)
    client.force_login(rep)
    assert client.get(reverse("deals:consultation_ics", args=[consultation.pk])).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "production", "staff"])
def test_a_consultation_file_returns_404_to_those_who_may_not_see_the_deal(client, world, consultation, who):
    client.force_login(world.user(who))
    assert client.get(reverse("deals:consultation_ics", args=[consultation.pk])).status_code == 404
