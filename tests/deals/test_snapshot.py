"""The briefing snapshot has one owner (``deals.domain.snapshot``): a limit added there reaches all."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.domain import snapshot
from deals.domain.report_check import breach_labels
from deals.domain.snapshot import PERCENT, Bound, BriefingSnapshot, Limit, LimitsSnapshot
from deals.models import Briefing, BriefingVersion
from deals.selectors.briefings import briefing_history
from deals.selectors.meeting_brief import brief_for_meeting
from deals.selectors.readiness import readiness_for_deal
from deals.selectors.reports import report_breaches, report_references
from deals.services.briefings import briefing_decide, briefing_submit
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import MeetingFactory

# A snapshot as submitted versions have stored it since the first release.
STORED = {
    "text": {"objectives": "Sign a 3-year frame contract", "approach": "", "attendees_interests": ""},
    "limits": {
        "currency": "EUR",
        "list_price": "250.00",
        "target_price": "230.00",
        "walk_away_price": "210.00",
        "max_discount_pct": "12.00",
        "quantity_min": 400,
        "quantity_max": 1200,
        "earliest_delivery": "2027-05-15",
        "payment_terms": "30 days net",
        "batna": None,
    },
    "pitch_points": [{"feature": "Self-cleaning seat", "benefit": "Less downtime", "evidence": ""}],
    "objections": [{"objection": "Too expensive", "answer": "Lower total cost"}],
    "concessions": [{"give": "2 % discount", "get": "3-year term"}],
}

MIN_DEPOSIT = Limit(
    "min_deposit_pct",
    PERCENT,
    label="Minimum deposit",
    bound=Bound(
        "deposit_pct",
        True,
        "deposit_under_approved",
        "deposit below the approved minimum",
        "Deposit {term} is below the approved minimum deposit {limit}",
    ),
)


def test_a_stored_snapshot_reads_back_as_it_was_stored():
    read = BriefingSnapshot.from_json(STORED)
    assert read.to_json() == STORED
    assert read.limits.walk_away_price == Decimal("210.00")
    assert read.limits.earliest_delivery == date(2027, 5, 15)
    assert [(row.label, row.text) for row in read.limits.rows()] == [
        ("List price", "250.00 EUR"),
        ("Target price", "230.00 EUR"),
        ("Walk-away price", "210.00 EUR"),
        ("Maximum discount", "12 %"),
        ("Minimum quantity", "400"),
        ("Maximum quantity", "1,200"),
        ("Earliest delivery we may promise", "15 May 2027"),
        ("Payment terms we may offer", "30 days net"),
        ("BATNA", ""),
    ]
    assert read.limits.target_discount_pct() == Decimal("8.00")


def test_a_limit_an_older_snapshot_lacks_reads_as_empty(monkeypatch):
    monkeypatch.setattr(snapshot, "LIMITS", [*snapshot.LIMITS, MIN_DEPOSIT])
    old = LimitsSnapshot.from_json(STORED["limits"])
    assert old.min_deposit_pct is None
    current = LimitsSnapshot.from_json({**STORED["limits"], "min_deposit_pct": None})
    assert old.approves(current)
    assert not old.approves(LimitsSnapshot.from_json({**STORED["limits"], "min_deposit_pct": "10"}))


def test_terms_finance_granted_count_as_approved():
    approved = LimitsSnapshot.from_json(STORED["limits"])
    granted = "60 days net — approved by finance (fiona)"
    current = LimitsSnapshot.from_json({**STORED["limits"], "payment_terms": granted})
    assert not approved.approves(current)
    assert approved.approves(current, granted_payment_terms=granted)


@pytest.fixture
def new_limit(monkeypatch):
    """A limit added to the snapshot type, and a Briefing field behind it holding 30 %."""
    monkeypatch.setattr(snapshot, "LIMITS", [*snapshot.LIMITS, MIN_DEPOSIT])
    monkeypatch.setattr(Briefing, "min_deposit_pct", Decimal("30"), raising=False)
    return monkeypatch


def _submit_and_decide(deal, rep, manager, *, approve):
    fill_briefing(deal.briefing, rep)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    briefing_decide(briefing=deal.briefing, by=manager, approve=approve, comment="" if approve else "More")
    deal.briefing.refresh_from_db()


def test_a_new_limit_reaches_the_version_history(new_limit, deal, rep, manager):
    _submit_and_decide(deal, rep, manager, approve=False)
    assert BriefingVersion.objects.get().snapshot["limits"]["min_deposit_pct"] == "30.00"
    new_limit.setattr(Briefing, "min_deposit_pct", Decimal("35"), raising=False)
    _submit_and_decide(deal, rep, manager, approve=True)

    changes = briefing_history(briefing=deal.briefing)[0].changes
    assert snapshot.Change("Limits", "Minimum deposit", "30 %", "35 %") in changes


def test_a_new_limit_reaches_the_brief_and_readiness(new_limit, client, world, deal, rep, manager):
    _submit_and_decide(deal, rep, manager, approve=True)
    meeting = world.objects["meeting"]

    rows = {row.label: row.text for row in brief_for_meeting(meeting=meeting)["limit_rows"]}
    assert rows["Minimum deposit"] == "30 %"
    client.force_login(rep)
    page = client.get(reverse("deals:meeting_brief", args=[meeting.pk])).content.decode()
    assert 'data-testid="limit-min-deposit-pct">30 %' in page
    assert readiness_for_deal(deal).checks["limits"]

    new_limit.setattr(Briefing, "min_deposit_pct", Decimal("25"), raising=False)
    assert not readiness_for_deal(deal).checks["limits"]


def test_a_new_limit_reaches_the_report_check(new_limit, deal, rep, manager):
    _submit_and_decide(deal, rep, manager, approve=True)
    starts_at = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))

    references = report_references(deal=deal)
    assert ("Minimum deposit", "30 %") in [(row.label, row.text) for row in references.limit_rows]
    breaches = report_breaches(meeting=meeting, data={"deposit_pct": Decimal("20")})
    ours = [b for b in breaches if b["code"] == "deposit_under_approved"]
    assert ours == [
        {
            "code": "deposit_under_approved",
            "message": "Deposit 20 % is below the approved minimum deposit 30 %",
        }
    ]
    assert breach_labels(ours) == ["deposit below the approved minimum"]
    assert not [b for b in report_breaches(meeting=meeting, data={"deposit_pct": Decimal("30")}) if b in ours]
