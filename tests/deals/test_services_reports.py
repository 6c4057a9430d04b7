from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import (
    Activity,
    ConsultationStatus,
    DealStatus,
    Department,
    NegotiationReport,
    PaymentTermStatus,
    ReadinessChange,
)
from deals.selectors.reports import breach_reports_for, report_breaches
from deals.services.reports import report_file
from negprep.errors import Invalid, NotAllowed
from teams.models import Notification, Role
from tests.deals.briefing_helpers import EARLIEST, fill_briefing
from tests.factories import (
    ConsultationFactory,
    FinancePolicyFactory,
    MeetingFactory,
    PaymentTermRequestFactory,
)


@pytest.fixture
def meeting(past_meeting):
    """Here the meeting is yesterday's, the one the reports are filed on."""
    return past_meeting


def _codes(breaches):
    return [breach["code"] for breach in breaches]


def _file(meeting, by, correction_note="Typo in the first filing", **fields):
    return report_file(
        meeting=meeting, by=by, correction_note=correction_note, **{"outcome": "continue", **fields}
    )


# The check, at each boundary ------------------------------------------------------------------


def test_exactly_at_the_walk_away_price_is_not_a_breach(approved, meeting):
    assert report_breaches(meeting=meeting, data={"agreed_price": Decimal("210.00")}) == []


def test_one_cent_under_the_walk_away_price_is_a_breach(approved, meeting):
    breaches = report_breaches(meeting=meeting, data={"agreed_price": Decimal("209.99")})
    assert breaches == [
        {
            "code": "price_under_walk_away",
            "message": "Agreed price 209.99 EUR is under the walk-away price 210.00 EUR",
        }
    ]


def test_exactly_the_maximum_discount_is_not_a_breach_and_a_hundredth_more_is(approved, meeting):
    assert report_breaches(meeting=meeting, data={"discount_pct": Decimal("12.00")}) == []
    breaches = report_breaches(meeting=meeting, data={"discount_pct": Decimal("12.01")})
    assert _codes(breaches) == ["discount_over_max"]
    assert breaches[0]["message"] == "Discount 12.01 % is over the maximum discount 12 %"


@pytest.mark.parametrize(
    "quantity, codes",
    [(399, ["quantity_below_range"]), (400, []), (600, []), (601, ["quantity_above_range"])],
)
def test_a_quantity_outside_the_approved_range_is_a_breach(approved, meeting, quantity, codes):
    assert _codes(report_breaches(meeting=meeting, data={"quantity": quantity})) == codes


def test_a_delivery_before_the_earliest_approved_date_is_a_breach(approved, meeting):
    assert report_breaches(meeting=meeting, data={"delivery_date": EARLIEST}) == []
    breaches = report_breaches(meeting=meeting, data={"delivery_date": EARLIEST - timedelta(days=1)})
    assert _codes(breaches) == ["delivery_before_approved"]


def test_it_compares_with_the_approved_version_not_the_current_draft(approved, meeting, rep):
    fill_briefing(approved, rep, walk_away_price=Decimal("200.00"), earliest_delivery=EARLIEST)
    approved.refresh_from_db()
    assert approved.approved_version.number == 1
    breaches = report_breaches(meeting=meeting, data={"agreed_price": Decimal("205.00")})
    assert _codes(breaches) == ["price_under_walk_away"]
    assert "walk-away price 210.00 EUR" in breaches[0]["message"]


def test_terms_agreed_without_approved_limits_are_a_breach(meeting):
    breaches = report_breaches(meeting=meeting, data={"agreed_price": Decimal("250.00")})
    assert breaches == [
        {
            "code": "no_approved_limits",
            "message": "Negotiated without approved limits: the briefing had no approved version",
        }
    ]


def test_a_report_that_agrees_nothing_needs_no_approved_limits(meeting):
    assert report_breaches(meeting=meeting, data={"agreed_price": None, "quantity": None}) == []


def _answered(deal, department, committed, *, required=True, status=ConsultationStatus.ANSWERED):
    return ConsultationFactory(
        deal=deal,
        department=department,
        required=required,
        status=status,
        can_fulfil="yes",
        committed_date=committed,
    )


def test_a_delivery_before_a_departments_commitment_names_the_department(deal, approved, meeting):
    production_date = EARLIEST + timedelta(days=10)
    supply_date = EARLIEST + timedelta(days=20)
    _answered(deal, Department.PRODUCTION, production_date - timedelta(days=5), required=False)
    _answered(deal, Department.PRODUCTION, production_date)
    _answered(deal, Department.SUPPLY_CHAIN, supply_date)
    # An answer still being given commits to nothing yet.
    _answered(
        deal,
        Department.SUPPLY_CHAIN,
        supply_date + timedelta(days=30),
        required=False,
        status=ConsultationStatus.REQUESTED,
    )

    assert report_breaches(meeting=meeting, data={"delivery_date": supply_date}) == []
    breaches = report_breaches(meeting=meeting, data={"delivery_date": supply_date - timedelta(days=1)})
    assert _codes(breaches) == ["delivery_before_supply_chain"]
    assert "supply chain committed to" in breaches[0]["message"]
    breaches = report_breaches(meeting=meeting, data={"delivery_date": production_date - timedelta(days=1)})
    assert _codes(breaches) == ["delivery_before_production", "delivery_before_supply_chain"]
    assert f"production committed to ({production_date.strftime('%-d %b %Y')})" in breaches[0]["message"]


def _granted(deal, rep, **fields):
    defaults = {
        "requested_by": rep,
        "net_days": 45,
        "deposit_pct": Decimal("10"),
        "instalments": 2,
        "customer_reason": "Budget cycle",
        "status": PaymentTermStatus.APPROVED,
        "decided_at": timezone.now(),
    }
    return PaymentTermRequestFactory(deal=deal, **{**defaults, **fields})


@pytest.mark.parametrize(
    "terms, codes",
    [
        ({"net_days": 45, "deposit_pct": Decimal("10.00"), "instalments": 2}, []),
        ({"net_days": 46}, ["net_days_over"]),
        ({"deposit_pct": Decimal("9.99")}, ["deposit_under"]),
        ({"instalments": 3}, ["instalments_over"]),
    ],
)
def test_payment_terms_are_compared_with_what_finance_granted(deal, rep, approved, meeting, terms, codes):
    FinancePolicyFactory(team=deal.team, standard_net_days=30, max_net_days=90)
    _granted(deal, rep)
    breaches = report_breaches(meeting=meeting, data=terms)
    assert _codes(breaches) == codes
    if codes:
        assert "finance approved" in breaches[0]["message"]


def test_a_counter_offer_is_what_finance_granted(deal, rep, approved, meeting):
    _granted(
        deal,
        rep,
        net_days=90,
        status=PaymentTermStatus.COUNTERED,
        counter_net_days=60,
        counter_deposit_pct=Decimal("20"),
        counter_instalments=1,
    )
    assert report_breaches(meeting=meeting, data={"net_days": 60, "deposit_pct": Decimal("20")}) == []
    breaches = report_breaches(meeting=meeting, data={"net_days": 61, "instalments": 2})
    assert _codes(breaches) == ["net_days_over", "instalments_over"]
    assert breaches[0]["message"] == "61 net days exceed the 60 finance approved"


def test_a_rejected_request_grants_nothing_so_the_policy_applies(deal, rep, approved, meeting):
    FinancePolicyFactory(
        team=deal.team,
        standard_net_days=30,
        max_net_days=60,
        min_deposit_pct=Decimal("10"),
        max_instalments=3,
    )
    _granted(deal, rep, net_days=60, status=PaymentTermStatus.REJECTED)
    ok = {"net_days": 30, "deposit_pct": Decimal("10"), "instalments": 3}
    assert report_breaches(meeting=meeting, data=ok) == []
    breaches = report_breaches(
        meeting=meeting, data={"net_days": 31, "deposit_pct": Decimal("9.99"), "instalments": 4}
    )
    assert _codes(breaches) == ["net_days_over", "deposit_under", "instalments_over"]
    assert breaches[0]["message"] == "31 net days exceed the 30 the finance policy allows"


def test_payment_terms_left_empty_are_not_checked(deal, approved, meeting):
    FinancePolicyFactory(team=deal.team, min_deposit_pct=Decimal("50"))
    assert report_breaches(meeting=meeting, data={"net_days": None, "deposit_pct": None}) == []


# Filing ---------------------------------------------------------------------------------------


def test_filing_stores_the_report_with_its_breaches(approved, meeting, rep):
    report = _file(meeting, rep, agreed_price=Decimal("205.00"), discount_pct=Decimal("18"), quantity=500)
    report.refresh_from_db()
    assert report.filed_by == rep
    assert report.agreed_price == Decimal("205.00")
    assert _codes(report.breaches) == ["price_under_walk_away", "discount_over_max"]
    assert report.has_breaches


@pytest.mark.parametrize(
    "outcome, status",
    [
        ("won", DealStatus.WON),
        ("lost", DealStatus.LOST),
        ("continue", DealStatus.NEGOTIATING),
        ("no_decision", DealStatus.NEGOTIATING),
    ],
)
def test_the_outcome_moves_the_deal(deal, approved, meeting, rep, outcome, status):
    _file(meeting, rep, outcome=outcome, agreed_price=Decimal("230.00"))
    deal.refresh_from_db()
    assert deal.status == status
    entry = Activity.objects.get(deal=deal, verb="report_filed")
    assert entry.changes["Status"] == {"old": "Preparing", "new": status.label}
    assert entry.summary.startswith("filed the report on the negotiation meeting of")


def test_a_withdrawn_deal_keeps_its_status(deal, approved, meeting, rep):
    deal.status = DealStatus.WITHDRAWN
    deal.save()
    _file(meeting, rep, outcome="won", agreed_price=Decimal("230.00"))
    deal.refresh_from_db()
    assert deal.status == DealStatus.WITHDRAWN


def test_correcting_the_outcome_of_the_report_that_closed_the_deal_moves_it_again(
    deal, approved, meeting, rep
):
    _file(meeting, rep, outcome="won", agreed_price=Decimal("230.00"))
    _file(meeting, rep, outcome="lost")
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert NegotiationReport.objects.filter(meeting=meeting).count() == 1


def test_a_report_on_an_earlier_meeting_does_not_reopen_a_closed_deal(deal, approved, meeting, rep):
    later = MeetingFactory(
        deal=deal, starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    _file(later, rep, outcome="won", agreed_price=Decimal("230.00"))
    _file(meeting, rep, outcome="continue")
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def _readiness_change(deal, ready, at):
    ReadinessChange.objects.create(deal=deal, ready=ready, at=at)


def test_it_records_that_the_deal_was_ready_when_the_meeting_started(deal, meeting, rep):
    _readiness_change(deal, True, meeting.starts_at - timedelta(hours=5))
    # Dropping back after the meeting started does not change what it was at the start.
    _readiness_change(deal, False, meeting.starts_at + timedelta(minutes=30))
    assert _file(meeting, rep).ready_at_meeting is True


def test_it_records_that_the_deal_was_not_ready_when_it_dropped_back_before_the_meeting(deal, meeting, rep):
    _readiness_change(deal, True, meeting.starts_at - timedelta(days=2))
    _readiness_change(deal, False, meeting.starts_at - timedelta(hours=1))
    assert _file(meeting, rep).ready_at_meeting is False


def test_what_the_timeline_says_about_readiness_is_not_what_the_report_reads(deal, meeting, rep):
    """The timeline entry is for people: its wording (or a translated label) changes nothing."""
    entry = Activity.objects.create(
        deal=deal,
        verb="deal_readiness",
        summary="The deal is ready for the next meeting",
        changes={"Status": {"old": "Preparing", "new": "Ready"}},
    )
    Activity.objects.filter(pk=entry.pk).update(created_at=meeting.starts_at - timedelta(hours=5))
    assert _file(meeting, rep).ready_at_meeting is False


def test_a_deal_never_ready_was_not_ready(meeting, rep):
    assert _file(meeting, rep).ready_at_meeting is False


def test_breaches_are_flagged_on_the_deal_and_sent_to_the_managers(
    world, deal, approved, meeting, rep, manager, django_capture_on_commit_callbacks, mailoutbox
):
    second = world.members[Role.PRODUCTION]  # a manager who also works in production
    world.team.memberships.create(user=second, role=Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        report = _file(meeting, rep, agreed_price=Decimal("205.00"), discount_pct=Decimal("18"))
    notes = Notification.objects.filter(kind="report_breach")
    assert sorted(n.recipient.username for n in notes) == sorted([manager.username, second.username])
    assert not Notification.objects.filter(recipient=rep, kind__startswith="report_").exists()
    assert notes[0].url == f"/deals/reports/{report.pk}/"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager.email, second.email])
    subject = mailoutbox[0].subject
    assert deal.title in subject
    assert "price under walk-away" in subject and "discount over the maximum" in subject
    assert "Agreed price 205.00 EUR is under the walk-away price 210.00 EUR" in mailoutbox[0].body
    entry = Activity.objects.get(deal=deal, verb="report_breaches")
    assert "Agreed price 205.00 EUR is under the walk-away price 210.00 EUR" in entry.summary


def test_a_report_within_the_limits_tells_the_managers_in_the_inbox_only(
    approved, meeting, rep, manager, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        _file(meeting, rep, outcome="won", agreed_price=Decimal("230.00"), quantity=500)
    note = Notification.objects.get(recipient=manager, kind="report_filed")
    assert "within the approved limits" in note.title
    assert not Notification.objects.filter(kind="report_breach").exists()
    assert mailoutbox == []
    assert not Activity.objects.filter(verb="report_breaches").exists()


def test_filing_again_updates_the_report_without_repeating_notifications(
    deal, approved, meeting, rep, manager
):
    first = _file(meeting, rep, agreed_price=Decimal("205.00"), lessons="Price first was a mistake")
    activities = Activity.objects.filter(deal=deal).count()
    again = _file(meeting, rep, agreed_price=Decimal("205.00"), lessons="Price first was a mistake")
    assert again.pk == first.pk
    assert Activity.objects.filter(deal=deal).count() == activities
    # A lower price breaches the same limit: the managers already know.
    _file(meeting, rep, agreed_price=Decimal("200.00"), lessons="Price first was a mistake")
    assert Notification.objects.filter(recipient=manager, kind="report_breach").count() == 1
    first.refresh_from_db()
    assert first.agreed_price == Decimal("200.00")
    assert "200.00 EUR" in first.breaches[0]["message"]
    assert Activity.objects.filter(deal=deal, verb="report_updated").count() == 1
    # A new kind of breach is news.
    _file(meeting, rep, agreed_price=Decimal("200.00"), discount_pct=Decimal("20"))
    notes = Notification.objects.filter(recipient=manager, kind="report_breach").order_by("pk")
    assert notes.count() == 2
    assert "discount over the maximum" in notes.last().title
    assert "price under walk-away" not in notes.last().title
    assert NegotiationReport.objects.count() == 1


def test_correcting_away_the_breaches_keeps_them_on_record_and_tells_the_managers(
    deal, approved, meeting, rep, manager, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        _file(meeting, rep, agreed_price=Decimal("205.00"))
        report = _file(meeting, rep, agreed_price=Decimal("215.00"))
    assert report.breaches == []
    assert [b["code"] for b in report.corrected_breaches] == ["price_under_walk_away"]
    assert report.ever_breached
    corrected = Notification.objects.get(recipient=manager, kind="report_corrected")
    assert "Agreed price 205.00 EUR is under the walk-away price" in corrected.body
    assert mailoutbox[-1].to == [manager.email]
    assert Activity.objects.filter(deal=deal, verb="report_breaches").count() == 2
    # The managers' home panel and the team results still show the report.
    assert breach_reports_for(user=manager) == [report]


def test_a_breach_that_comes_back_leaves_the_corrected_list(deal, approved, meeting, rep, manager):
    _file(meeting, rep, agreed_price=Decimal("205.00"))
    _file(meeting, rep, agreed_price=Decimal("215.00"))
    report = _file(meeting, rep, agreed_price=Decimal("200.00"))
    assert [b["code"] for b in report.breaches] == ["price_under_walk_away"]
    assert report.corrected_breaches == []
    # A breach that comes back is news again.
    assert Notification.objects.filter(recipient=manager, kind="report_breach").count() == 2


def test_a_new_breach_with_a_correction_tells_the_managers_of_both(deal, approved, meeting, rep, manager):
    _file(meeting, rep, agreed_price=Decimal("205.00"))
    report = _file(meeting, rep, agreed_price=Decimal("215.00"), quantity=601)
    assert report.correction_told
    news = Notification.objects.filter(recipient=manager, kind="report_breach").order_by("-pk").first()
    assert "Quantity 601 is above the approved maximum" in news.body
    assert "Corrected since it was first flagged" in news.body
    assert "Agreed price 205.00 EUR is under the walk-away price" in news.body


def test_correcting_only_the_lessons_tells_nobody(deal, approved, meeting, rep, manager):
    _file(meeting, rep, agreed_price=Decimal("205.00"))
    report = _file(meeting, rep, agreed_price=Decimal("205.00"), lessons="Lead with the service plan")
    assert Notification.objects.filter(recipient=manager, kind__startswith="report_").count() == 1
    assert not report.correction_told


@pytest.mark.parametrize("who", [Role.MANAGER, Role.PRODUCTION, Role.FINANCE])
def test_only_the_owner_files_and_nothing_changes_otherwise(world, deal, approved, meeting, who):
    with pytest.raises(NotAllowed):
        _file(meeting, world.members[who], outcome="won", agreed_price=Decimal("100.00"))
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert not NegotiationReport.objects.exists()
    assert not Notification.objects.filter(kind__startswith="report_").exists()


def test_a_rep_of_another_team_cannot_file(world, meeting):
    with pytest.raises(NotAllowed):
        _file(meeting, world.outsider)
    assert not NegotiationReport.objects.exists()


def test_a_meeting_that_has_not_started_cannot_be_reported(world, deal, rep):
    future = world.objects["meeting"]
    with pytest.raises(Invalid, match="not started yet"):
        _file(future, rep, outcome="won", agreed_price=Decimal("230.00"))
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert not NegotiationReport.objects.exists()


def test_a_cancelled_meeting_cannot_be_reported(deal, meeting, rep):
    meeting.cancelled = True
    meeting.save()
    with pytest.raises(Invalid, match="cancelled"):
        _file(meeting, rep, outcome="lost")
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert not NegotiationReport.objects.exists()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"outcome": "maybe"}, "Choose the outcome"),
        ({"outcome": "won"}, "agreed price"),
        ({"discount_pct": Decimal("100.01")}, "between 0 and 100"),
        ({"agreed_price": Decimal("-1")}, "negative"),
        ({"instalments": 0}, "at least one instalment"),
    ],
)
def test_it_refuses_impossible_values(meeting, rep, fields, message):
    with pytest.raises(Invalid, match=message):
        _file(meeting, rep, **fields)
    assert not NegotiationReport.objects.exists()


def test_the_meeting_may_have_started_a_moment_ago(deal, rep):
    now = timezone.now()
    meeting = MeetingFactory(
        deal=deal, starts_at=now - timedelta(seconds=1), ends_at=now + timedelta(hours=1)
    )
    assert _file(meeting, rep).pk is not None


def test_changing_breached_figures_needs_a_reason_and_changes_nothing_without_one(
    deal, approved, meeting, rep
):
    report = _file(meeting, rep, agreed_price=Decimal("205.00"))
    with pytest.raises(Invalid, match="say why the figures changed"):
        _file(meeting, rep, correction_note="  ", agreed_price=Decimal("215.00"))
    report.refresh_from_db()
    assert report.agreed_price == Decimal("205.00")
    assert report.corrected_breaches == []


def test_the_reason_goes_with_the_correction_to_the_managers_and_the_timeline(
    deal, approved, meeting, rep, manager
):
    _file(meeting, rep, agreed_price=Decimal("205.00"))
    report = _file(meeting, rep, correction_note="Typed 205 for 215", agreed_price=Decimal("215.00"))
    assert report.correction_note == "Typed 205 for 215"
    note = Notification.objects.get(recipient=manager, kind="report_corrected")
    assert "Why the figures changed: Typed 205 for 215" in note.body
    assert "why: Typed 205 for 215" in Activity.objects.filter(deal=deal, verb="report_updated").get().summary


def test_text_alone_can_change_without_a_reason(deal, approved, meeting, rep):
    _file(meeting, rep, agreed_price=Decimal("205.00"))
    report = _file(
        meeting, rep, correction_note="", agreed_price=Decimal("205.00"), lessons="Next time: volume first"
    )
    assert report.lessons == "Next time: volume first"
