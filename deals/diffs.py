"""What changed between two briefing snapshots, for the version history."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats

LIMIT_LABELS = {
    "currency": "Currency",
    "list_price": "List price",
    "target_price": "Target price",
    "walk_away_price": "Walk-away price",
    "max_discount_pct": "Maximum discount (%)",
    "quantity_min": "Minimum quantity",
    "quantity_max": "Maximum quantity",
    "earliest_delivery": "Earliest delivery we may promise",
    "payment_terms": "Payment terms we may offer",
    "batna": "BATNA",
}
TEXT_LABELS = {
    "objectives": "Objectives",
    "approach": "Approach and agenda",
    "attendees_interests": "Who we meet and their interests",
}


MONEY_LIMITS = {"list_price", "target_price", "walk_away_price"}


def _readable(name: str, value):
    """A limit's snapshot value as the pages write it: 885,000.00 and 15 May 2027."""
    if value is None:
        return None
    try:
        if name in MONEY_LIMITS:
            return f"{Decimal(value):,.2f}"
        if name in ("quantity_min", "quantity_max"):
            return f"{int(value):,}"
        if name == "earliest_delivery":
            return formats.date_format(datetime.date.fromisoformat(value), "j M Y")
    except (ValueError, TypeError, ArithmeticError):
        pass
    return value


@dataclass(frozen=True)
class Change:
    section: str
    label: str
    old: object
    new: object


def _rows_by_key(rows: list[dict], key: str) -> dict:
    return {row[key]: (index, row) for index, row in enumerate(rows)}


def _row_changes(section, old_rows, new_rows, key, describe) -> list[Change]:
    changes = []
    old_by_key, new_by_key = _rows_by_key(old_rows, key), _rows_by_key(new_rows, key)
    for name, (_, row) in old_by_key.items():
        if name not in new_by_key:
            changes.append(Change(section, name, describe(row), None))
    for name, (index, row) in new_by_key.items():
        if name not in old_by_key:
            changes.append(Change(section, name, None, describe(row)))
            continue
        old_index, old_row = old_by_key[name]
        if old_row != row:
            changes.append(Change(section, name, describe(old_row), describe(row)))
        elif old_index != index:
            changes.append(Change(section, name, f"position {old_index + 1}", f"position {index + 1}"))
    return changes


def snapshot_diff(old: dict | None, new: dict) -> list[Change]:
    """Changes from ``old`` to ``new``; everything counts as new when there is no ``old``."""
    old = old or {"text": {}, "limits": {}, "pitch_points": [], "objections": [], "concessions": []}
    changes = []
    for name, label in LIMIT_LABELS.items():
        before, after = old["limits"].get(name), new["limits"].get(name)
        if before != after:
            changes.append(Change("Limits", label, _readable(name, before), _readable(name, after)))
    changes += _row_changes(
        "Pitch points",
        old["pitch_points"],
        new["pitch_points"],
        "feature",
        lambda row: f"{row['benefit']}" + (f" (evidence: {row['evidence']})" if row["evidence"] else ""),
    )
    for name, label in TEXT_LABELS.items():
        before, after = old["text"].get(name) or None, new["text"].get(name) or None
        if before != after:
            changes.append(Change("Plan", label, before, after))
    changes += _row_changes(
        "Objections", old["objections"], new["objections"], "objection", lambda row: row["answer"]
    )
    changes += _row_changes(
        "Concession plan",
        old["concessions"],
        new["concessions"],
        "give",
        lambda row: f"get {row['get']}",
    )
    return changes
