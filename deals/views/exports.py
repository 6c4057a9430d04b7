"""Exports to CSV and Excel: the deal list with its filters, the team results and the reports.

Each export reads exactly what its page shows (the same gate, the same filters), is capped so a
file never grows without bound, and neutralises cells a spreadsheet would run as formulas.
"""

import datetime

import tablib
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from deals.formatting import spreadsheet_cell
from deals.models import DealStatus, ReportOutcome
from deals.views.deals import listed_with_filters
from deals.views.reports import filtered_reports, results_for_period

# The most rows one export holds; past it the user is asked to narrow the filters.
EXPORT_MAX_ROWS = 10_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    if isinstance(value, datetime.datetime):
        # Excel keeps no time zone: the user's local time, as the pages show it.
        return timezone.localtime(value).replace(tzinfo=None)
    return spreadsheet_cell(value)


def spreadsheet(*, headers: list[str], rows, file_format: str, name: str, title: str) -> HttpResponse:
    data = tablib.Dataset(headers=headers, title=title[:31])
    for row in rows:
        data.append([_cell(value) for value in row])
    # A CSV starts with a BOM, so that Excel opens it as UTF-8.
    body = data.export("xlsx") if file_format == "xlsx" else "\ufeff" + data.export("csv")
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{file_format}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def _file_format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


def _too_many(request, *, count: int, noun: str, back: str):
    messages.warning(
        request,
        f"{count:,} {noun} match: an export holds at most {EXPORT_MAX_ROWS:,}. Narrow the filters and "
        "export again.",
    )
    query = request.GET.copy()
    query.pop("format", None)
    return redirect(f"{back}?{query.urlencode()}" if query else back)


@require_GET
def deal_list_export(request):
    _form, _filters, _sort, deals = listed_with_filters(request)
    count = deals.count()
    if count > EXPORT_MAX_ROWS:
        return _too_many(request, count=count, noun="deals", back=reverse("deals:list"))
    statuses = dict(DealStatus.choices)
    rows = (
        (
            deal.external_id,
            deal.title,
            deal.customer.external_id,
            deal.customer.name,
            deal.owner.get_full_name() or deal.owner.username,
            statuses.get(deal.status, deal.status),
            deal.next_meeting_at,
            deal.estimated_value,
            deal.currency,
            deal.quantity,
            deal.requested_delivery_date,
            "yes" if deal.involves_production else "no",
            "yes" if deal.involves_delivery else "no",
            "yes" if deal.special_payment_terms else "no",
            "yes" if deal.is_archived else "no",
        )
        for deal in deals.iterator(chunk_size=1000)
    )
    headers = [
        "deal_external_id",
        "deal_title",
        "customer_external_id",
        "customer_name",
        "owner",
        "status",
        "next_meeting",
        "estimated_value",
        "currency",
        "quantity",
        "requested_delivery_date",
        "involves_production",
        "involves_delivery",
        "special_payment_terms",
        "archived",
    ]
    return spreadsheet(
        headers=headers, rows=rows, file_format=_file_format(request), name="deals", title="Deals"
    )


@require_GET
def team_results_export(request):
    _form, date_from, date_to, results = results_for_period(request)

    def rate(value):
        return value.rate if value.rate is not None else ""

    rows = [
        (
            result.team.name,
            date_from,
            date_to,
            result.reports,
            result.ready.won,
            result.ready.lost,
            result.ready.open,
            rate(result.ready),
            result.not_ready.won,
            result.not_ready.lost,
            result.not_ready.open,
            rate(result.not_ready),
            result.average_discount if result.average_discount is not None else "",
            result.average_target_discount if result.average_target_discount is not None else "",
            result.breach_count,
        )
        for result in results
    ]
    headers = [
        "team",
        "from",
        "to",
        "reports",
        "won_when_ready",
        "lost_when_ready",
        "open_when_ready",
        "win_rate_when_ready_pct",
        "won_when_not_ready",
        "lost_when_not_ready",
        "open_when_not_ready",
        "win_rate_when_not_ready_pct",
        "average_discount_pct",
        "average_target_discount_pct",
        "reports_with_breaches",
    ]
    return spreadsheet(
        headers=headers, rows=rows, file_format=_file_format(request), name="team-results", title="Results"
    )


@require_GET
def reports_export(request):
    _form, _filters, reports = filtered_reports(request)
    count = reports.count()
    if count > EXPORT_MAX_ROWS:
        return _too_many(request, count=count, noun="reports", back=reverse("deals:reports"))
    outcomes = dict(ReportOutcome.choices)
    reports = reports.select_related("meeting__deal__customer", "meeting__deal__team", "filed_by")
    rows = (
        (
            report.meeting.deal.external_id,
            report.meeting.deal.title,
            report.meeting.deal.customer.name,
            report.meeting.deal.team.name,
            report.filed_by.get_full_name() or report.filed_by.username,
            report.meeting.starts_at,
            outcomes.get(report.outcome, report.outcome),
            report.agreed_price,
            report.discount_pct,
            report.quantity,
            report.delivery_date,
            report.payment_terms,
            report.concessions_given,
            report.concessions_received,
            report.next_steps,
            "; ".join(breach.get("message", "") for breach in report.breaches),
            report.filed_at,
        )
        for report in reports.iterator(chunk_size=1000)
    )
    headers = [
        "deal_external_id",
        "deal_title",
        "customer_name",
        "team",
        "filed_by",
        "meeting",
        "outcome",
        "agreed_price",
        "discount_pct",
        "quantity",
        "delivery_date",
        "payment_terms",
        "concessions_given",
        "concessions_received",
        "next_steps",
        "breaches",
        "filed_at",
    ]
    return spreadsheet(
        headers=headers, rows=rows, file_format=_file_format(request), name="reports", title="Reports"
    )
