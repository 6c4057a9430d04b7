"""The customer's people, managed from the deal page by the deal's owner: add, correct, archive, restore."""

import copy

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from deals.access import deal_for_owner
from deals.forms.contacts import ContactForm
from deals.models import Contact, Deal
from deals.services import contacts as contact_services
from negprep.errors import Invalid, Stale
from negprep.forms import show_refusal, show_stale


def _deal_contact(*, deal: Deal, pk) -> Contact:
    contact = Contact.objects.filter(pk=pk, customer_id=deal.customer_id).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


def _deal_contacts_url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#contacts"


def _call_service(service, *, form, **kwargs):
    """The service's result for the form's data, or None with its refusal shown on the form.
    ``Stale`` is left to the caller, which answers 409."""
    try:
        return service(**kwargs, **{name: form.cleaned_data[name] for name in ContactForm.Meta.fields})
    except Stale:
        raise
    except Invalid as error:
        show_refusal(form, error)
    return None


@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    if not deal.is_open:
        messages.warning(
            request, f"This deal is {deal.get_status_display().lower()}: it takes no new contacts."
        )
        return redirect(_deal_contacts_url(deal))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = _call_service(contact_services.contact_add, form=form, deal=deal, by=request.user)
        if contact is not None:
            messages.success(request, f"{contact.name} was added to the contacts.")
            return redirect(_deal_contacts_url(deal))
    return render(request, "deals/contact_form.html", {"deal": deal, "form": form, "contact": None})


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk, contact_pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    contact = _deal_contact(deal=deal, pk=contact_pk)
    if contact.is_archived:
        messages.warning(request, f"{contact.name} is archived: restore the contact before correcting it.")
        return redirect(_deal_contacts_url(deal))
    # The form validates a copy, so the page keeps the stored name on errors.
    form = ContactForm(request.POST or None, instance=copy.copy(contact))
    status = 200
    if request.method == "POST" and form.is_valid():
        before = {name: getattr(contact, name) for name in ContactForm.Meta.fields}
        try:
            saved = _call_service(
                contact_services.contact_update,
                form=form,
                contact=contact,
                deal=deal,
                by=request.user,
                revision=form.cleaned_data["revision"],
            )
        except Stale as error:
            show_stale(form, error)
            saved, status = None, 409
        if saved is not None:
            if any(getattr(saved, name) != old for name, old in before.items()):
                messages.success(request, f"The contact {saved.name} was saved.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect(_deal_contacts_url(deal))
    return render(
        request, "deals/contact_form.html", {"deal": deal, "form": form, "contact": contact}, status=status
    )


@require_POST
def contact_archive(request, pk, contact_pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    contact = _deal_contact(deal=deal, pk=contact_pk)
    if contact_services.contact_archive(contact=contact, deal=deal, by=request.user):
        messages.success(
            request, f"{contact.name} was archived: no longer offered, still on past meetings and reports."
        )
    else:
        messages.info(request, f"{contact.name} was already archived; nothing changed.")
    return redirect(_deal_contacts_url(deal))


@require_POST
def contact_restore(request, pk, contact_pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    contact = _deal_contact(deal=deal, pk=contact_pk)
    try:
        restored = contact_services.contact_restore(contact=contact, deal=deal, by=request.user)
    except Invalid as error:
        messages.warning(request, str(error))
    else:
        if restored:
            messages.success(request, f"{contact.name} was restored to the contacts.")
        else:
            messages.info(request, f"{contact.name} is not archived; nothing changed.")
    return redirect(_deal_contacts_url(deal))
