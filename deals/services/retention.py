"""Erasing a customer contact's personal data on request (``manage.py erase_contact``).

The contact's row stays, named ``ERASED_CONTACT_NAME``, so the meetings it attended and the deals'
figures stay as they were. Its name, e-mail and phone, current and former, are replaced wherever
people wrote them on the customer's deals (the deal, its timeline, briefings and their approved
versions, consultations, payment terms, reports, meetings) and in the customer's notes. Each of the
customer's deals gets a timeline entry with the reason, made by the system, not by a person.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import CharField, F, JSONField, Model, TextField
from django.utils import timezone

from deals.models import ERASED_CONTACT_NAME, Activity, Contact, Customer, Deal
from deals.selectors.retention import TEAM_RECORDS
from deals.services.activity import activity_record
from negprep.errors import Invalid

ERASED_VALUE = "[erased]"
REASON_MAX = 200
# Shorter strings are too likely to be part of other words to be replaced safely.
SHORTEST_NAME = 3
SHORTEST_NUMBER = 5

# The records hanging off a deal, with the path from each to its deal.
DEAL_RECORDS = [
    (model, path.removesuffix("__team")) for model, path in TEAM_RECORDS if path.endswith("deal__team")
]


@dataclass(frozen=True)
class Erasure:
    contact: Contact
    deals: int  # how many deals of the customer got the timeline entry
    rows: int  # how many other records had the contact's data replaced


def _former_values(*, contact: Contact, entries: list[Activity]) -> tuple[set[str], set[str]]:
    """The contact's names, and its e-mail addresses and phone numbers, now and before, as the
    timeline's "updated the contact" entries recorded them."""
    names = {contact.name}
    numbers = {value for value in (contact.email, contact.phone) if value}
    updates = [entry for entry in entries if entry.verb == "contact_updated"]
    grew = True
    while grew:  # a renamed contact's older entries name it by its older names
        grew = False
        for entry in updates:
            if entry.summary.removeprefix("updated the contact ") not in names:
                continue
            renamed = entry.changes.get("Name") or {}
            if renamed.get("old") and renamed["old"] not in names:
                names.add(renamed["old"])
                grew = True
            for label in ("Email", "Phone"):
                numbers |= {value for value in (entry.changes.get(label) or {}).values() if value}
    return {name for name in names if len(name) >= SHORTEST_NAME}, {
        value for value in numbers if len(value) >= SHORTEST_NUMBER
    }


def _pattern(values: set[str]) -> re.Pattern | None:
    if not values:
        return None
    # Longest first, so "Jana Kruse" goes before a former "Jana" could split it.
    alternatives = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class _Scrubber:
    def __init__(self, *, names: set[str], numbers: set[str]):
        self.names = _pattern(names)
        self.numbers = _pattern(numbers)

    def text(self, value: str) -> str:
        if self.numbers is not None:
            value = self.numbers.sub(ERASED_VALUE, value)
        if self.names is not None:
            value = self.names.sub(ERASED_CONTACT_NAME, value)
        return value

    def json(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        return value


def _text_fields(model: type[Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, CharField | TextField | JSONField) and not field.choices
    ]


def _counted_save(model: type[Model]) -> dict:
    """What else a scrubbed row's update sets: a save by nobody in particular, so that a form opened
    before the erasure is refused rather than writing the data back unseen (negprep.versioning)."""
    names = {field.name for field in model._meta.concrete_fields}
    counted = {"revision": F("revision") + 1} if "revision" in names else {}
    if "updated_by" in names:
        counted["updated_by"] = None
    if "updated_at" in names:
        counted["updated_at"] = timezone.now()
    return counted


def _scrub(model: type[Model], rows, scrubber: _Scrubber) -> int:
    """Replace the contact's data in every text of these rows; how many rows changed."""
    fields = _text_fields(model)
    changed_rows = 0
    for row in rows.values("pk", *fields):
        changed = {}
        for name in fields:
            value = row[name]
            new = scrubber.text(value) if isinstance(value, str) else scrubber.json(value)
            if new != value:
                changed[name] = new
        if changed:
            changed.update(_counted_save(model))
            model.objects.filter(pk=row["pk"]).update(**changed)
            changed_rows += 1
    return changed_rows


def _scrub_contact_updates(entries: list[Activity], names: set[str]) -> int:
    """What the contact cared about and their title, in the entries that corrected them."""
    count = 0
    for entry in entries:
        if entry.verb != "contact_updated" or entry.summary.removeprefix("updated the contact ") not in names:
            continue
        changes = dict(entry.changes)
        for label in ("Title", "Cares about"):
            if label in changes:
                changes[label] = {
                    key: ERASED_VALUE if value else value for key, value in changes[label].items()
                }
        if changes != entry.changes:
            Activity.objects.filter(pk=entry.pk).update(changes=changes)
            count += 1
    return count


def contact_erase(*, contact: Contact, reason: str) -> Erasure:
    """Erase the contact's personal data on request, keep the row and the deals' figures, and put
    an entry with the ``reason`` on each of the customer's deals (the actor is the system)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "Say why the contact's data is erased, e.g. the request's reference."})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": f"Keep the reason to {REASON_MAX} characters or fewer."})
    with transaction.atomic():
        contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
        if contact.is_erased:
            raise Invalid(f"This contact's personal data was already erased on {contact.erased_at:%Y-%m-%d}.")
        customer = contact.customer
        deals = list(Deal.objects.filter(customer=customer).order_by("pk"))
        entries = list(Activity.objects.filter(deal__customer=customer, verb="contact_updated"))
        names, numbers = _former_values(contact=contact, entries=entries)
        rows = _scrub_contact_updates(entries, names)
        scrubber = _Scrubber(names=names, numbers=numbers)
        for model, path in DEAL_RECORDS:
            rows += _scrub(model, model.objects.filter(**{f"{path}__customer": customer}), scrubber)
        rows += _scrub(Deal, Deal.objects.filter(customer=customer), scrubber)
        rows += _scrub(Customer, Customer.objects.filter(pk=customer.pk), scrubber)

        now = timezone.now()
        Contact.objects.filter(pk=contact.pk).update(
            name=ERASED_CONTACT_NAME,
            title="",
            email="",
            phone="",
            cares_about="",
            erased_at=now,
            archived_at=contact.archived_at or now,
        )
        for deal in deals:
            activity_record(
                deal=deal,
                actor=None,
                verb="contact_erased",
                summary=f"The personal data of a contact at {customer.name} was erased on request "
                f"(manage.py erase_contact): {reason}",
                changes={
                    "Contact": {"old": None, "new": f"#{contact.pk}"},
                    "Reason": {"old": None, "new": reason},
                },
            )
    contact.refresh_from_db()
    return Erasure(contact=contact, deals=len(deals), rows=rows)
