"""The readiness checklist (DESIGN.md, "Readiness"): its items, and a deal's state against them (pure).

Each item is done, missing, waiting for someone else's decision, or not needed (and why). The
count ("4 of 5") is over the items that apply, so an item that does not apply is neither a point
won nor a point lost, and a request waiting for a decision is shown as waiting: the rep has done
their part. A deal is ready when every item that applies is done.
"""

from dataclasses import dataclass, field

from deals.models import Department, Meeting

DONE = "done"
MISSING = "missing"
WAITING = "waiting"
NOT_NEEDED = "not_needed"

ITEMS = [
    ("meeting", "Next meeting scheduled, with the customer contacts we meet"),
    ("limits", "Limits approved (current version)"),
    ("pitch", "Pitch points approved (current version)"),
    ("consultations", "Every required consultation answered or waived"),
    ("payment_terms", "Payment terms decided by finance"),
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


@dataclass(frozen=True)
class Check:
    """One item of the checklist: its state and, but when done, a few words on why or on whom."""

    key: str
    state: str
    note: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.key]

    @property
    def short(self) -> str:
        return SHORT_LABELS[self.key]

    @property
    def applies(self) -> bool:
        return self.state != NOT_NEEDED

    @property
    def done(self) -> bool:
        return self.state == DONE

    @property
    def is_missing(self) -> bool:
        """The rep still has to do it."""
        return self.state == MISSING

    @property
    def is_waiting(self) -> bool:
        """Asked: it waits for someone else's answer or decision."""
        return self.state == WAITING

    @property
    def summary(self) -> str:
        """In a word or two, for rows: what is missing, or whom it waits for."""
        return self.note if self.is_waiting else self.short


@dataclass
class Readiness:
    checks: dict[str, Check]
    next_meeting: Meeting | None = None
    missing_consultations: list[str] = field(default_factory=list)

    @property
    def items(self) -> list[Check]:
        return [self.checks[key] for key, _ in ITEMS]

    @property
    def done(self) -> int:
        return sum(check.done for check in self.checks.values())

    @property
    def total(self) -> int:
        return sum(check.applies for check in self.checks.values())

    @property
    def is_ready(self) -> bool:
        return self.done == self.total

    @property
    def is_nearly_ready(self) -> bool:
        """One or two checks to go: the lists show it amber, not red."""
        return self.total - 2 <= self.done < self.total

    @property
    def open_items(self) -> list[Check]:
        """What applies and is not done yet: missing or waiting, in the checklist's order."""
        return [check for check in self.items if check.applies and not check.done]

    @property
    def open_summaries(self) -> list[Check]:
        """The open items for a row, each said once: limits and pitch waiting for the same approval
        read "waiting for approval" once."""
        shown, seen = [], set()
        for check in self.open_items:
            if check.summary not in seen:
                seen.add(check.summary)
                shown.append(check)
        return shown

    @property
    def missing(self) -> list[str]:
        """The labels of what applies and is not done yet (missing or waiting)."""
        return [check.label for check in self.open_items]

    @property
    def missing_short(self) -> list[str]:
        return [check.summary for check in self.open_summaries]

    @property
    def not_needed(self) -> list[Check]:
        return [check for check in self.items if not check.applies]

    @property
    def payment_terms_pending(self) -> bool:
        return self.checks["payment_terms"].is_waiting

    def __str__(self):
        return f"{self.done} of {self.total}"


@dataclass(frozen=True)
class DealFacts:
    """What the checklist is decided from, read by ``deals.selectors.readiness``.

    ``meeting`` is the next meeting (or None) with ``contact_count``, ``co_negotiator_count``,
    ``covered`` (accepted cover for its whole window), ``cover_asked`` (cover asked for its window,
    not answered yet) and ``co_negotiator_asked`` (a colleague asked to come along, not answered).
    ``unsettled`` maps each department whose required consultation is unsettled to its status
    (``open``: not asked yet, ``requested``: waiting for the answer).
    """

    meeting: Meeting | None
    limits_approved: bool
    pitch_approved: bool
    briefing_submitted: bool
    needs_consultations: bool
    unsettled: dict[str, str]
    payment_terms_wanted: bool
    payment_terms_pending: bool
    payment_terms_decided: bool


def _meeting(meeting) -> Check:
    if meeting is None:
        return Check("meeting", MISSING, "none scheduled")
    if not meeting.contact_count:
        return Check("meeting", MISSING, "no customer contacts named")
    return Check("meeting", DONE)


def _approval(key: str, approved: bool, submitted: bool) -> Check:
    if approved:
        return Check(key, DONE)
    if submitted:
        return Check(key, WAITING, "waiting for approval")
    return Check(key, MISSING, "not approved yet")


def _departments(departments) -> str:
    return ", ".join(Department(d).label.lower() for d in Department.values if d in departments)


def _consultations(facts: DealFacts) -> Check:
    if not facts.unsettled:
        if facts.needs_consultations:
            return Check("consultations", DONE)
        return Check("consultations", NOT_NEEDED, "the deal involves neither production nor delivery")
    not_asked = [d for d, status in facts.unsettled.items() if status == "open"]
    if not_asked:
        return Check("consultations", MISSING, f"not asked yet: {_departments(not_asked)}")
    return Check("consultations", WAITING, f"waiting for {_departments(facts.unsettled)}")


def _payment_terms(facts: DealFacts) -> Check:
    if facts.payment_terms_pending:
        return Check("payment_terms", WAITING, "waiting for finance")
    if facts.payment_terms_decided:
        return Check("payment_terms", DONE)
    if facts.payment_terms_wanted:
        return Check("payment_terms", MISSING, "not requested yet")
    return Check("payment_terms", NOT_NEEDED, "no special payment terms asked for")


def _on_call(meeting) -> Check:
    if meeting is None:
        return Check("on_call", MISSING, "no meeting to cover yet")
    if meeting.covered:
        return Check("on_call", DONE)
    if meeting.cover_asked:
        return Check("on_call", WAITING, "waiting for the on-call colleague")
    return Check("on_call", MISSING, "nobody on call yet")


def _co_negotiator(meeting) -> Check:
    if meeting is None or not meeting.needs_co_negotiator:
        return Check("co_negotiator", NOT_NEEDED, "only the final round needs one")
    if meeting.co_negotiator_count:
        return Check("co_negotiator", DONE)
    if meeting.co_negotiator_asked:
        return Check("co_negotiator", WAITING, "waiting for the co-negotiator")
    return Check("co_negotiator", MISSING, "nobody asked yet")


def readiness_of(facts: DealFacts) -> Readiness:
    """The checklist of one deal's next meeting."""
    checks = [
        _meeting(facts.meeting),
        _approval("limits", facts.limits_approved, facts.briefing_submitted),
        _approval("pitch", facts.pitch_approved, facts.briefing_submitted),
        _consultations(facts),
        _payment_terms(facts),
        _on_call(facts.meeting),
        _co_negotiator(facts.meeting),
    ]
    return Readiness(
        checks={check.key: check for check in checks},
        next_meeting=facts.meeting,
        missing_consultations=[Department(d).label for d in Department.values if d in facts.unsettled],
    )
