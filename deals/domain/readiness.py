"""The readiness checklist: its items, their labels, and a deal's state against them (pure)."""

from dataclasses import dataclass, field

from deals.models import (
    Meeting,
)

ITEMS = [
    ("meeting", "Next meeting scheduled, with the customer contacts we meet"),
    ("limits", "Limits approved (current version)"),
    ("pitch", "Pitch points approved (current version)"),
    ("consultations", "Every required consultation answered or waived"),
    ("payment_terms", "No payment-term request pending"),
    ("on_call", "On-call cover arranged for the meeting"),
    ("co_negotiator", "A co-negotiator for the final meeting"),
]


LABELS = dict(ITEMS)


# The same items in a word or two, for lists where space is short.
SHORT_LABELS = {
    "meeting": "meeting",
    "limits": "limits",
    "pitch": "pitch",
    "consultations": "consultations",
    "payment_terms": "payment terms",
    "on_call": "on-call cover",
    "co_negotiator": "co-negotiator",
}


@dataclass
class Readiness:
    checks: dict[str, bool]
    next_meeting: Meeting | None = None
    missing_consultations: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(self.checks.values())

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def is_ready(self) -> bool:
        return self.done == self.total

    @property
    def is_nearly_ready(self) -> bool:
        """One or two checks to go: the lists show it amber, not red."""
        return self.total - 2 <= self.done < self.total

    @property
    def items(self) -> list[tuple[str, str, bool]]:
        return [(key, LABELS[key], self.checks[key]) for key, _ in ITEMS]

    @property
    def missing(self) -> list[str]:
        return [LABELS[key] for key, _ in ITEMS if not self.checks[key]]

    @property
    def missing_short(self) -> list[str]:
        return [SHORT_LABELS[key] for key, _ in ITEMS if not self.checks[key]]

    def __str__(self):
        return f"{self.done} of {self.total}"
