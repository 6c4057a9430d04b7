"""Where browsers report what the Content-Security-Policy refused: every violation is logged.

Anyone may post here (a report comes from the browser, signed in or not, without a CSRF token),
so the endpoint reads at most NEGPREP_CSP_REPORT_MAX_BYTES, takes a limited number of requests
per address, logs only the known fields of a report (shortened, without control characters)
and answers anything it cannot read with a 4xx, never a server error.
"""

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from teams.throttle import client_ip, throttle_allows

logger = logging.getLogger("negprep.csp")

# report-uri posts application/csp-report (a few browsers application/json); the Reporting API
# (report-to) posts application/reports+json, a list that may hold several reports.
CONTENT_TYPES = {"application/csp-report", "application/json", "application/reports+json"}
# Of one request's reports, at most this many are logged.
MAX_REPORTS = 20
MAX_FIELD_LENGTH = 300
# What is logged, and its name in a report-uri report and in a Reporting API report.
FIELDS = {
    "document": ("document-uri", "documentURL"),
    "directive": ("effective-directive", "effectiveDirective", "violated-directive"),
    "blocked": ("blocked-uri", "blockedURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "column": ("column-number", "columnNumber"),
    "sample": ("script-sample", "sample"),
    "disposition": ("disposition",),
}


@csrf_exempt
@login_not_required
@require_POST
def csp_report(request):
    """204 once the reports are logged; 400, 413, 415 or 429 for what is not logged."""
    if request.content_type not in CONTENT_TYPES:
        return HttpResponse(status=415)
    limit = settings.NEGPREP_CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return HttpResponse(status=413)
    if not throttle_allows(
        action="csp-report", keys={"address": client_ip(request)}, limit=settings.NEGPREP_CSP_REPORT_LIMIT
    ):
        return HttpResponse(status=429)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    try:
        violations = _violations(json.loads(body))
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested beyond reason
        violations = None
    if violations is None:
        return HttpResponse(status=400)
    for violation in violations[:MAX_REPORTS]:
        logger.warning(
            "Content-Security-Policy violation: %(directive)s refused %(blocked)s on %(document)s"
            " (source %(source)s:%(line)s:%(column)s, sample %(sample)s, %(disposition)s)",
            violation,
            extra={"csp_violation": violation},
        )
    return HttpResponse(status=204)


def _violations(data) -> list[dict] | None:
    """The violations in a report-uri or Reporting API body, or None if it is neither."""
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [_fields(data["csp-report"])]
    if isinstance(data, list) and data and all(isinstance(report, dict) for report in data):
        # The Reporting API may batch other kinds of report with ours; only violations are logged.
        return [
            _fields(report["body"])
            for report in data
            if report.get("type") == "csp-violation" and isinstance(report.get("body"), dict)
        ]
    return None


def _fields(report: dict) -> dict:
    found = {}
    for field, names in FIELDS.items():
        value = next((report[name] for name in names if report.get(name) not in (None, "")), "")
        found[field] = _clean(value) or "-"
    return found


def _clean(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return "".join(char if char.isprintable() else "?" for char in text)[:MAX_FIELD_LENGTH]
