import copy
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from deals.access import (
    can_close_deal,
    can_edit_deal,
    can_list_archived,
    deal_for_owner,
    deal_for_user,
    deal_in_full,
    deals_for_user,
    listed_deals,
    sees_whole_deal,
)
from deals.forms.deals import DealCustomerForm, DealFilterForm, DealForm, NewContactFormSet
from deals.forms.meetings import FirstMeetingForm
from deals.models import (
    OPEN_DEAL_STATUSES,
    Contact,
    Deal,
    MeetingStage,
)
from deals.selectors.consultations import answer_warnings
from deals.selectors.deals import with_next_meeting
from deals.selectors.lists import start_of_day
from deals.selectors.panels import (
    _timeline,
    _with_change_rows,
    _with_people,
    briefing_for_panel,
    briefing_panel_context,
    consultations_panel_context,
    meetings_context,
    payments_panel_context,
    reports_for_meetings_context,
    reports_panel_context,
    timeline_context,
)
from deals.selectors.payments import approved_payment_terms
from deals.selectors.readiness import readiness_for_deal, readiness_for_deals
from deals.services import deals as deal_services
from negprep.errors import Invalid, Stale
from negprep.forms import parse_id, place_refusal, show_stale
from teams.models import Role, Team, User

DEALS_PER_PAGE = 20


def _rep_teams(*, user: User) -> list[Team]:
    return list(
        Team.objects.filter(memberships__user=user, memberships__role=Role.REP).distinct().order_by("name")
    )


# The list -----------------------------------------------------------------


def _filter_deals(deals: QuerySet[Deal], filters: dict) -> QuerySet[Deal]:
    if query := filters.get("q", "").strip():
        deals = deals.filter(Q(title__icontains=query) | Q(customer__name__icontains=query))
    if status := filters.get("status"):
        deals = (
            deals.filter(status__in=OPEN_DEAL_STATUSES) if status == "open" else deals.filter(status=status)
        )
    if owner := filters.get("owner"):
        deals = deals.filter(owner=owner)
    # Days are the user's days: the time zone the middleware activated.
    if date_from := filters.get("from"):
        deals = deals.filter(next_meeting_at__gte=start_of_day(date_from))
    if date_to := filters.get("to"):
        deals = deals.filter(next_meeting_at__lt=start_of_day(date_to + timedelta(days=1)))
    return deals


# Column → ordering; "-name" is the reverse. Deals without a meeting come last either way.
DEAL_SORTS = {
    "meeting": [F("next_meeting_at").asc(nulls_last=True)],
    "-meeting": [F("next_meeting_at").desc(nulls_last=True)],
    "title": [Lower("title")],
    "-title": [Lower("title").desc()],
    "customer": [Lower("customer__name")],
    "-customer": [Lower("customer__name").desc()],
    "value": [F("estimated_value").asc()],
    "-value": [F("estimated_value").desc()],
}


def _sort_links(current: str) -> dict:
    """Per sortable column: the sort its header link asks for, and how the list is sorted by it now."""
    links = {}
    for column in ("meeting", "title", "customer", "value"):
        state = "ascending" if current == column else "descending" if current == f"-{column}" else None
        links[column] = {"next": f"-{column}" if current == column else column, "state": state}
    return links


def listed_with_filters(request) -> tuple[DealFilterForm, dict, str, QuerySet[Deal]]:
    """The deal list as the request asks for it: the filter form, the filters that apply, the sort
    and the deals (the list page and its export both read it here)."""
    visible = deals_for_user(user=request.user)
    owners = User.objects.filter(pk__in=visible.values("owner")).order_by(
        "first_name", "last_name", "username"
    )
    form = DealFilterForm(request.GET or None, owners=owners, archived=can_list_archived(user=request.user))
    filters = form.filters() if request.GET else {}
    sort = request.GET.get("sort", "")
    if sort not in DEAL_SORTS:
        sort = "meeting"
    archived = filters.pop("archived", "")
    shown = listed_deals(user=request.user, archived=archived)
    listed = with_next_meeting(shown.select_related("customer", "owner"), stage=True)
    deals = _filter_deals(listed, filters).order_by(*DEAL_SORTS[sort], "-created_at", "-pk")
    if archived:
        filters["archived"] = archived
    return form, filters, sort, deals


@require_GET
def deal_list(request):
    form, filters, sort, deals = listed_with_filters(request)
    page = Paginator(deals, DEALS_PER_PAGE).get_page(request.GET.get("page"))
    readiness = readiness_for_deals(page.object_list)
    for deal in page.object_list:
        deal.next_meeting_stage_label = (
            MeetingStage(deal.next_meeting_stage).label if deal.next_meeting_stage else ""
        )
        deal.readiness = readiness[deal.pk]
    context = {
        "form": form,
        "page": page,
        "deals": page.object_list,
        "filtered": bool(filters),
        "sort": sort,
        "sortable": _sort_links(sort),
    }
    template = "deals/partials/deal_results.html" if request.htmx else "deals/deal_list.html"
    return render(request, template, context)


# Creating a deal ------------------------------------------------------------


def _contact_choices_context(*, teams: list[Team], customer_id, checked=()) -> dict:
    """The contacts of one customer of these teams; anything else gives an empty list."""
    customer_id = parse_id(customer_id)
    contacts = []
    if customer_id is not None:
        picked = Contact.objects.active().filter(customer_id=customer_id, customer__team__in=teams)
        contacts = list(picked.order_by("name"))
    return {
        "customer_picked": customer_id is not None,
        "choice_contacts": contacts,
        "checked_ids": {str(pk) for pk in checked},
    }


@require_GET
def deal_create_contacts(request):
    context = _contact_choices_context(
        teams=_rep_teams(user=request.user), customer_id=request.GET.get("customer")
    )
    return render(request, "deals/partials/contact_choices.html", context)


@require_http_methods(["GET", "POST"])
def deal_create(request):
    teams = _rep_teams(user=request.user)
    if not teams:
        raise PermissionDenied("Only sales reps create deals.")
    data = request.POST if request.method == "POST" else None
    customer_form = DealCustomerForm(data, teams=teams)
    contact_formset = NewContactFormSet(data, prefix="new_contact")
    deal_form = DealForm(data)
    meeting_form = FirstMeetingForm(data, prefix="meeting")
    page_errors = []

    if request.method == "POST":
        valid = [
            customer_form.is_valid(),
            contact_formset.is_valid(),
            deal_form.is_valid(),
            meeting_form.is_valid(),
        ]
        if all(valid):
            chosen = customer_form.cleaned_data
            new_name = chosen["new_customer_name"].strip()
            try:
                deal = deal_services.deal_create(
                    team=chosen["team"],
                    owner=request.user,
                    customer=chosen["customer"],
                    new_customer={"name": new_name, "industry": chosen["new_customer_industry"]}
                    if new_name
                    else None,
                    contact_ids=[contact.pk for contact in chosen["contacts"]],
                    new_contacts=[
                        form.cleaned_data
                        for form in contact_formset
                        if form.has_changed() and form.cleaned_data
                    ],
                    **deal_form.cleaned_data,
                    first_meeting=meeting_form.cleaned_data,
                )
            except Invalid as error:
                page_errors = place_refusal(error, customer_form, deal_form, meeting_form)
            else:
                messages.success(
                    request,
                    f"Deal “{deal.title}” created with its first meeting. Next: prepare the briefing.",
                )
                return redirect("deals:detail", pk=deal.pk)
        page_errors = page_errors or ["Please correct the errors below; nothing was saved yet."]

    context = {
        "customer_form": customer_form,
        "contact_formset": contact_formset,
        "deal_form": deal_form,
        "meeting_form": meeting_form,
        "page_errors": page_errors,
        "is_create": True,
        **_contact_choices_context(
            teams=teams,
            customer_id=customer_form["customer"].value(),
            checked=customer_form["contacts"].value() or (),
        ),
        "contact_errors": customer_form.errors.get("contacts", []),
    }
    return render(request, "deals/deal_form.html", context)


# The deal page --------------------------------------------------------------


PAST_MEETINGS_PER_PAGE = 20


@require_GET
def deal_past_meetings(request, pk):
    """Every past meeting of the deal, latest first, paginated, each with its report."""
    deal = deal_in_full(user=request.user, pk=pk)
    past = deal.meetings.filter(ends_at__lte=timezone.now()).order_by("-starts_at", "-pk")
    page = Paginator(_with_people(past), PAST_MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "deal": deal,
        "page": page,
        "can_edit": False,
        **reports_for_meetings_context(deal=deal, user=request.user, meetings=page.object_list),
    }
    return render(request, "deals/deal_past_meetings.html", context)


TIMELINE_PER_PAGE = 25


@require_GET
def deal_timeline(request, pk):
    """The deal's whole timeline, newest first, paginated."""
    deal = deal_in_full(user=request.user, pk=pk)
    page = Paginator(_timeline(deal), TIMELINE_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_change_rows(page.object_list)
    return render(request, "deals/deal_timeline.html", {"deal": deal, "page": page, "can_edit": False})


@require_GET
def deal_detail(request, pk):
    deal = deal_for_user(user=request.user, pk=pk)
    if not sees_whole_deal(user=request.user, deal=deal):
        return _department_summary(request, deal)
    can_edit = can_edit_deal(user=request.user, deal=deal)
    # Rows that several panels and the readiness checklist show are read once.
    briefing = briefing_for_panel(deal=deal)
    consultations = consultations_panel_context(deal=deal, user=request.user)
    granted = approved_payment_terms(deal=deal)
    meetings = meetings_context(deal=deal, user=request.user, can_edit=can_edit)
    readiness = readiness_for_deal(
        deal,
        briefing=briefing,
        consultations=consultations["consultations"],
        granted=granted,
        upcoming=meetings["upcoming_meetings"],
    )
    contacts = list(deal.customer.contacts.select_related("archived_by"))
    context = {
        "deal": deal,
        "can_edit": can_edit,
        "can_close": can_close_deal(user=request.user, deal=deal),
        "contacts": [contact for contact in contacts if not contact.is_archived],
        "archived_contacts": [contact for contact in contacts if contact.is_archived],
        "readiness": readiness,
        "answer_warnings": answer_warnings(consultations=consultations["consultations"], briefing=briefing),
        **briefing_panel_context(
            deal=deal, user=request.user, consultations=consultations["consultations"], granted=granted
        ),
        **consultations,
        **meetings,
        **payments_panel_context(deal=deal, user=request.user, pending=readiness.payment_terms_pending),
        **reports_panel_context(deal=deal, user=request.user),
        **timeline_context(deal=deal),
    }
    return render(request, "deals/deal_detail.html", context)


def _department_summary(request, deal):
    """What production, supply chain and finance see of a deal they were consulted on:
    what the customer needs and when we meet, not the limits or the plan."""
    meetings = meetings_context(deal=deal, user=request.user, can_edit=False)
    context = {
        "deal": deal,
        "can_edit": False,
        "next_meeting": meetings["upcoming_meetings"][0] if meetings["upcoming_meetings"] else None,
        **consultations_panel_context(deal=deal, user=request.user),
        **payments_panel_context(deal=deal, user=request.user),
    }
    return render(request, "deals/deal_department_summary.html", context)


@require_http_methods(["GET", "POST"])
def deal_edit(request, pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    # The form validates a copy, so the page header keeps the stored title on errors.
    form = DealForm(request.POST or None, instance=copy.copy(deal))
    page_errors = []
    status = 200
    if request.method == "POST" and form.is_valid():
        # The service saves (and stamps updated_at) only when something really changed.
        stamped = deal.updated_at
        try:
            deal_services.deal_update(deal=deal, by=request.user, **form.cleaned_data)
        except Stale as error:
            show_stale(form, error)
            status = 409
        except Invalid as error:
            page_errors = place_refusal(error, form)
        else:
            if deal.updated_at != stamped:
                messages.success(request, "The deal was saved.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("deals:detail", pk=deal.pk)
    return render(
        request,
        "deals/deal_form.html",
        {"deal": deal, "deal_form": form, "page_errors": page_errors, "is_create": False},
        status=status,
    )
