from celery import shared_task
from django.db import IntegrityError, transaction

from deals.domain.imports import FileProblem, read_table
from deals.forms.import_plan import plan_rows
from deals.models import ImportJob, ImportStatus
from deals.services import imports, sweep
from negprep.celery import delay_or_leave_to_sweep


@shared_task
def reminder_sweep() -> int:
    """Periodic (beat): send the reminders that are due and the e-mails whose task was lost.

    Routed to a queue of its own (``CELERY_TASK_ROUTES``), so it never waits behind e-mails.
    """
    return sweep.reminder_sweep()


# Webhook deliveries: the tasks live beside what they call; imported here for discovery.
from deals.services.webhook_delivery import webhook_deliver, webhook_sweep  # noqa: E402, F401

# Imports (deals/services/imports.py). A file of 20,000 rows takes well under these limits; the
# default limits are for the short tasks.
IMPORT_LIMITS = {"soft_time_limit": 600, "time_limit": 660}


def _claimed(job_id: int, *, start: str, running: str):
    """The job (claimed from ``start`` to ``running``) and its file's table; no table when the job
    was not due (None) or its file could not be read (the job has failed with the reason)."""
    job = imports.claim(job_id=job_id, start=start, running=running)
    if job is None:
        return None, None
    try:
        return job, read_table(bytes(job.content), job.file_format)
    except FileProblem as problem:
        imports.import_fail(job=job, problem=str(problem))
        return job, None


@shared_task(**IMPORT_LIMITS)
def import_check(job_id: int) -> str:
    """Check every row of an uploaded file and store the preview."""
    job, table = _claimed(job_id, start=ImportStatus.UPLOADED, running=ImportStatus.CHECKING)
    if table is None:
        return "not due" if job is None else "refused"
    ImportJob.objects.filter(pk=job.pk).update(total_rows=len(table.rows))
    plans = plan_rows(team=job.team, by=job.owner, rows=table.rows, progress=imports.progress_writer(job))
    imports.import_record_preview(job=job, plans=plans)
    return "checked"


@shared_task(**IMPORT_LIMITS)
def import_write(job_id: int) -> str:
    """Write a confirmed import, all or nothing: the rows are planned again in the transaction, so a
    change made since the preview is seen; new errors (and skipping not chosen) write nothing."""
    job, table = _claimed(job_id, start=ImportStatus.QUEUED, running=ImportStatus.IMPORTING)
    if table is None:
        return "not due" if job is None else "refused"
    try:
        return _import_write(job, table)
    except IntegrityError:
        # The database refused a row the checks let through (a record changed meanwhile, or a rule
        # only the database holds): the transaction wrote nothing.
        imports.import_fail(
            job=job,
            problem="The database refused a row (someone may have changed the same records meanwhile): "
            "nothing was imported. Upload the file again to check it anew.",
        )
        return "refused"


def _import_write(job, table) -> str:
    with transaction.atomic():
        progress = imports.progress_writer(job)
        # Checking the rows again is most of the work: it moves the bar to 90 %, the writes the rest.
        total = len(table.rows)
        plans = plan_rows(
            team=job.team, by=job.owner, rows=table.rows, progress=lambda done: progress(done * 9 // 10)
        )
        if any(plan.errors for plan in plans) and not job.skip_errors:
            transaction.set_rollback(True)
            wrote = False
        else:
            imports.import_apply(
                job=job,
                plans=plans,
                progress=lambda share: progress(total * 9 // 10 + int(total * share) // 10),
            )
            wrote = True
    if not wrote:
        imports.import_record_preview(
            job=job,
            plans=plans,
            problem="The data changed since the preview and some rows now have errors: nothing was "
            "imported. Check the rows again.",
        )
        return "changed"
    return "done"


def import_send(job: ImportJob) -> None:
    """Send the task the job waits for (after the commit that made it wait); a broker that is down
    leaves it to the sweep, never fails the request."""
    task = import_check if job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKING) else import_write
    delay_or_leave_to_sweep(task, job.pk, waiting=f"import {job.pk}")


@shared_task
def import_sweep() -> int:
    """Periodic (beat): send again the tasks of the imports that wait too long; see
    ``imports.import_sweep_due``. Routed to the sweep queue (``CELERY_TASK_ROUTES``)."""
    jobs = imports.import_sweep_due()
    for job in jobs:
        import_send(job)
    return len(jobs)
