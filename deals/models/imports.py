"""Imports of customers, contacts and deals from a CSV or XLSX file: the job and each row's result.

The file is kept in the job until the import is done; a Celery task checks every row (the preview)
and another writes them, all or nothing (deals/services/imports.py).
"""

from django.conf import settings
from django.db import models

from deals.models.common import choice_is
from teams.models import Team


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Waiting to be checked"
    CHECKING = "checking", "Checking the rows"
    CHECKED = "checked", "Checked: see the preview"
    QUEUED = "queued", "Waiting to be imported"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Not imported"


# A job waiting for its task (to check the file, to write it), and one whose task is at work.
IMPORT_WAITING = (ImportStatus.UPLOADED, ImportStatus.QUEUED)
IMPORT_WORKING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ImportJob(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="import_jobs")
    file_name = models.CharField(max_length=200)
    file_format = models.CharField(max_length=4, choices=ImportFormat.choices)
    # The file itself, until the job is done (then emptied: the rows it wrote are the record).
    content = models.BinaryField(editable=False)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    skip_errors = models.BooleanField(default=False)
    # Why the whole file was refused (no header, a missing column, ...) or the write failed.
    problem = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    # Rows done by the running task: checked during the preview, written during the import.
    done_rows = models.PositiveIntegerField(default=0)
    new_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When its current task was asked for (the upload's check, or the confirmed import), and when a
    # worker took it up: the sweep sends a lost task again and ends a job that never finishes.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="import_job_owner_idx")]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    is_checked = choice_is("status", ImportStatus.CHECKED)
    is_done = choice_is("status", ImportStatus.DONE)
    is_failed = choice_is("status", ImportStatus.FAILED)

    @property
    def is_running(self) -> bool:
        return self.status in IMPORT_WAITING + IMPORT_WORKING

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, self.done_rows * 100 // self.total_rows)


class RowResult(models.TextChoices):
    NEW = "new", "New"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    ERROR = "error", "Error"


class ImportRow(models.Model):
    """What the preview found for one row of the file."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="The row's line in the file (the header is line 1).")
    result = models.CharField(max_length=10, choices=RowResult.choices)
    summary = models.CharField(max_length=300, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="import_row_unique_number")]
        indexes = [models.Index(fields=["job", "result", "number"], name="import_row_result_idx")]

    def __str__(self):
        return f"row {self.number}: {self.get_result_display()}"

    is_error = choice_is("result", RowResult.ERROR)
    is_new = choice_is("result", RowResult.NEW)
    is_updated = choice_is("result", RowResult.UPDATED)
