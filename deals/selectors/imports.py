"""Reads for imports: the user's jobs, a job's rows, and the records a file names, found in bulk."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Lower

from deals.models import Contact, Customer, Deal, ImportJob, ImportRow, RowResult
from teams.models import Team, User

# Lookups by CRM id go to the database in slices of this many ids.
LOOKUP_SLICE = 2000


@dataclass(frozen=True)
class ImportLookups:
    customer_by_id: dict[str, Customer]
    customer_by_name: dict[str, Customer]  # lower-case name
    contact_by_id: dict[tuple[int, str], Contact]  # (customer pk, CRM id)
    contact_by_name: dict[tuple[int, str], Contact]  # (customer pk, lower-case name)
    deal_by_id: dict[str, Deal]


def _slices(values):
    values = sorted(values)
    for start in range(0, len(values), LOOKUP_SLICE):
        yield values[start : start + LOOKUP_SLICE]


def import_lookups(*, team: Team, rows: list[dict]) -> ImportLookups:
    """The team's customers, their contacts and deals that the rows name, by CRM id or by name: a
    few queries for the whole file, however many rows it has."""
    customer_ids = {row.get("customer_external_id") for row in rows} - {"", None}
    customer_names = {(row.get("customer_name") or "").lower() for row in rows} - {""}
    customers: dict[int, Customer] = {}
    for ids in _slices(customer_ids):
        customers.update({c.pk: c for c in Customer.objects.filter(team=team, external_id__in=ids)})
    for names in _slices(customer_names):
        named = Customer.objects.annotate(lower_name=Lower("name")).filter(team=team, lower_name__in=names)
        customers.update({c.pk: c for c in named})
    contacts = []
    if customers:
        contacts = list(Contact.objects.filter(customer_id__in=list(customers), erased_at__isnull=True))
    deal_ids = {row.get("deal_external_id") for row in rows} - {"", None}
    deals: dict[str, Deal] = {}
    for ids in _slices(deal_ids):
        found = Deal.objects.filter(team=team, external_id__in=ids).select_related("customer")
        deals.update({deal.external_id: deal for deal in found})
    return ImportLookups(
        customer_by_id={c.external_id: c for c in customers.values() if c.external_id},
        customer_by_name={c.name.lower(): c for c in customers.values()},
        contact_by_id={(c.customer_id, c.external_id): c for c in contacts if c.external_id},
        contact_by_name={
            (c.customer_id, c.name.lower()): c
            # An active contact wins over an archived twin of the same name.
            for c in sorted(contacts, key=lambda c: c.archived_at is None)
        },
        deal_by_id=deals,
    )


def import_jobs_of(*, user: User) -> QuerySet[ImportJob]:
    """The user's own imports, latest first (nobody else sees them)."""
    return ImportJob.objects.filter(owner=user).select_related("team").defer("content")


def import_rows(*, job: ImportJob, only_errors: bool = False) -> QuerySet[ImportRow]:
    rows = ImportRow.objects.filter(job=job)
    if only_errors:
        rows = rows.filter(result=RowResult.ERROR)
    return rows.order_by("number")
