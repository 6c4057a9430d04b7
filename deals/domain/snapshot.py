"""The briefing snapshot: what a submitted version froze and an approval approved (DESIGN.md, "Approval").

``BriefingSnapshot`` and its ``LimitsSnapshot`` own the format. They are made
from a briefing (``from_briefing``), stored as JSON (``to_json``) and read back
from what a version stored (``from_json``: a limit an older version lacks reads
as empty). The limits label, format and compare themselves, and two snapshots
say what changed between them. The meeting brief, the report check, the team
results, readiness and the version history all read snapshots through here.

A new limit is one more ``Limit`` in ``LIMITS`` (beside its ``Briefing``
field): its label, format, diff, brief row and report check follow from it.
Nothing here writes to the database.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from deals import formatting
from deals.models import Briefing, field_label

TEXT_FIELDS = ["objectives", "approach", "attendees_interests"]
PITCH_FIELDS = ["feature", "benefit", "evidence"]
OBJECTION_FIELDS = ["objection", "answer"]
CONCESSION_FIELDS = ["give", "get"]

# The kinds of limit: how a value is typed, stored and written.
CURRENCY, MONEY, PERCENT, QUANTITY, DATE, TEXT = "currency", "money", "percent", "quantity", "date", "text"
FIGURE_KINDS = (MONEY, PERCENT, QUANTITY, DATE)


@dataclass(frozen=True)
class Bound:
    """A reported term the limit bounds: beyond it, the report breaches what was approved.

    ``message`` names the reported value ``{term}`` and the limit ``{limit}``.
    """

    term: str
    at_least: bool  # the term must be at least the limit; otherwise at most
    code: str
    short: str  # the breach in a few words, for e-mail subjects and lists
    message: str


@dataclass(frozen=True)
class Limit:
    name: str  # the Briefing field, and the key in the stored JSON
    kind: str
    strong: bool = False  # a figure the rep keeps in mind in the room
    bound: Bound | None = None
    label: str = ""  # the field's verbose name unless given

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", field_label(Briefing, self.name))


LIMITS = [
    Limit("currency", CURRENCY),
    Limit("list_price", MONEY),
    Limit("target_price", MONEY, strong=True),
    Limit(
        "walk_away_price",
        MONEY,
        strong=True,
        bound=Bound(
            "agreed_price",
            True,
            "price_under_walk_away",
            "price under walk-away",
            "Agreed price {term} is under the walk-away price {limit}",
        ),
    ),
    Limit(
        "max_discount_pct",
        PERCENT,
        bound=Bound(
            "discount_pct",
            False,
            "discount_over_max",
            "discount over the maximum",
            "Discount {term} is over the maximum discount {limit}",
        ),
    ),
    Limit(
        "quantity_min",
        QUANTITY,
        bound=Bound(
            "quantity",
            True,
            "quantity_below_range",
            "quantity below the approved range",
            "Quantity {term} is below the approved minimum {limit}",
        ),
    ),
    Limit(
        "quantity_max",
        QUANTITY,
        bound=Bound(
            "quantity",
            False,
            "quantity_above_range",
            "quantity above the approved range",
            "Quantity {term} is above the approved maximum {limit}",
        ),
    ),
    Limit(
        "earliest_delivery",
        DATE,
        bound=Bound(
            "delivery_date",
            True,
            "delivery_before_approved",
            "delivery earlier than approved",
            "Delivery on {term} is earlier than the earliest delivery we may promise ({limit})",
        ),
    ),
    Limit("payment_terms", TEXT),
    Limit("batna", TEXT),
]
LIMIT_FIELDS = [limit.name for limit in LIMITS]


def limited_terms() -> list[str]:
    """The reported terms the approved limits govern: agreeing to any without approved limits is a breach."""
    return list(dict.fromkeys(limit.bound.term for limit in LIMITS if limit.bound))


def limit_breach_labels() -> dict[str, str]:
    """The short names of the breaches of a limit, by code."""
    return {limit.bound.code: limit.bound.short for limit in LIMITS if limit.bound}


def _typed(kind: str, value):
    """A stored, posted or model value as its kind's type; None when empty or unformatting."""
    if value is None or value == "":
        return None
    try:
        if kind in (MONEY, PERCENT):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        if kind == QUANTITY:
            return int(value)
        if kind == DATE:
            return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    except (ValueError, TypeError, ArithmeticError, InvalidOperation):
        return None
    return str(value)


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _written(kind: str, value, currency: str) -> str:
    if kind == MONEY:
        return formatting.money(value, currency)
    if kind == PERCENT:
        return f"{formatting.pct(value)} %"
    if kind == QUANTITY:
        return formatting.quantity(value)
    if kind == DATE:
        return formatting.day(value)
    return str(value)


@dataclass(frozen=True)
class Change:
    section: str
    label: str
    old: object
    new: object


@dataclass
class Badge:
    text: str
    title: str = ""
    warning: bool = False


@dataclass
class LimitRow:
    """One limit as a page shows it; the page may add a note, a warning or a badge."""

    name: str
    label: str
    text: str  # empty when the limit is empty
    strong: bool = False
    note: str = ""  # beside the value, muted
    warning: str = ""  # under the value
    badge: Badge | None = None

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")


@dataclass(frozen=True)
class LimitsSnapshot:
    """The limits of a briefing, typed: Decimal money and percentages, whole quantities, a date, text."""

    values: dict = field(default_factory=dict)

    @classmethod
    def from_briefing(cls, briefing) -> "LimitsSnapshot":
        return cls({limit.name: _typed(limit.kind, getattr(briefing, limit.name)) for limit in LIMITS})

    @classmethod
    def from_json(cls, data: dict | None) -> "LimitsSnapshot":
        data = data or {}
        return cls({limit.name: _typed(limit.kind, data.get(limit.name)) for limit in LIMITS})

    @classmethod
    def approved_of(cls, briefing) -> "LimitsSnapshot | None":
        """The limits of the briefing's approved version; None without one."""
        approved = briefing.approved_version if briefing is not None else None
        return cls.from_json(approved.snapshot.get("limits")) if approved else None

    def to_json(self) -> dict:
        return {limit.name: _json(self.values.get(limit.name)) for limit in LIMITS}

    def __getattr__(self, name):
        # The limits by name (``limits.walk_away_price``), for code and templates alike.
        if name != "values" and name in self.values:
            return self.values[name]
        raise AttributeError(name)

    @property
    def currency(self) -> str:
        return self.values.get("currency") or ""

    def text(self, name: str) -> str:
        """The limit as the pages write it ("210.00 EUR", "12 %", "1,200", "1 Dec 2026"); empty when empty."""
        value = self.values.get(name)
        if value is None:
            return ""
        return _written(_limit(name).kind, value, self.currency)

    def rows(self, *, kinds=None) -> list[LimitRow]:
        """The limits as rows, in order (the currency goes with the money), of ``kinds`` when given."""
        return [
            LimitRow(name=limit.name, label=limit.label, text=self.text(limit.name), strong=limit.strong)
            for limit in LIMITS
            if limit.kind != CURRENCY and (kinds is None or limit.kind in kinds)
        ]

    def approves(self, current: "LimitsSnapshot", *, granted_payment_terms: str | None = None) -> bool:
        """Whether these approved limits are the ``current`` ones.

        Payment terms are finance's to grant: terms finance approved or countered
        (``granted_payment_terms``) count as approved without a new round with the manager.
        """
        approved = self.values
        if granted_payment_terms is not None and current.values.get("payment_terms") == granted_payment_terms:
            approved = {**approved, "payment_terms": granted_payment_terms}
        return approved == current.values

    def breaches(self, terms: dict) -> list[dict]:
        """Each reported term beyond the limit that bounds it, as ``{"code", "message"}``; exactly at
        the limit is within."""
        breaches = []
        for limit in LIMITS:
            bound = limit.bound
            if bound is None:
                continue
            allowed, reported = self.values.get(limit.name), _typed(limit.kind, terms.get(bound.term))
            if allowed is None or reported is None:
                continue
            if reported < allowed if bound.at_least else reported > allowed:
                message = bound.message.format(
                    term=_written(limit.kind, reported, self.currency),
                    limit=_written(limit.kind, allowed, self.currency),
                )
                breaches.append({"code": bound.code, "message": message})
        return breaches

    def target_discount_pct(self) -> Decimal | None:
        """The discount the target price means: 1 − target / list, in percent."""
        return self.discount_at(self.values.get("target_price"))

    def discount_at(self, price) -> Decimal | None:
        """The discount a unit price means off the list price, in percent."""
        list_price = self.values.get("list_price")
        if price is None or not list_price:
            return None
        return ((Decimal("1") - Decimal(price) / list_price) * 100).quantize(Decimal("0.01"))

    def changes_since(self, before: "LimitsSnapshot") -> dict:
        """For the timeline: each changed limit by label, with its stored old and new values."""
        old, new = before.to_json(), self.to_json()
        return {
            limit.label: {"old": old[limit.name], "new": new[limit.name]}
            for limit in LIMITS
            if old[limit.name] != new[limit.name]
        }

    def diff(self, before: "LimitsSnapshot") -> list[Change]:
        """For the version history: each changed limit with its old and new value as the pages write them."""
        return [
            Change("Limits", limit.label, before.text(limit.name) or None, self.text(limit.name) or None)
            for limit in LIMITS
            if before.values.get(limit.name) != self.values.get(limit.name)
        ]


def _limit(name: str) -> Limit:
    return next(limit for limit in LIMITS if limit.name == name)


def _rows(rows, fields) -> list[dict]:
    return [{name: getattr(row, name) for name in fields} for row in rows]


def pitch_points_of(points) -> list[dict]:
    """Pitch points (model rows) as a snapshot holds them."""
    return _rows(points, PITCH_FIELDS)


@dataclass(frozen=True)
class BriefingSnapshot:
    """Everything a submitted version froze: the plan's text, the limits, and the rows beside them."""

    text: dict
    limits: LimitsSnapshot
    pitch_points: list[dict]
    objections: list[dict]
    concessions: list[dict]

    @classmethod
    def from_briefing(cls, briefing) -> "BriefingSnapshot":
        return cls(
            text={name: getattr(briefing, name) for name in TEXT_FIELDS},
            limits=LimitsSnapshot.from_briefing(briefing),
            pitch_points=pitch_points_of(briefing.pitch_points.all()),
            objections=_rows(briefing.objections.all(), OBJECTION_FIELDS),
            concessions=_rows(briefing.concessions.all(), CONCESSION_FIELDS),
        )

    @classmethod
    def from_json(cls, data: dict | None) -> "BriefingSnapshot":
        data = data or {}
        return cls(
            text=dict(data.get("text") or {}),
            limits=LimitsSnapshot.from_json(data.get("limits")),
            pitch_points=list(data.get("pitch_points") or []),
            objections=list(data.get("objections") or []),
            concessions=list(data.get("concessions") or []),
        )

    def to_json(self) -> dict:
        return {
            "text": dict(self.text),
            "limits": self.limits.to_json(),
            "pitch_points": self.pitch_points,
            "objections": self.objections,
            "concessions": self.concessions,
        }

    def approval_json(self) -> dict:
        """What an approval freezes: the limits and pitch points it approved."""
        return {"limits": self.limits.to_json(), "pitch_points": self.pitch_points}

    def changes_since(self, before: "BriefingSnapshot | None") -> list[Change]:
        """What changed from ``before``; everything counts as new when there is no ``before``."""
        before = before or BriefingSnapshot.from_json(None)
        changes = self.limits.diff(before.limits)
        changes += _row_changes(
            "Pitch points",
            before.pitch_points,
            self.pitch_points,
            "feature",
            lambda row: row["benefit"] + (f" (evidence: {row['evidence']})" if row["evidence"] else ""),
        )
        for name in TEXT_FIELDS:
            old, new = before.text.get(name) or None, self.text.get(name) or None
            if old != new:
                changes.append(Change("Plan", field_label(Briefing, name), old, new))
        changes += _row_changes(
            "Objections", before.objections, self.objections, "objection", lambda row: row["answer"]
        )
        changes += _row_changes(
            "Concession plan", before.concessions, self.concessions, "give", lambda row: f"get {row['get']}"
        )
        return changes


def _row_changes(section, old_rows, new_rows, key, describe) -> list[Change]:
    """Rows added, removed, changed or moved, matched by ``key``."""
    changes = []
    old_by_key = {row[key]: (index, row) for index, row in enumerate(old_rows)}
    new_by_key = {row[key]: (index, row) for index, row in enumerate(new_rows)}
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
