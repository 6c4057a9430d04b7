"""Importing customers, contacts and deals from a file: upload, preview, import, result.

A rep uploads a CSV or XLSX file; a worker checks every row (the page shows its progress with
htmx); the preview lists each row's result; "Import" writes them, all or nothing, through
another task. A job is its owner's alone: anyone else gets 404.
"""

from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from deals.access import import_job_for_owner, require_importer
from deals.domain.imports import COLUMNS, MAX_ROWS
from deals.forms.imports import ImportConfirmForm, ImportUploadForm
from deals.selectors.imports import import_jobs_of, import_rows
from deals.services import imports as import_services
from deals.tasks import import_send
from negprep.errors import Invalid

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "import-sample.csv"
ROWS_PER_PAGE = 50
JOBS_SHOWN = 10


@require_http_methods(["GET", "POST"])
def import_start(request):
    teams = require_importer(user=request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = import_services.import_job_create(
                by=request.user,
                team=form.cleaned_data["team"],
                file_name=upload.name,
                file_format=upload.import_format,
                content=upload.read(),
            )
            transaction.on_commit(lambda: import_send(job))
        return redirect("deals:import_job", pk=job.pk)
    jobs = Paginator(import_jobs_of(user=request.user), JOBS_SHOWN).get_page(request.GET.get("page"))
    context = {"form": form, "jobs": jobs, "columns": COLUMNS, "max_rows": MAX_ROWS}
    return render(request, "deals/import_start.html", context, status=400 if form.errors else 200)


@require_GET
def import_sample(request):
    require_importer(user=request.user)
    response = FileResponse(
        SAMPLE.open("rb"), as_attachment=True, filename="negprep-import-sample.csv", content_type="text/csv"
    )
    return response


def _job_context(request, job) -> dict:
    only_errors = request.GET.get("show") == "errors"
    page = Paginator(import_rows(job=job, only_errors=only_errors), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return {
        "job": job,
        "page": page,
        "only_errors": only_errors,
        "confirm_form": ImportConfirmForm(),
    }


@require_GET
def import_job(request, pk):
    job = import_job_for_owner(user=request.user, pk=pk)
    return render(request, "deals/import_job.html", _job_context(request, job))


@require_GET
def import_progress(request, pk):
    """The progress bar alone, polled by htmx; once the task is done the page reloads."""
    job = import_job_for_owner(user=request.user, pk=pk)
    if not job.is_running and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "deals/partials/import_progress.html", {"job": job})


@require_POST
def import_confirm(request, pk):
    job = import_job_for_owner(user=request.user, pk=pk)
    form = ImportConfirmForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            job = import_services.import_job_confirm(
                job=job, by=request.user, skip_errors=form.cleaned_data.get("skip_errors", False)
            )
            transaction.on_commit(lambda: import_send(job))
    except Invalid as error:
        messages.error(request, " ".join(error.messages))
    return redirect("deals:import_job", pk=job.pk)
