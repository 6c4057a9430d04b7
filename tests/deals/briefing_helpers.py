from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from deals.services.briefings import briefing_decide, briefing_save, briefing_submit

# The earliest delivery the ``approved`` briefing lets a rep promise.
EARLIEST = timezone.localdate() + timedelta(days=40)

COMPLETE_FIELDS = {
    "objectives": "Sign a 3-year frame contract",
    "approach": "Open with the reliability data",
    "currency": "EUR",
    "list_price": Decimal("250.00"),
    "target_price": Decimal("230.00"),
    "walk_away_price": Decimal("210.00"),
    "max_discount_pct": Decimal("12.00"),
    "quantity_min": 400,
    "quantity_max": 600,
    "payment_terms": "30 days net",
}
PITCH = [
    {"feature": "Self-cleaning valve seat", "benefit": "Less downtime on their line", "evidence": "Pilot"},
    {"feature": "24 h spare parts", "benefit": "No stock needed", "evidence": ""},
]


def fill_briefing(briefing, by, **overrides):
    briefing.refresh_from_db()
    return briefing_save(
        briefing=briefing,
        by=by,
        revision=briefing.revision,
        fields={**COMPLETE_FIELDS, **overrides},
        pitch_points=PITCH,
        objections=[{"objection": "Too expensive", "answer": "Lower total cost"}],
        concessions=[{"give": "2 % discount", "get": "3-year term"}],
    )


def approve_briefing(deal, rep, manager, **overrides):
    """The deal's briefing filled in (``COMPLETE_FIELDS`` and ``PITCH``), submitted by ``rep`` and
    approved by ``manager``; returned fresh from the database."""
    fill_briefing(deal.briefing, rep, **overrides)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    briefing_decide(briefing=deal.briefing, by=manager, approve=True)
    deal.briefing.refresh_from_db()
    return deal.briefing
