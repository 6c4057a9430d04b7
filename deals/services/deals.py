"""Writes about deals: create one in a single flow, and change its terms."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from deals.access import can_edit_deal
from deals.models import Briefing, BuyingRole, Contact, Currency, Customer, Deal, MeetingStage, field_label
from deals.services.activity import activity_record
from deals.services.meetings import meeting_add, validate_meeting_place, validate_meeting_times
from deals.services.required_consultations import consultations_derive
from negprep.errors import Invalid, NotAllowed
from negprep.versioning import mark_saved, refuse_stale
from teams.models import Membership, Role, Team, User

# What the owner may change after creation. Status, owner and team are not
# here on purpose: they change through their own transitions, never a form.
DEAL_EDITABLE_FIELDS = (
    "title",
    "scope",
    "quantity",
    "requested_delivery_date",
    "special_requirements",
    "estimated_value",
    "currency",
    "involves_production",
    "involves_delivery",
    "special_payment_terms",
)

CENT = Decimal("0.01")


def _customer_for_deal(*, team: Team, customer: Customer | None, new_customer: dict | None) -> Customer:
    if customer is not None and new_customer:
        raise Invalid({"customer": "Pick an existing customer or type a new one, not both."})
    if customer is not None:
        if customer.team_id != team.pk:
            raise Invalid({"customer": f"This customer is not a customer of {team}."})
        return customer
    name = ((new_customer or {}).get("name") or "").strip()
    if not name:
        raise Invalid({"customer": "Pick an existing customer or type the name of a new one."})
    if Customer.objects.filter(team=team, name__iexact=name).exists():
        raise Invalid(
            {"new_customer_name": f"{team} already has a customer called {name}: pick it from the list."}
        )
    try:
        # A savepoint, so a concurrent twin only fails this insert, with a clear message.
        with transaction.atomic():
            return Customer.objects.create(
                team=team, name=name, industry=((new_customer or {}).get("industry") or "").strip()
            )
    except IntegrityError:
        raise Invalid(
            {"new_customer_name": f"{team} already has a customer called {name}: pick it from the list."}
        ) from None


def _existing_contacts(*, customer: Customer, contact_ids: Iterable[int]) -> list[Contact]:
    ids = {int(pk) for pk in contact_ids}
    found = list(Contact.objects.active().filter(pk__in=ids, customer=customer))
    if len(found) != len(ids):
        raise Invalid({"contacts": f"Tick only current contacts of {customer}."})
    return found


def _new_contacts(*, customer: Customer, new_contacts: Iterable[dict]) -> list[tuple[Contact, bool]]:
    created = []
    for data in new_contacts:
        name = (data.get("name") or "").strip()
        if not name:
            raise Invalid("Every new contact needs a name.")
        if data.get("buying_role") not in BuyingRole.values:
            raise Invalid(f"Pick the buying role of {name}.")
        contact = Contact.objects.create(
            customer=customer,
            name=name,
            title=(data.get("title") or "").strip(),
            buying_role=data["buying_role"],
            cares_about=(data.get("cares_about") or "").strip(),
        )
        created.append((contact, data.get("attends", True)))
    return created


@transaction.atomic
def deal_create(
    *,
    team: Team,
    owner: User,
    customer: Customer | None = None,
    new_customer: dict | None = None,
    contact_ids: Iterable[int] = (),
    new_contacts: Iterable[dict] = (),
    title: str,
    scope: str,
    quantity: int | None = None,
    requested_delivery_date: date | None = None,
    special_requirements: str = "",
    estimated_value: Decimal,
    currency: str = Currency.EUR,
    involves_production: bool = False,
    involves_delivery: bool = False,
    special_payment_terms: bool = False,
    first_meeting: dict,
) -> Deal:
    """Create the deal with its customer, contacts, briefing and first meeting, all or nothing.

    ``new_customer`` is ``{"name", "industry"}``; each of ``new_contacts`` is
    ``{"name", "title", "buying_role", "cares_about", "attends"}`` (``attends``
    defaults to True). ``first_meeting`` holds starts_at, ends_at, stage,
    location and video_link, and optionally ``contact_ids``: which of the
    picked existing contacts attend (default: all of them).
    """
    if not Membership.objects.filter(user=owner, team=team, role=Role.REP).exists():
        raise NotAllowed("Only a sales rep of the team owns its deals.")
    if estimated_value is None or estimated_value < 0:
        raise Invalid({"estimated_value": "The estimated value cannot be negative."})
    if quantity is not None and quantity < 0:
        raise Invalid({"quantity": "The quantity cannot be negative."})
    validate_meeting_times(starts_at=first_meeting.get("starts_at"), ends_at=first_meeting.get("ends_at"))
    validate_meeting_place(
        location=first_meeting.get("location", ""), video_link=first_meeting.get("video_link", "")
    )

    contact_ids = list(contact_ids)
    if new_customer and contact_ids:
        raise Invalid({"contacts": "A new customer has no contacts on file yet: add them below."})
    customer = _customer_for_deal(team=team, customer=customer, new_customer=new_customer)
    existing = _existing_contacts(customer=customer, contact_ids=contact_ids)
    attending_ids = {int(pk) for pk in first_meeting.get("contact_ids", contact_ids)}
    if not attending_ids <= {contact.pk for contact in existing}:
        raise Invalid({"contacts": "Only the contacts picked for this deal can attend its meeting."})
    created = _new_contacts(customer=customer, new_contacts=new_contacts)

    deal = Deal.objects.create(
        team=team,
        owner=owner,
        customer=customer,
        title=title.strip(),
        scope=scope.strip(),
        quantity=quantity,
        requested_delivery_date=requested_delivery_date,
        special_requirements=(special_requirements or "").strip(),
        estimated_value=estimated_value.quantize(CENT),
        currency=currency,
        involves_production=involves_production,
        involves_delivery=involves_delivery,
        special_payment_terms=special_payment_terms,
    )
    Briefing.objects.create(deal=deal, currency=deal.currency)
    activity_record(deal=deal, actor=owner, verb="deal_created", summary="created the deal")
    meeting_add(
        deal=deal,
        by=owner,
        starts_at=first_meeting["starts_at"],
        ends_at=first_meeting["ends_at"],
        stage=first_meeting.get("stage") or MeetingStage.EXPLORATORY,
        location=first_meeting.get("location", ""),
        video_link=first_meeting.get("video_link", ""),
        contacts=[c for c in existing if c.pk in attending_ids] + [c for c, attends in created if attends],
    )
    consultations_derive(deal=deal, by=owner, at_creation=True)
    return deal


def _json_value(value):
    if isinstance(value, Decimal | date):
        return str(value)
    return value


@transaction.atomic
def deal_update(*, deal: Deal, by: User, revision: int | None = None, **fields) -> Deal:
    """Change the deal's terms and record what changed (nothing changed → no entry).

    Only the fields in DEAL_EDITABLE_FIELDS are accepted; anything else is a
    programming error, so status, owner or team can never slip in. ``Stale`` when the deal was
    saved after ``revision`` was read.
    """
    unknown = set(fields) - set(DEAL_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"deal_update cannot change: {', '.join(sorted(unknown))}")
    if not can_edit_deal(user=by, deal=deal):
        raise NotAllowed("Only the deal's owner edits it.")
    if fields.get("estimated_value") is not None:
        if fields["estimated_value"] < 0:
            raise Invalid({"estimated_value": "The estimated value cannot be negative."})
        fields["estimated_value"] = fields["estimated_value"].quantize(CENT)
    if fields.get("quantity") is not None and fields["quantity"] < 0:
        raise Invalid({"quantity": "The quantity cannot be negative."})

    # Compare with what is stored, under a lock, not with an instance a form may have touched.
    current = Deal.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=deal.pk)
    refuse_stale(current, revision, what="this deal")
    changes = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        old = getattr(current, name)
        if old != value:
            changes[field_label(Deal, name)] = {"old": _json_value(old), "new": _json_value(value)}
            setattr(current, name, value)
    if changes:
        current.save(update_fields=[*fields.keys(), *mark_saved(current, by=by)])
        activity_record(
            deal=current, actor=by, verb="deal_updated", summary="updated the deal", changes=changes
        )
    for name in DEAL_EDITABLE_FIELDS:
        setattr(deal, name, getattr(current, name))
    deal.updated_at, deal.revision, deal.updated_by = current.updated_at, current.revision, current.updated_by
    consultations_derive(deal=deal, by=by)
    return deal
