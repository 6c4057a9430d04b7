"""The rules the pages ask the models and selectors instead of deciding in a template."""

from datetime import date, timedelta

from django.utils import timezone

from deals.domain.readiness import ITEMS, Readiness
from deals.models import (
    Briefing,
    CanFulfil,
    Consultation,
    ConsultationStatus,
    Department,
    Meeting,
    MeetingStage,
    OnCall,
)
from deals.selectors.consultations import answer_warnings

NOW = timezone.now()


def test_a_requested_consultation_past_its_due_time_is_overdue():
    assert Consultation(status=ConsultationStatus.REQUESTED, due_at=NOW - timedelta(minutes=1)).is_overdue
    assert not Consultation(status=ConsultationStatus.REQUESTED, due_at=NOW + timedelta(hours=1)).is_overdue
    assert not Consultation(status=ConsultationStatus.REQUESTED, due_at=None).is_overdue


def test_an_answered_or_waived_consultation_is_never_overdue():
    for status in (ConsultationStatus.ANSWERED, ConsultationStatus.WAIVED, ConsultationStatus.OPEN):
        assert not Consultation(status=status, due_at=NOW - timedelta(days=1)).is_overdue


def test_a_boss_consultation_is_answered_by_the_managers():
    boss = Consultation(department=Department.BOSS)
    assert boss.asks_the_boss and boss.answering_role == "manager"
    assert Consultation(department=Department.SUPPLY_CHAIN).answering_role == "supply_chain"


def test_only_the_final_round_needs_a_co_negotiator():
    assert Meeting(stage=MeetingStage.FINAL).needs_co_negotiator
    assert not Meeting(stage=MeetingStage.NEGOTIATION).needs_co_negotiator


def test_on_call_cover_of_a_moved_meeting_no_longer_covers_it():
    meeting = Meeting(starts_at=NOW, ends_at=NOW + timedelta(hours=1))
    on_call = OnCall(meeting=meeting, available_from=NOW, available_to=NOW + timedelta(hours=1))
    assert on_call.covers_meeting
    meeting.ends_at += timedelta(minutes=30)
    assert not on_call.covers_meeting


def _answered(**answer) -> Consultation:
    return Consultation(status=ConsultationStatus.ANSWERED, department=Department.PRODUCTION, **answer)


def test_an_answer_that_falls_short_warns_the_rep():
    partly, fully = _answered(can_fulfil=CanFulfil.PARTLY), _answered(can_fulfil=CanFulfil.YES)
    (warning,) = answer_warnings(consultations=[partly, fully], briefing=Briefing())
    assert warning.consultation is partly
    assert warning.falls_short and not warning.delivery_conflict


def test_a_promise_earlier_than_the_committed_date_warns_the_rep():
    committed = _answered(can_fulfil=CanFulfil.YES, committed_date=date(2030, 6, 1))
    early, late = Briefing(earliest_delivery=date(2030, 5, 1)), Briefing(earliest_delivery=date(2030, 6, 1))
    (warning,) = answer_warnings(consultations=[committed], briefing=early)
    assert warning.delivery_conflict and not warning.falls_short
    assert warning.promised_from == date(2030, 5, 1)
    assert answer_warnings(consultations=[committed], briefing=late) == []


def test_an_unanswered_consultation_warns_of_nothing():
    asked = Consultation(status=ConsultationStatus.REQUESTED, can_fulfil=CanFulfil.NO)
    assert answer_warnings(consultations=[asked], briefing=None) == []


def test_a_deal_one_or_two_checks_short_is_nearly_ready():
    def missing(count: int) -> Readiness:
        return Readiness(checks={key: index >= count for index, (key, _) in enumerate(ITEMS)})

    assert [missing(count).is_nearly_ready for count in range(4)] == [False, True, True, False]
