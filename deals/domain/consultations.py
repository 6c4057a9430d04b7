"""What each department is asked, and what its answer must hold: texts, limits and checks of values.

The services that ask, answer and waive (``deals.services.consultations``) and the
forms that collect the questions and answers share these.
"""

import datetime
from collections.abc import Iterable

from django.utils import formats, timezone

from deals.models import STRUCTURED_DEPARTMENTS, CanFulfil, Consultation, Deal, Department
from negprep.errors import Invalid

# What each department is asked, as a phrase for subjects and pages.
DEPARTMENT_ASKS = {
    Department.PRODUCTION: "whether we can make it",
    Department.SUPPLY_CHAIN: "whether we can deliver by the date",
    Department.FINANCE: "for guidance on the payment side",
}
# What finance must write when it answers.
ANSWER_PROMPTS = {
    Department.FINANCE: "Write your guidance on the payment side.",
}
ANSWER_FIELDS = (
    "answer",
    "can_fulfil",
    "missing",
    "extra_resources",
    "lead_time_days",
    "committed_date",
    "support",
)
_TEXT_LIMITS = {"answer": 6000, "missing": 2000, "extra_resources": 2000, "support": 2000}
QUESTIONS_MAX = 4000
REASON_MAX = 2000


def department_label(department: str) -> str:
    return Department(department).label


def queue_label(department: str) -> str:
    """Who a request sent to the department as a whole went to."""
    return f"the {department_label(department).lower()} queue"


def suggested_questions(*, deal: Deal, department: str) -> str:
    """What the rep is offered to ask a department, filled in from the deal."""
    quantity = f"{deal.quantity} units" if deal.quantity else "the quantity"
    by_date = (
        formats.date_format(deal.requested_delivery_date, "j M Y")
        if deal.requested_delivery_date
        else "the date the customer asks for"
    )
    return {
        Department.PRODUCTION: f"Can we make {quantity} of: {deal.scope.strip()}? "
        "What is missing, what extra resources do we need, and how long does it take to mobilise?",
        Department.SUPPLY_CHAIN: f"Can we deliver {quantity} by {by_date}? "
        "What is missing, and what is the lead time?",
        Department.FINANCE: "Beyond the payment terms: what should I know about this customer's credit "
        "and the payment side of the deal?",
    }[department]


def optional_departments(*, taken: Iterable[str]) -> list[str]:
    """The departments a rep may add an optional question for, in the deal page's order, leaving
    out those ``taken`` (required by the deal, or already waiting to be asked or answered)."""
    taken = set(taken)
    return [department for department in Department.values if department not in taken]


def _clean_text(values: dict, name: str) -> str:
    text = (values.get(name) or "").strip()
    limit = _TEXT_LIMITS[name]
    if len(text) > limit:
        label = Consultation._meta.get_field(name).verbose_name
        raise Invalid(f"Keep “{label}” under {limit:,} characters.")
    return text


def clean_answer(department: str, values: dict) -> dict:
    """The answer's fields as they will be stored; raises Invalid on what is missing."""
    cleaned = {name: _clean_text(values, name) for name in _TEXT_LIMITS}
    if department not in STRUCTURED_DEPARTMENTS:
        if not cleaned["answer"]:
            raise Invalid(ANSWER_PROMPTS[department])
        return {
            **cleaned,
            "missing": "",
            "extra_resources": "",
            "support": "",
            "can_fulfil": "",
            "lead_time_days": None,
            "committed_date": None,
        }

    can_fulfil = values.get("can_fulfil") or ""
    if can_fulfil not in CanFulfil.values:
        raise Invalid("Say whether we can fulfil it: yes, partly or no.")
    lead_time = values.get("lead_time_days")
    if lead_time is None or lead_time == "":
        raise Invalid("Give the lead time to mobilise, in days.")
    try:
        lead_time = int(lead_time)
    except (TypeError, ValueError):
        raise Invalid("Give the lead time to mobilise as a whole number of days.") from None
    if lead_time < 0:
        raise Invalid("The lead time cannot be negative.")
    committed = values.get("committed_date")
    if committed is not None and not isinstance(committed, datetime.date):
        raise Invalid("Give the earliest date you commit to as a date.")
    if can_fulfil in (CanFulfil.YES, CanFulfil.PARTLY) and committed is None:
        raise Invalid("Give the earliest date you commit to.")
    if committed is not None and committed < timezone.localdate():
        raise Invalid("The date you commit to is in the past.")
    return {**cleaned, "can_fulfil": can_fulfil, "lead_time_days": lead_time, "committed_date": committed}


def answer_summary(consultation: Consultation) -> str:
    """The answer in one line, for the deal's timeline."""
    department = department_label(consultation.department).lower()
    if consultation.department not in STRUCTURED_DEPARTMENTS:
        return f"answered the {department} consultation"
    parts = [f"can fulfil: {consultation.get_can_fulfil_display().lower()}"]
    parts.append(f"{consultation.lead_time_days} days to mobilise")
    if consultation.committed_date:
        parts.append(f"commits to {formats.date_format(consultation.committed_date, 'j M Y')}")
    return f"answered the {department} consultation — " + ", ".join(parts)
