"""Writes about the customer's people: add a contact from the deal page, correct one, archive
and restore one.

Contacts belong to the customer, not to one deal; the timeline entry goes on
the deal the rep worked from. A contact is never deleted: an archived one leaves
the lists and pickers but stays on the meetings and reports it was part of.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from deals.access import can_edit_deal
from deals.models import BuyingRole, Contact, Deal
from deals.services.activity import activity_record
from negprep.errors import Invalid, NotAllowed
from negprep.versioning import mark_saved, refuse_stale
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
        # An erased contact's placeholder name is nobody's.
        twins = Contact.objects.filter(customer_id=deal.customer_id, name__iexact=name).filter(
            erased_at__isnull=True
        )
        if exclude_pk is not None:
            twins = twins.exclude(pk=exclude_pk)
        twin = twins.order_by("archived_at").first()
        if twin is not None and twin.is_archived:
            errors["name"] = f"{deal.customer} has an archived contact called {name}: restore that one."
        elif twin is not None:
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
            raise Invalid(f"This deal is {deal.get_status_display().lower()}: it takes no new contacts.")
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


def contact_update(
    *, contact: Contact, deal: Deal, by: User, revision: int | None = None, **fields
) -> Contact:
    """Correct a contact of the deal's customer and record what changed.

    ``fields`` may hold any of CONTACT_FIELDS; the others keep their value.
    Nothing changed → no timeline entry. The given ``contact`` gets the stored values.
    ``Stale`` when the contact was saved after ``revision`` was read.
    """
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"contact_update cannot change: {', '.join(sorted(unknown))}")
    _check_owner(deal=deal, by=by)

    with transaction.atomic():
        # Compare with what is stored, under a lock, not with an instance a form may have touched.
        current = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .filter(pk=contact.pk)
            .first()
        )
        if current is None or current.customer_id != deal.customer_id:
            raise Invalid(f"This is not a contact of {deal.customer}.")
        if current.is_archived:
            raise Invalid(f"{current.name} is archived: restore the contact before correcting it.")
        refuse_stale(current, revision, what="this contact")
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
            current.save(update_fields=[*CONTACT_FIELDS, *mark_saved(current, by=by)])
            activity_record(
                deal=deal,
                actor=by,
                verb="contact_updated",
                summary=f"updated the contact {current.name}",
                changes=changes,
            )
    for name in (*CONTACT_FIELDS, "revision", "updated_by", "updated_at"):
        setattr(contact, name, getattr(current, name))
    return contact


def _lock_contact(*, contact: Contact, deal: Deal) -> Contact:
    current = Contact.objects.select_for_update().filter(pk=contact.pk).first()
    if current is None or current.customer_id != deal.customer_id:
        raise Invalid(f"This is not a contact of {deal.customer}.")
    return current


def contact_archive(*, contact: Contact, deal: Deal, by: User) -> bool:
    """Archive a contact of the deal's customer: it leaves the contact lists and the pickers and
    stays on past meetings and reports. False (nothing changes) when it is archived already."""
    _check_owner(deal=deal, by=by)
    with transaction.atomic():
        current = _lock_contact(contact=contact, deal=deal)
        if current.is_archived:
            return False
        current.archived_at = timezone.now()
        current.archived_by = by
        current.save(update_fields=["archived_at", "archived_by"])
        activity_record(
            deal=deal, actor=by, verb="contact_archived", summary=f"archived the contact {current.name}"
        )
    contact.archived_at, contact.archived_by = current.archived_at, by
    return True


def contact_restore(*, contact: Contact, deal: Deal, by: User) -> bool:
    """Bring an archived contact back to the lists and pickers. False when it is not archived;
    ``Invalid`` for a contact whose personal data was erased (there is nobody to bring back)."""
    _check_owner(deal=deal, by=by)
    with transaction.atomic():
        current = _lock_contact(contact=contact, deal=deal)
        if current.is_erased:
            raise Invalid("This contact's personal data was erased on request: add the person anew.")
        if not current.is_archived:
            return False
        current.archived_at = current.archived_by = None
        current.save(update_fields=["archived_at", "archived_by"])
        activity_record(
            deal=deal, actor=by, verb="contact_restored", summary=f"restored the contact {current.name}"
        )
    contact.archived_at = contact.archived_by = None
    return True
