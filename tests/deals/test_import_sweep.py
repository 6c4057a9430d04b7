"""The import sweep: a task the broker lost is sent again, a job that never finishes is ended with a
reason, and jobs with their files and previews are deleted once past keeping. A broker that is down
when the rep uploads or confirms fails nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, ImportJob, ImportRow, ImportStatus
from deals.services.imports import STALE_CLAIM
from deals.tasks import import_check, import_sweep, import_write
from tests.deals.import_helpers import DEAL, confirm, csv_bytes, last_job, upload


@pytest.fixture
def as_rep(client, rep):
    client.force_login(rep)
    return client


def _age(job: ImportJob, **ago) -> None:
    fields = {name: timezone.now() - delta for name, delta in ago.items()}
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def test_an_upload_while_the_broker_is_down_waits_and_the_sweep_checks_it(
    as_rep, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    broker_down(import_check, import_write)
    response = upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    job = last_job()
    assert response.status_code == 302
    assert job.status == ImportStatus.UPLOADED
    assert as_rep.get(reverse("deals:import_job", args=[job.pk])).status_code == 200

    monkeypatch.undo()
    assert import_sweep() == 0, "a task just sent may still be on its way"
    _age(job, queued_at=timedelta(minutes=3))
    assert import_sweep() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.new_rows == 1


def test_a_confirmation_while_the_broker_is_down_is_imported_by_the_sweep(
    as_rep, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    job = last_job()
    broker_down(import_check, import_write)
    response = confirm(as_rep, django_capture_on_commit_callbacks, job)
    assert response.status_code == 302
    assert job.status == ImportStatus.QUEUED
    assert not Deal.objects.filter(external_id="D-1").exists()

    monkeypatch.undo()
    _age(job, queued_at=timedelta(minutes=3))
    assert import_sweep() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Deal.objects.filter(external_id="D-1").count() == 1
    assert import_sweep() == 0


def test_a_check_whose_worker_died_is_taken_over(
    as_rep, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    broker_down(import_check, import_write)
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    monkeypatch.undo()
    job = last_job()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, started_at=timezone.now())
    assert import_sweep() == 0, "a running check is left alone"
    _age(job, queued_at=STALE_CLAIM, started_at=STALE_CLAIM + timedelta(minutes=1))
    assert import_sweep() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


@pytest.mark.parametrize(
    ("status", "ago"),
    [
        (ImportStatus.UPLOADED, {"queued_at": timedelta(minutes=61)}),
        (ImportStatus.QUEUED, {"queued_at": timedelta(minutes=61)}),
        (ImportStatus.CHECKING, {"started_at": timedelta(minutes=61)}),
        (ImportStatus.IMPORTING, {"started_at": timedelta(minutes=61)}),
    ],
)
def test_a_job_that_never_finishes_is_ended_with_a_reason(
    as_rep, broker_down, django_capture_on_commit_callbacks, status, ago
):
    broker_down(import_check, import_write)
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    job = last_job()
    ImportJob.objects.filter(pk=job.pk).update(status=status, started_at=timezone.now())
    _age(job, **ago)
    assert import_sweep() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.content == b""
    page = as_rep.get(reverse("deals:import_job", args=[job.pk])).content.decode()
    assert "The import stopped before it finished" in page
    assert not Deal.objects.filter(external_id="D-1").exists()


def test_jobs_past_keeping_are_deleted_with_their_previews(
    as_rep, settings, django_capture_on_commit_callbacks
):
    settings.NEGPREP_IMPORT_KEEP_DAYS = 30
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    checked = last_job()
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    young = last_job()
    assert ImportRow.objects.filter(job=checked).exists()
    _age(checked, created_at=timedelta(days=31))
    _age(young, created_at=timedelta(days=29))

    import_sweep()
    assert not ImportJob.objects.filter(pk=checked.pk).exists()
    assert not ImportRow.objects.filter(job_id=checked.pk).exists()
    assert ImportJob.objects.filter(pk=young.pk).exists()
    assert as_rep.get(reverse("deals:import_job", args=[checked.pk])).status_code == 404
