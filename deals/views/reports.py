"""Negotiation reports: the rep files one per meeting, everyone who sees the deal reads it,
and managers see their teams' results."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from deals.access import can_edit_deal, meeting_for_owner, report_in_full
from deals.forms.lists import ReportFilterForm, TeamFilterForm
from deals.forms.reports import ReportForm, ResultsPeriodForm
from deals.models import NegotiationReport
from deals.selectors import reports as report_selectors
from deals.selectors.escalations import escalated_meetings, overdue_report_meetings, with_missing
from deals.selectors.lists import start_of_day
from deals.selectors.live import report_start
from deals.selectors.reports import (
    managed_team_ids,
    report_references,
    team_reports,
    with_breaches,
)
from deals.selectors.reports_due import reports_to_file
from deals.services import reports as report_services
from negprep.errors import Invalid
from negprep.forms import show_refusal
from teams.models import Team, User

REPORTS_PER_PAGE = 20
ESCALATIONS_PER_PAGE = 25


def _managed_teams(user: User):
    teams = Team.objects.filter(pk__in=managed_team_ids(user=user)).order_by("name")
    if not teams:
        raise PermissionDenied("Only managers see their teams' reports and escalations.")
    return teams


def filtered_reports(request):
    """The filter form, the filters that apply and the reports they leave, for the list and its export."""
    form = ReportFilterForm(request.GET or None, teams=_managed_teams(request.user))
    filters = form.filters()
    reports = team_reports(user=request.user)
    if team := filters.get("team"):
        reports = reports.filter(meeting__deal__team=team)
    if outcome := filters.get("outcome"):
        reports = reports.filter(outcome=outcome)
    if filters.get("breaches"):
        reports = with_breaches(reports)
    # Days are the user's days: the time zone the middleware activated.
    if date_from := filters.get("from"):
        reports = reports.filter(meeting__starts_at__gte=start_of_day(date_from))
    if date_to := filters.get("to"):
        reports = reports.filter(meeting__starts_at__lt=start_of_day(date_to + datetime.timedelta(days=1)))
    return form, filters, reports


@require_GET
def reports_list(request):
    """The reports of the teams the user manages, latest meeting first, paginated; filtered by team,
    outcome, meeting date and breaches."""
    form, filters, reports = filtered_reports(request)
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": bool(filters)}
    return render(request, "deals/reports_list.html", context)


@require_GET
def escalations_list(request):
    """Every escalation of the teams the user manages, paginated: meetings soon that still miss
    consultations, or (``show=reports``) meetings whose report is overdue."""
    form = TeamFilterForm(request.GET or None, teams=_managed_teams(request.user))
    team = form.filters().get("team")
    team_id = team.pk if team else None
    reports = request.GET.get("show") == "reports"
    meetings = (overdue_report_meetings if reports else escalated_meetings)(
        user=request.user, team_id=team_id
    )
    page = Paginator(meetings, ESCALATIONS_PER_PAGE).get_page(request.GET.get("page"))
    if not reports:
        page.object_list = with_missing(page.object_list)
    context = {
        "form": form,
        "page": page,
        "show_reports": reports,
        "filtered": team is not None,
        "several_teams": "team" in form.fields,
    }
    return render(request, "deals/escalations.html", context)


REPORTS_TO_FILE_PER_PAGE = 20


@require_GET
def reports_to_file_list(request):
    """The user's meetings that wait for their report (behind the home panel's "see all"), paginated."""
    meetings = reports_to_file(user=request.user)
    page = Paginator(meetings, REPORTS_TO_FILE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "deals/reports_to_file.html", {"page": page})


def _deal_reports(deal):
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#reports")


# Filing ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report_file(request, pk):
    meeting = meeting_for_owner(user=request.user, pk=pk)
    deal = meeting.deal
    if meeting.cancelled:
        messages.info(request, "This meeting was cancelled: there is nothing to report.")
        return _deal_reports(deal)
    if meeting.starts_at > timezone.now():
        messages.info(request, "This meeting has not started yet: file the report after it.")
        return _deal_reports(deal)
    existing = NegotiationReport.objects.filter(meeting=meeting).first()
    references = report_references(deal=deal)
    list_price = references.limits.text("list_price") if references.limits is not None else ""
    # A first filing starts from the notes taken in meeting mode: nothing is typed twice.
    start = None
    if existing is None:
        start = report_start(meeting=meeting, user=request.user, currency=references.currency)
    form = ReportForm(request.POST or None, instance=existing, list_price=list_price, initial=start)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            report = report_services.report_file(
                meeting=meeting,
                by=request.user,
                correction_note=form.cleaned_data.get("correction_note", ""),
                revision=form.cleaned_data["revision"],
                **{name: form.cleaned_data[name] for name in report_services.REPORT_FIELDS},
            )
        except Invalid as error:
            status = show_refusal(form, error)
        else:
            verb = "updated" if existing else "filed"
            if report.breaches:
                messages.warning(
                    request,
                    f"Report {verb}. It breaches what was approved ("
                    + "; ".join(b["message"] for b in report.breaches)
                    + "); your manager was told.",
                )
            elif report.correction_told:
                messages.success(
                    request,
                    f"Report {verb}: everything is now within what was approved. The breaches flagged "
                    "before stay on record, and your manager was told of the correction.",
                )
            else:
                messages.success(request, f"Report {verb}: everything is within what was approved.")
            return redirect("deals:report_detail", pk=report.pk)
    context = {
        "deal": deal,
        "meeting": meeting,
        "form": form,
        "report": existing,
        "references": references,
    }
    if form.errors and status == 200:
        status = 400
    return render(request, "deals/report_form.html", context, status=status)


# Reading -----------------------------------------------------------------------------------


@require_GET
def report_detail(request, pk):
    report = report_in_full(user=request.user, pk=pk)
    deal = report.meeting.deal
    references = report_references(deal=deal)
    context = {
        "deal": deal,
        "meeting": report.meeting,
        "report": report,
        "references": references,
        "can_edit": can_edit_deal(user=request.user, deal=deal),
    }
    return render(request, "deals/report_detail.html", context)


def results_for_period(request):
    """The period form, its dates and the results of the user's teams (the page and its export)."""
    form = ResultsPeriodForm(request.GET or None)
    date_from, date_to = form.period()
    results = report_selectors.team_results(user=request.user, date_from=date_from, date_to=date_to)
    if not results:
        raise PermissionDenied("Only managers see their teams' results.")
    return form, date_from, date_to, results


@require_GET
def team_results(request):
    form, date_from, date_to, results = results_for_period(request)
    for result in results:
        query = urlencode(
            {
                "team": result.team.pk,
                "breaches": "on",
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
            }
        )
        result.breaches_url = f"{reverse('deals:reports')}?{query}"
    context = {"form": form, "results": results, "date_from": date_from, "date_to": date_to}
    return render(request, "deals/team_results.html", context)
