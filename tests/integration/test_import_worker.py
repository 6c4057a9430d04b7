"""An import is checked and written by a real Celery worker through Redis, on PostgreSQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Contact, Deal, ImportJob, ImportStatus
from deals.services.imports import import_job_confirm, import_job_create
from deals.tasks import import_check, import_sweep, import_write
from tests.deals.import_helpers import CONTACT, DEAL, csv_bytes, row
from tests.integration.workers import wait_for


def _status(job_id: int) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


@pytest.mark.django_db(transaction=True)
def test_a_file_is_previewed_and_imported_by_a_real_worker(world, start_worker, eager_off):
    worker = start_worker()
    rep = world.members["rep"]
    rows = [row(DEAL, deal_external_id=f"D-{n}", deal_title=f"Valves lot {n}") for n in range(1, 301)]
    job = import_job_create(
        by=rep, team=world.team, file_name="crm.csv", file_format="csv", content=csv_bytes([*rows, CONTACT])
    )
    import_check.apply_async(args=[job.pk], queue=worker.queue)
    try:
        wait_for(lambda: _status(job.pk) == ImportStatus.CHECKED, what="the preview")
    except AssertionError:
        raise AssertionError(worker.log.read_text()[-4000:]) from None
    job.refresh_from_db()
    assert (job.total_rows, job.new_rows, job.error_rows) == (301, 301, 0)
    assert not Deal.objects.filter(external_id__startswith="D-").exists()

    import_job_confirm(job=job, by=rep, skip_errors=False)
    import_write.apply_async(args=[job.pk], queue=worker.queue)
    # A second delivery of the same task finds the job taken and does nothing.
    import_write.apply_async(args=[job.pk], queue=worker.queue)
    try:
        wait_for(lambda: _status(job.pk) == ImportStatus.DONE, what="the import")
    except AssertionError:
        raise AssertionError(worker.log.read_text()[-4000:]) from None
    assert Deal.objects.filter(team=world.team, external_id__startswith="D-", owner=rep).count() == 300
    assert Contact.objects.filter(external_id="P-1").count() == 1
    wait_for(lambda: "not due" in worker.log.read_text(), what="the second delivery to be done")
    assert Deal.objects.filter(external_id__startswith="D-").count() == 300


@pytest.mark.django_db(transaction=True)
def test_the_sweep_on_a_real_worker_sends_again_a_check_the_broker_lost(world, start_worker, eager_off):
    worker = start_worker()
    job = import_job_create(
        by=world.members["rep"],
        team=world.team,
        file_name="crm.csv",
        file_format="csv",
        content=csv_bytes([DEAL]),
    )
    # Its task never reached the broker; the sweep's grace period has passed.
    ImportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=3))
    import_sweep.apply_async(queue=worker.sweep_queue)
    worker.wait_for(lambda: _status(job.pk) == ImportStatus.CHECKED, what="the check sent by the sweep")
    assert ImportJob.objects.get(pk=job.pk).new_rows == 1
