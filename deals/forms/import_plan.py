"""What each row of an import file would do: new, updated, unchanged, or an error and why.

The preview and the import both call ``plan_rows``: the import plans again inside its transaction,
so it writes what the data says then, never a stale preview. Records are found by their CRM id
(``external_id``) in bulk, a few queries for the whole file; a customer or contact named in several
rows is one record. Each cell is checked by the pages' forms (``deals/forms/imports.py``).
"""

import copy
from dataclasses import dataclass, field

from deals.access import can_edit_deal
from deals.domain.imports import CONTACT_COLUMNS, DEAL_COLUMNS, has_any, yes_no
from deals.forms.contacts import ContactForm
from deals.forms.deals import DealForm
from deals.forms.imports import CustomerRowForm, buying_role_value
from deals.models import Contact, Currency, Deal, RowResult
from deals.selectors.imports import ImportLookups, import_lookups
from deals.services.deals import CENT, DEAL_EDITABLE_FIELDS
from deals.services.imports import CONTACT_IMPORT_FIELDS, CUSTOMER_IMPORT_FIELDS, RecordPlan, RowPlan
from teams.models import Team, User

DEAL_CELLS = {
    "title": "deal_title",
    "scope": "deal_scope",
    "quantity": "quantity",
    "requested_delivery_date": "requested_delivery_date",
    "special_requirements": "special_requirements",
    "estimated_value": "estimated_value",
    "currency": "currency",
    "involves_production": "involves_production",
    "involves_delivery": "involves_delivery",
    "special_payment_terms": "special_payment_terms",
}
FLAGS = ("involves_production", "involves_delivery", "special_payment_terms")
CONTACT_CELLS = {
    "name": "contact_name",
    "title": "contact_title",
    "buying_role": "contact_buying_role",
    "cares_about": "contact_cares_about",
    "email": "contact_email",
    "phone": "contact_phone",
}


def _checked_by_the_form(instance):
    """The instance a row's form fills in, without the model's check constraints: the form's fields
    state the same rules with the page's messages (the deal's value not negative), and the database
    still enforces them on write; checking them here would cost a query per row."""
    instance.validate_constraints = lambda exclude=None: None
    return instance


def _form_errors(form, cells: dict) -> list[str]:
    """The form's messages, each with the column it is about."""
    return [
        f"{cells.get(name, name)}: {message}" if name != "__all__" else message
        for name, messages in form.errors.items()
        for message in messages
    ]


@dataclass
class Planner:
    team: Team
    by: User
    lookups: ImportLookups
    customers: dict = field(default_factory=dict)  # in-file key → (RecordPlan, first row)
    contacts: dict = field(default_factory=dict)
    deals: dict = field(default_factory=dict)  # CRM id → the row that names it

    # Customers ------------------------------------------------------------------------------

    def customer(self, row: dict, number: int, errors: list) -> RecordPlan | None:
        external_id = row.get("customer_external_id", "")
        name = row.get("customer_name", "")
        key = ("id", external_id) if external_id else ("name", name.lower())
        if key in self.customers:
            plan, first = self.customers[key]
            if name and plan.values["name"].lower() != name.lower() and external_id:
                errors.append(
                    f"customer_name: customer {external_id} is called {plan.values['name']} on row {first}."
                )
                return None
            return plan
        named = self.customers.get(("name", name.lower()))
        if named is not None:
            # The same name on an earlier row, with another CRM id or none: one of them is wrong.
            plan, first = named
            errors.append(
                f"customer_name: row {first} names {plan.values['name']} with "
                + (f"CRM id {plan.values['external_id']}." if plan.values["external_id"] else "no CRM id.")
            )
            return None
        existing = self.lookups.customer_by_id.get(external_id) if external_id else None
        by_name = self.lookups.customer_by_name.get(name.lower())
        if existing is None and by_name is not None:
            if external_id and by_name.external_id and by_name.external_id != external_id:
                errors.append(
                    f"customer_name: {self.team} already has a customer called {by_name.name} "
                    f"(CRM id {by_name.external_id})."
                )
                return None
            existing = by_name
        elif existing is not None and by_name is not None and by_name.pk != existing.pk:
            errors.append(f"customer_name: {self.team} already has a customer called {by_name.name}.")
            return None
        data = {
            "name": name,
            "industry": row.get("customer_industry", existing.industry if existing else ""),
            "external_id": external_id or (existing.external_id if existing else ""),
        }
        if existing is not None and "customer_industry" in row and not row["customer_industry"]:
            data["industry"] = existing.industry  # a blank industry keeps the one on file
        form = CustomerRowForm(data, instance=copy.copy(existing) if existing else None)
        if not form.is_valid():
            errors.extend(_form_errors(form, {"name": "customer_name", "industry": "customer_industry"}))
            return None
        plan = RecordPlan.of(form.instance, existing, CUSTOMER_IMPORT_FIELDS)
        self.customers[key] = (plan, number)
        if external_id:
            self.customers[("name", name.lower())] = (plan, number)
        return plan

    # Contacts -------------------------------------------------------------------------------

    def contact(self, row: dict, number: int, customer: RecordPlan, errors: list) -> RecordPlan | None:
        external_id = row.get("contact_external_id", "")
        name = row.get("contact_name", "")
        customer_key = id(customer)
        key = (customer_key, "id", external_id) if external_id else (customer_key, "name", name.lower())
        existing = None
        if customer.existing is not None:
            customer_pk = customer.existing.pk
            if external_id:
                existing = self.lookups.contact_by_id.get((customer_pk, external_id))
            if existing is None:
                twin = self.lookups.contact_by_name.get((customer_pk, name.lower()))
                if twin is not None and twin.external_id and external_id and twin.external_id != external_id:
                    errors.append(
                        f"contact_name: {customer.values['name']} already has a contact called {twin.name} "
                        f"(CRM id {twin.external_id})."
                    )
                    return None
                existing = twin
        if existing is not None and existing.is_archived:
            errors.append(
                f"contact_name: {existing.name} is archived: restore the contact before correcting it."
            )
            return None
        data = {
            name_: (row[cell] if cell in row else (getattr(existing, name_) if existing else ""))
            for name_, cell in CONTACT_CELLS.items()
        }
        data["buying_role"] = buying_role_value(data["buying_role"])
        if existing is not None:
            data["revision"] = existing.revision
        form = ContactForm(
            data, instance=_checked_by_the_form(copy.copy(existing) if existing else Contact())
        )
        if not form.is_valid():
            errors.extend(_form_errors(form, CONTACT_CELLS))
            return None
        instance = form.instance
        instance.external_id = external_id or (existing.external_id if existing else "")
        plan = RecordPlan.of(instance, existing, CONTACT_IMPORT_FIELDS)
        if key in self.contacts:
            earlier, first = self.contacts[key]
            if earlier.values != plan.values:
                errors.append(f"contact_name: this contact has other details on row {first}.")
                return None
            return earlier
        name_key = (customer_key, "name", instance.name.lower())
        if name_key in self.contacts and name_key != key:
            # Two people of one customer with one name: the contact pages refuse that too.
            errors.append(
                f"contact_name: {customer.values['name']} already has a contact called {instance.name}: "
                f"row {self.contacts[name_key][1]}."
            )
            return None
        self.contacts[key] = self.contacts[name_key] = (plan, number)
        plan.parent = customer
        return plan

    # Deals ----------------------------------------------------------------------------------

    def deal(self, row: dict, number: int, customer: RecordPlan, errors: list) -> RecordPlan | None:
        external_id = row.get("deal_external_id", "")
        if not external_id:
            errors.append("deal_external_id: give the deal's CRM id: a re-import finds the deal by it.")
            return None
        if external_id in self.deals:
            errors.append(
                f"deal_external_id: deal {external_id} is on row {self.deals[external_id]} already."
            )
            return None
        # Taken even when this row fails: a second row with the same deal is an error either way.
        self.deals[external_id] = number
        existing = self.lookups.deal_by_id.get(external_id)
        if existing is not None:
            if not can_edit_deal(user=self.by, deal=existing):
                errors.append(
                    f"deal_external_id: deal {external_id} is not yours: only the deal's owner edits it."
                )
                return None
            if customer.existing is None or existing.customer_id != customer.existing.pk:
                errors.append(
                    f"customer_name: deal {external_id} is a deal with {existing.customer.name}; "
                    "a deal keeps its customer."
                )
                return None
        data = {}
        for name, cell in DEAL_CELLS.items():
            if cell in row:
                data[name] = row[cell]
            elif existing is not None:
                data[name] = getattr(existing, name)
        if not data.get("currency"):
            data["currency"] = existing.currency if existing else Currency.EUR
        data["currency"] = str(data["currency"]).upper()
        for flag in FLAGS:
            value = data.get(flag, False)
            if isinstance(value, str):
                value = yes_no(value)
                if value is None:
                    errors.append(f"{flag}: write yes or no.")
                    return None
            data[flag] = value
        if existing is not None:
            data["revision"] = existing.revision
        form = DealForm(data, instance=_checked_by_the_form(copy.copy(existing) if existing else Deal()))
        if not form.is_valid():
            errors.extend(_form_errors(form, DEAL_CELLS))
            return None
        instance = form.instance
        instance.external_id = external_id
        instance.estimated_value = instance.estimated_value.quantize(CENT)
        plan = RecordPlan.of(instance, existing, DEAL_EDITABLE_FIELDS)
        plan.parent = customer
        return plan

    def row(self, number: int, row: dict) -> RowPlan:
        errors: list[str] = []
        customer = self.customer(row, number, errors)
        contact = deal = None
        if customer is not None:
            if has_any(row, CONTACT_COLUMNS):
                contact = self.contact(row, number, customer, errors)
            if has_any(row, DEAL_COLUMNS):
                deal = self.deal(row, number, customer, errors)
        return RowPlan(number=number, errors=errors, customer=customer, contact=contact, deal=deal)


def plan_rows(*, team: Team, by: User, rows: list[tuple[int, dict]], progress=None) -> list[RowPlan]:
    """Every row's plan, in the file's order. ``progress(done)`` is called every few hundred rows."""
    planner = Planner(team=team, by=by, lookups=import_lookups(team=team, rows=[row for _, row in rows]))
    plans = []
    for index, (number, row) in enumerate(rows, start=1):
        plans.append(planner.row(number, row))
        if progress is not None and index % 500 == 0:
            progress(index)
    # The first row without errors that names a record carries it (counts it as new or updated);
    # the later ones only use it. A row with errors carries nothing: skipped, it writes nothing.
    seen: set[int] = set()
    for plan in plans:
        if not plan.errors:
            plan.claim(seen)
    return plans


__all__ = ["RowResult", "plan_rows"]
