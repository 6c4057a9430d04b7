"""The rules the pages ask the models and selectors instead of deciding in a template."""

from datetime import date, timedelta

from django.utils import timezone

from deals.domain.readiness import (
    DONE,
    ITEMS,
    MISSING,
    NOT_NEEDED,
    WAITING,
    Check,
    DealFacts,
    Readiness,
    readiness_of,
)
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


def test_each_department_answers_its_own_consultations_and_the_boss_is_none_of_them():
    assert Consultation(department=Department.SUPPLY_CHAIN).answering_role == "supply_chain"
    assert Consultation(department=Department.FINANCE).answering_role == "finance"
    assert "boss" not in Department.values


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
        return Readiness(
            checks={
                key: Check(key, MISSING if index < count else DONE) for index, (key, _) in enumerate(ITEMS)
            }
        )

    assert [missing(count).is_nearly_ready for count in range(4)] == [False, True, True, False]


def test_what_does_not_apply_is_left_out_of_the_count_and_waiting_is_not_done():
    states = [DONE, DONE, WAITING, NOT_NEEDED, NOT_NEEDED, MISSING, NOT_NEEDED]
    readiness = Readiness(
        checks={key: Check(key, state) for (key, _), state in zip(ITEMS, states, strict=True)}
    )
    assert str(readiness) == "2 of 4"
    assert not readiness.is_ready and readiness.is_nearly_ready
    assert [check.key for check in readiness.open_items] == ["pitch", "on_call"]
    assert [check.key for check in readiness.not_needed] == [
        "consultations",
        "payment_terms",
        "co_negotiator",
    ]


def _facts(**overrides) -> DealFacts:
    meeting = Meeting(stage=MeetingStage.NEGOTIATION)
    meeting.contact_count, meeting.co_negotiator_count = 1, 0
    meeting.covered, meeting.cover_asked, meeting.co_negotiator_asked = True, False, False
    facts = {
        "meeting": meeting,
        "limits_approved": True,
        "pitch_approved": True,
        "briefing_submitted": False,
        "needs_consultations": False,
        "unsettled": {},
        "payment_terms_wanted": False,
        "payment_terms_pending": False,
        "payment_terms_decided": False,
        **overrides,
    }
    return DealFacts(**facts)


def test_a_deal_with_nothing_beyond_the_basics_is_ready_at_4_of_4():
    readiness = readiness_of(_facts())
    assert readiness.is_ready and str(readiness) == "4 of 4"


def test_what_waits_for_someone_else_reads_as_waiting_for_them():
    readiness = readiness_of(
        _facts(
            briefing_submitted=True,
            limits_approved=False,
            needs_consultations=True,
            unsettled={"supply_chain": "requested", "production": "requested"},
            payment_terms_pending=True,
        )
    )
    assert readiness.missing_short == [
        "waiting for approval",
        "waiting for production, supply chain",
        "waiting for finance",
    ]
    assert str(readiness) == "3 of 6"


def test_a_consultation_not_asked_yet_is_the_reps_to_do():
    check = readiness_of(_facts(needs_consultations=True, unsettled={"production": "open"})).checks[
        "consultations"
    ]
    assert check.is_missing and check.note == "not asked yet: production"


def test_a_row_says_waiting_for_approval_once_for_limits_and_pitch():
    readiness = readiness_of(_facts(briefing_submitted=True, limits_approved=False, pitch_approved=False))
    assert [check.key for check in readiness.open_items] == ["limits", "pitch"]
    assert readiness.missing_short == ["waiting for approval"]
