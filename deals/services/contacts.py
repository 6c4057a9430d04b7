"""Writes about the customer's people: add a contact from the deal page, correct one.

Contacts belong to the customer, not to one deal; the timeline entry goes on
the deal the rep worked from.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from deals.access import can_edit_deal
from deals.models import BuyingRole, Contact, Deal
from deals.services.activity import activity_record
from negprep.errors import Invalid, NotAllowed
from teams.models import User, phone_validator

# Labels of the timeline's "changes"; the keys are the services' argument names.
CONTACT_CHANGE_LABELS = {
    "name": "Name",
    "title": "Title",
    "buying_role": "Buying role",
    "cares_about": "Cares about",
    "email": "Email",
    "phone": "Phone",
}
CONTACT_FIELDS = tuple(CONTACT_CHANGE_LABELS)


def _check_owner(*, deal: Deal, by: User) -> None:
    if not can_edit_deal(user=by, deal=deal):
        raise NotAllowed("Only the deal's owner manages its contacts.")


def _clean(*, deal: Deal, values: dict, exclude_pk: int | None = None) -> dict:
    """The values stripped and checked; ``Invalid`` keyed by field otherwise."""
    values = {field: (value or "").strip() for field, value in values.items()}
    errors = {}
    name = values["name"]
    if not name:
        errors["name"] = "Give the contact's name."
    if values["buying_role"] not in BuyingRole.values:
        errors["buying_role"] = "Pick the contact's buying role."
    for field in ("name", "title", "cares_about", "phone"):
        limit = Contact._meta.get_field(field).max_length
        if len(values[field]) > limit:
            errors.setdefault(field, f"Keep it to {limit} characters or fewer.")
    if values["email"] and "email" not in errors:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = "Enter a valid email address, e.g. jana.kruse@example.com."
    if values["phone"] and "phone" not in errors:
        try:
            phone_validator(values["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if name and "name" not in errors:
        twins = Contact.objects.filter(customer_id=deal.customer_id, name__iexact=name)
        if exclude_pk is not None:
            twins = twins.exclude(pk=exclude_pk)
        if twins.exists():
            errors["name"] = f"{deal.customer} already has a contact called {name}: correct that one."
    if errors:
        raise Invalid(errors)
    return values


def contact_add(
    *,
    deal: Deal,
    by: User,
    name: str,
    title: str = "",
    buying_role: str,
    cares_about: str = "",
    email: str = "",
    phone: str = "",
) -> Contact:
    """Add a contact to the deal's customer, with its timeline entry on the deal."""
    with transaction.atomic():
        # Lock the deal, so a deal closed meanwhile is not given new people.
        deal = Deal.objects.select_for_update().select_related("team", "customer").get(pk=deal.pk)
        _check_owner(deal=deal, by=by)
        if not deal.is_open:
            raise Invalid(
                f"This deal is {deal.get_status_display().lower()}: it takes no new contacts."
            )
        values = _clean(
            deal=deal,
            values={
                "name": name,
                "title": title,
                "buying_role": buying_role,
                "cares_about": cares_about,
                "email": email,
                "phone": phone,
            },
        )
        contact = Contact.objects.create(customer_id=deal.customer_id, **values)
        activity_record(deal=deal, actor=by, verb="contact_added", summary=f"added {contact} to the contacts")
    return contact


def _json_value(name: str, value):
    if name == "buying_role" and value in BuyingRole.values:
        return BuyingRole(value).label
    return value or None


def contact_update(*, contact: Contact, deal: Deal, by: User, **fields) -> Contact:
    """Correct a contact of the deal's customer and record what changed.

    ``fields`` may hold any of CONTACT_FIELDS; the others keep their value.
    Nothing changed → no timeline entry. The given ``contact`` gets the stored values.
    """
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"contact_update cannot change: {', '.join(sorted(unknown))}")
    _check_owner(deal=deal, by=by)

    with transaction.atomic():
        # Compare with what is stored, under a lock, not with an instance a form may have touched.
        current = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if current is None or current.customer_id != deal.customer_id:
            raise Invalid(f"This is not a contact of {deal.customer}.")
        values = _clean(
            deal=deal,
            values={name: fields.get(name, getattr(current, name)) for name in CONTACT_FIELDS},
            exclude_pk=current.pk,
        )
        changes = {}
        for name, value in values.items():
            old = getattr(current, name)
            if old != value:
                changes[CONTACT_CHANGE_LABELS[name]] = {
                    "old": _json_value(name, old),
                    "new": _json_value(name, value),
                }
                setattr(current, name, value)
        if changes:
            current.save(update_fields=list(CONTACT_FIELDS))
            activity_record(
                deal=deal,
                actor=by,
                verb="contact_updated",
                summary=f"updated the contact {current.name}",
                changes=changes,
            )
    for name in CONTACT_FIELDS:
        setattr(contact, name, getattr(current, name))
    return contact
