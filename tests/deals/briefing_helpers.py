from decimal import Decimal

from deals.services.briefings import briefing_save

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
