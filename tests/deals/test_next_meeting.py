"""One rule for a deal's next meeting (``MeetingQuerySet.upcoming``): a meeting under way stays the
deal's next meeting until it ends, for every place that aims at it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from deals.models import Consultation, ConsultationStatus, Deal, FinancePolicy, Meeting, Reminder
from deals.selectors.consultations import consultation_default_due
from deals.selectors.deals import with_next_meeting
from deals.selectors.payments import payment_queue_for
from deals.selectors.readiness import readiness_for_deal
from deals.selectors.reports import escalated_meetings
from deals.services.briefings import next_meeting_start
from deals.services.consultations import consultation_request
from deals.services.payments import payment_request_submit
from deals.services.reminders import reminders_send_due
from tests.factories import MeetingFactory

HOUR = timedelta(hours=1)


@pytest.fixture
def under_way(world, deal):
    """The world's meeting, started an hour ago and ending in an hour, and one the next day."""
    meeting = world.objects["meeting"]
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=now - HOUR, ends_at=now + HOUR)
    meeting.refresh_from_db()
    MeetingFactory(deal=deal, starts_at=now + 20 * HOUR, ends_at=now + 22 * HOUR, stage="final")
    return meeting


def test_a_meeting_under_way_is_the_deals_next_meeting_until_it_ends(deal, under_way):
    following = deal.meetings.exclude(pk=under_way.pk).get()
    assert Meeting.objects.next_for_deal(deal) == under_way
    assert Meeting.objects.next_for_deals([deal.pk]) == {deal.pk: under_way}
    assert list(Meeting.objects.next_of_each_deal()) == [under_way]
    assert list(Meeting.objects.upcoming()) == [under_way, following]
    after = under_way.ends_at + timedelta(minutes=1)
    assert Meeting.objects.next_for_deal(deal, now=after) == following


def test_ended_and_cancelled_meetings_are_never_next(deal, under_way):
    following = deal.meetings.exclude(pk=under_way.pk).get()
    following.cancelled = True
    following.save()
    assert Meeting.objects.next_for_deal(deal, now=under_way.ends_at) is None


def test_readiness_and_the_deal_list_aim_at_the_meeting_under_way(deal, under_way):
    assert readiness_for_deal(deal).next_meeting == under_way
    listed = with_next_meeting(Deal.objects.filter(pk=deal.pk), stage=True).get()
    assert listed.next_meeting_at == under_way.starts_at
    assert listed.next_meeting_stage == under_way.stage


def test_the_briefing_and_the_finance_queue_need_their_decision_by_the_start_of_the_meeting_under_way(
    world, deal, under_way, rep, finance
):
    assert next_meeting_start(deal=deal) == under_way.starts_at
    FinancePolicy.objects.create(team=world.team, standard_net_days=30, max_net_days=90)
    payment_request_submit(
        deal=deal,
        by=rep,
        net_days=60,
        deposit_pct=Decimal("20"),
        instalments=1,
        early_payment_discount=False,
        other_conditions="",
        customer_reason="Their fiscal year starts in March",
        justification="Strategic account",
    )
    [item] = payment_queue_for(user=finance)
    assert item.due == under_way.starts_at


def test_no_reminder_or_escalation_aims_past_the_meeting_under_way(
    world, deal, under_way, manager, django_capture_on_commit_callbacks
):
    """The meeting after the one under way is inside every window, but it is not the next meeting yet."""
    following = deal.meetings.exclude(pk=under_way.pk).get()
    Consultation.objects.create(deal=deal, department="production", required=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 0
    assert not Reminder.objects.exists()
    assert not escalated_meetings(user=manager).exists()

    with time_machine.travel(under_way.ends_at + timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders_send_due() > 0
        assert set(Reminder.objects.values_list("meeting_starts_at", flat=True)) == {following.starts_at}
        assert list(escalated_meetings(user=manager)) == [following]


def test_a_consultation_asked_during_the_meeting_is_due_by_its_end_and_may_be_due_later(
    world, deal, under_way, rep
):
    assert consultation_default_due(deal=deal) == under_way.ends_at.replace(second=0, microsecond=0)
    consultation = Consultation.objects.create(deal=deal, department="production", required=True)
    later = timezone.now() + 30 * HOUR  # after the following meeting starts: the answer is late anyway
    consultation_request(consultation=consultation, by=rep, questions="Can we make 600?", due_at=later)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.due_at == later
