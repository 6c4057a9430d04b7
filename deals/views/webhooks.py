"""Webhooks, in the managers' area: a team's endpoints, each with its secret, its events and its
delivery log, a test event and redelivery. Only the team's managers see them (404 for others)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from deals.access import (
    require_manager,
    webhook_delivery_for_manager,
    webhook_endpoint_for_manager,
    webhook_endpoints_for,
)
from deals.domain.webhooks import EVENT_TYPES
from deals.forms.webhooks import WebhookEndpointForm
from deals.selectors.webhooks import webhook_deliveries
from deals.services import webhooks as webhook_services
from negprep.errors import Invalid
from negprep.forms import show_refusal

DELIVERIES_PER_PAGE = 25


@require_http_methods(["GET", "POST"])
def webhooks(request):
    """The endpoints of the teams the user manages, and the form that adds one."""
    require_manager(user=request.user)
    form = WebhookEndpointForm(request.POST or None, manager=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_services.endpoint_create(
                team=form.cleaned_data["team"],
                by=request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except Invalid as error:
            status = show_refusal(form, error)
        else:
            messages.success(request, "The endpoint is registered: give its secret to the receiver.")
            return redirect("deals:webhook_endpoint", endpoint.pk)
    endpoints = webhook_endpoints_for(user=request.user).select_related("team")
    return render(
        request,
        "deals/webhooks.html",
        {"form": form, "endpoints": endpoints, "event_types": EVENT_TYPES},
        status=400 if status == 200 and form.errors else status,
    )


@require_http_methods(["GET", "POST"])
def webhook_endpoint(request, pk):
    """The endpoint's secret, its settings and its delivery log (newest first, paginated)."""
    endpoint = webhook_endpoint_for_manager(user=request.user, pk=pk)
    form = WebhookEndpointForm(request.POST or None, endpoint=endpoint)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            webhook_services.endpoint_update(endpoint=endpoint, by=request.user, **form.cleaned_data)
        except Invalid as error:
            status = show_refusal(form, error)
        else:
            messages.success(request, "The endpoint is saved.")
            return redirect("deals:webhook_endpoint", endpoint.pk)
    page = Paginator(webhook_deliveries(endpoint=endpoint), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"endpoint": endpoint, "form": form, "page": page, "deliveries": page.object_list}
    return render(
        request,
        "deals/webhook_endpoint.html",
        context,
        status=400 if status == 200 and form.errors else status,
    )


def _act(request, action, done: str, endpoint_id: int):
    try:
        action()
    except Invalid as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("deals:webhook_endpoint", endpoint_id)


@require_POST
def webhook_rotate(request, pk):
    endpoint = webhook_endpoint_for_manager(user=request.user, pk=pk)
    return _act(
        request,
        lambda: webhook_services.endpoint_rotate_secret(endpoint=endpoint, by=request.user),
        "A new secret signs the deliveries from now on: give it to the receiver.",
        endpoint.pk,
    )


@require_POST
def webhook_test(request, pk):
    endpoint = webhook_endpoint_for_manager(user=request.user, pk=pk)
    return _act(
        request,
        lambda: webhook_services.webhook_send_test(endpoint=endpoint, by=request.user),
        "A test event is on its way: its delivery is at the top of the log.",
        endpoint.pk,
    )


@require_POST
def webhook_redeliver(request, pk):
    delivery = webhook_delivery_for_manager(user=request.user, pk=pk)
    return _act(
        request,
        lambda: webhook_services.webhook_redeliver(delivery=delivery, by=request.user),
        "The event is sent again, with the same event id: it is at the top of the log.",
        delivery.endpoint_id,
    )


@require_POST
def webhook_delete(request, pk):
    endpoint = webhook_endpoint_for_manager(user=request.user, pk=pk)
    try:
        webhook_services.endpoint_delete(endpoint=endpoint, by=request.user)
    except Invalid as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, f"The endpoint {endpoint.url} was removed with its delivery log.")
    return redirect("deals:webhooks")
