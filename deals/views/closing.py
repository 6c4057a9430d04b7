"""The end of a deal: close it with a reason, reopen it, archive it, restore it (the owner or a manager of
its team)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from deals.access import deal_for_closing
from deals.forms.closing import DealCloseForm, DealReopenForm
from deals.selectors.deals import meetings_not_started
from deals.services import closing as closing_services
from negprep.errors import Invalid, Stale
from negprep.forms import show_refusal


@require_http_methods(["GET", "POST"])
def deal_close(request, pk):
    deal = deal_for_closing(user=request.user, pk=pk)
    if not deal.is_open:
        messages.info(request, f"This deal is already {deal.get_status_display().lower()}.")
        return redirect("deals:detail", pk=deal.pk)
    form = DealCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closing_services.deal_close(deal=deal, by=request.user, **form.cleaned_data)
        except Invalid as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"The deal was closed as {deal.get_status_display().lower()}.")
            return redirect("deals:detail", pk=deal.pk)
    context = {"deal": deal, "form": form, "meetings_ahead": list(meetings_not_started(deal=deal))}
    return render(request, "deals/deal_close.html", context)


@require_http_methods(["GET", "POST"])
def deal_reopen(request, pk):
    deal = deal_for_closing(user=request.user, pk=pk)
    if deal.is_open:
        messages.info(request, f"This deal is open ({deal.get_status_display().lower()}); nothing to reopen.")
        return redirect("deals:detail", pk=deal.pk)
    if deal.archived_at is not None:
        messages.warning(request, closing_services.RESTORE_FIRST)
        return redirect("deals:detail", pk=deal.pk)
    form = DealReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closing_services.deal_reopen(deal=deal, by=request.user, **form.cleaned_data)
        except Stale as error:
            messages.info(request, str(error))
            return redirect("deals:detail", pk=deal.pk)
        except Invalid as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                f"The deal is open again ({deal.get_status_display().lower()}): plan its next meeting.",
            )
            return redirect("deals:detail", pk=deal.pk)
    status = 400 if form.errors else 200
    return render(request, "deals/deal_reopen.html", {"deal": deal, "form": form}, status=status)


@require_POST
def deal_archive(request, pk):
    deal = deal_for_closing(user=request.user, pk=pk)
    try:
        archived = closing_services.deal_archive(deal=deal, by=request.user)
    except Invalid as error:
        messages.warning(request, str(error))
    else:
        if archived:
            messages.success(request, "The deal was archived: it left the lists and is read-only.")
        else:
            messages.info(request, "This deal was already archived; nothing changed.")
    return redirect("deals:detail", pk=deal.pk)


@require_POST
def deal_restore(request, pk):
    deal = deal_for_closing(user=request.user, pk=pk)
    if closing_services.deal_restore(deal=deal, by=request.user):
        messages.success(request, "The deal was restored: it is back in the lists.")
    else:
        messages.info(request, "This deal is not archived; nothing changed.")
    return redirect("deals:detail", pk=deal.pk)
