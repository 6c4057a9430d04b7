"""Writes of an import: the job, its preview, and the rows it writes, all or nothing.

The forms plan every row (``deals/forms/import_plan.py``: what it creates or changes, checked by
the pages' forms); these services store the preview and write the plan in bulk, batch by batch, in
one transaction. The tasks (``deals/tasks.py``) run them; each claims its job with a conditional
update, so a task delivered twice does the work once.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from deals.models import (
    IMPORT_WAITING,
    IMPORT_WORKING,
    Activity,
    Briefing,
    Consultation,
    Contact,
    Customer,
    Deal,
    ImportJob,
    ImportRow,
    ImportStatus,
    RowResult,
    field_label,
)
from deals.services.deals import DEAL_EDITABLE_FIELDS
from deals.services.required_consultations import consultations_derive, required_departments
from negprep.errors import Invalid
from negprep.versioning import mark_saved
from teams.models import Team, User

CUSTOMER_IMPORT_FIELDS = ("name", "industry", "external_id")
CONTACT_IMPORT_FIELDS = ("name", "title", "buying_role", "cares_about", "email", "phone", "external_id")
BATCH = 1000
# A job left "importing" longer than this (its worker died mid-way, so its transaction rolled back)
# may be claimed again by the task's redelivery.
STALE_CLAIM = timedelta(minutes=15)
# A job waiting longer than this for its task (the broker lost it) has the task sent again.
RESEND_AFTER = timedelta(minutes=2)
PRUNE_JOBS = 20


@dataclass
class RecordPlan:
    """One customer, contact or deal: the instance to write and what changes."""

    instance: object
    existing: object | None
    values: dict
    changes: dict
    action: str
    parent: "RecordPlan | None" = None

    @classmethod
    def of(cls, instance, existing, fields: Iterable[str]) -> "RecordPlan":
        values = {name: getattr(instance, name) for name in fields}
        changes = {}
        if existing is not None:
            changes = {
                name: (getattr(existing, name), value)
                for name, value in values.items()
                if getattr(existing, name) != value
            }
        action = RowResult.NEW if existing is None else RowResult.UPDATED if changes else RowResult.UNCHANGED
        return cls(instance=instance, existing=existing, values=values, changes=changes, action=action)

    @property
    def stored(self):
        """The row in the database: the one found, or the new one once it is written."""
        return self.instance if self.existing is None else self.existing


@dataclass
class RowPlan:
    number: int
    errors: list[str]
    customer: RecordPlan | None = None
    contact: RecordPlan | None = None
    deal: RecordPlan | None = None
    carries: list[tuple[str, RecordPlan]] = field(default_factory=list)

    def claim(self, seen: set[int]) -> None:
        """Take the records this row is the first to name."""
        for kind in ("customer", "contact", "deal"):
            record = getattr(self, kind)
            if record is not None and id(record) not in seen:
                seen.add(id(record))
                self.carries.append((kind, record))

    @property
    def result(self) -> str:
        if self.errors:
            return RowResult.ERROR
        actions = {record.action for _, record in self.carries}
        for action in (RowResult.NEW, RowResult.UPDATED):
            if action in actions:
                return action
        return RowResult.UNCHANGED

    @property
    def summary(self) -> str:
        if self.errors:
            return ""
        parts = []
        for kind in ("customer", "contact", "deal"):
            record = getattr(self, kind)
            if record is None:
                continue
            name = record.values.get("title") if kind == "deal" else record.values.get("name")
            carried = any(r is record for _, r in self.carries)
            action = record.action if carried else "as above"
            if carried and record.action == RowResult.UPDATED:
                action = "updated: " + ", ".join(
                    sorted(str(field_label(type(record.instance), n)) for n in record.changes)
                )
            parts.append(f"{kind} {name} ({action})")
        return "; ".join(parts)[:300]


# The job ---------------------------------------------------------------------------------------


def import_job_create(*, by: User, team: Team, file_name: str, file_format: str, content: bytes) -> ImportJob:
    """Keep the uploaded file; the caller has its rows checked (``deals.tasks.import_check``)."""
    return ImportJob.objects.create(
        owner=by,
        team=team,
        file_name=file_name[:200],
        file_format=file_format,
        content=content,
        queued_at=timezone.now(),
    )


def import_job_confirm(*, job: ImportJob, by: User, skip_errors: bool) -> ImportJob:
    """Queue the checked job for writing (the caller enqueues ``deals.tasks.import_write``);
    ``Invalid`` when it is not waiting, or has errors that are not to be skipped."""
    if job.owner_id != by.pk:
        raise Invalid("This import is not yours.")
    if job.status != ImportStatus.CHECKED:
        raise Invalid("This import is not waiting for you: see its state below.")
    if job.error_rows and not skip_errors:
        raise Invalid("Some rows have errors: correct the file, or tick “skip the rows with errors”.")
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.QUEUED, skip_errors=skip_errors, done_rows=0, problem="", queued_at=timezone.now()
    )
    if not claimed:
        raise Invalid("This import was confirmed already.")
    job.refresh_from_db(fields=["status", "skip_errors", "done_rows", "problem"])
    return job


def claim(*, job_id: int, start: str, running: str) -> ImportJob | None:
    """Move the job from ``start`` to ``running``; None when another task has it (or had it)."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=start).update(
        status=running, started_at=now, done_rows=0
    ) or ImportJob.objects.filter(pk=job_id, status=running, started_at__lt=now - STALE_CLAIM).update(
        started_at=now, done_rows=0
    )
    return ImportJob.objects.select_related("team", "owner").get(pk=job_id) if claimed else None


def import_sweep_due() -> list[ImportJob]:
    """End the jobs that never finished, delete those past keeping, and return the jobs whose task
    is to be sent again (the broker lost it, or its worker died): each claims its job, so a task
    sent twice does the work once."""
    now = timezone.now()
    give_up = now - timedelta(minutes=settings.NEGPREP_IMPORT_GIVE_UP_MINUTES)
    ImportJob.objects.filter(
        Q(status__in=IMPORT_WAITING, queued_at__lt=give_up)
        | Q(status__in=IMPORT_WORKING, started_at__lt=give_up)
    ).update(
        status=ImportStatus.FAILED,
        problem="The import stopped before it finished (the server was restarted or too busy): nothing "
        "of it was written. Upload the file again.",
        finished_at=now,
        content=b"",
    )
    past = list(
        ImportJob.objects.filter(created_at__lt=now - timedelta(days=settings.NEGPREP_IMPORT_KEEP_DAYS))
        .exclude(status__in=IMPORT_WAITING + IMPORT_WORKING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:PRUNE_JOBS]
    )
    if past:
        ImportRow.objects.filter(job_id__in=past).delete()
        ImportJob.objects.filter(pk__in=past).delete()
    return list(
        ImportJob.objects.filter(
            Q(status__in=IMPORT_WAITING, queued_at__lt=now - RESEND_AFTER)
            | Q(status__in=IMPORT_WORKING, started_at__lt=now - STALE_CLAIM)
        ).only("pk", "status")
    )


def progress_writer(job: ImportJob) -> Callable[[int], None]:
    """Record how many rows are done where the progress bar reads it, even from inside the import's
    transaction: on PostgreSQL through a connection of its own (committing at once)."""
    if not connection.in_atomic_block:
        return lambda done: ImportJob.objects.filter(pk=job.pk).update(done_rows=done)
    if connection.vendor != "postgresql":
        return lambda done: None

    def write(done: int) -> None:
        side = connections.create_connection("default")
        try:
            with side.cursor() as cursor:
                cursor.execute("UPDATE deals_importjob SET done_rows = %s WHERE id = %s", [done, job.pk])
        finally:
            side.close()

    return write


def import_fail(*, job: ImportJob, problem: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, problem=problem, finished_at=timezone.now(), content=b""
    )


def _counts(plans) -> dict:
    results = [plan.result for plan in plans]
    return {
        "total_rows": len(plans),
        "new_rows": results.count(RowResult.NEW),
        "updated_rows": results.count(RowResult.UPDATED),
        "unchanged_rows": results.count(RowResult.UNCHANGED),
        "error_rows": results.count(RowResult.ERROR),
    }


@transaction.atomic
def import_record_preview(*, job: ImportJob, plans: list[RowPlan], problem: str = "") -> None:
    """Store every row's result for the preview page, and the counts."""
    ImportRow.objects.filter(job=job).delete()
    ImportRow.objects.bulk_create(
        [
            ImportRow(job=job, number=p.number, result=p.result, summary=p.summary, errors=p.errors)
            for p in plans
        ],
        batch_size=BATCH,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.CHECKED, done_rows=len(plans), problem=problem, **_counts(plans)
    )


# Writing ---------------------------------------------------------------------------------------


def _batches(items: list) -> Iterable[list]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _carried(plans: list[RowPlan], kind: str, action: str) -> list[RecordPlan]:
    return [record for plan in plans for k, record in plan.carries if k == kind and record.action == action]


def _applied(record: RecordPlan):
    """The stored row with the file's changed values over it."""
    for name in record.changes:
        setattr(record.existing, name, record.values[name])
    return record.existing


# What counting a save sets (``mark_saved``), for ``bulk_update``.
SAVE_FIELDS = ("revision", "updated_by", "updated_at")


def _count_save(row, *, by: User, now) -> None:
    """Count one more save of ``row``; ``bulk_update`` sets no ``auto_now``, so the time is set here."""
    mark_saved(row, by=by)
    row.updated_at = now


def _write_customers(*, team: Team, plans: list[RowPlan]) -> None:
    new = _carried(plans, "customer", RowResult.NEW)
    for record in new:
        record.instance.team = team
    Customer.objects.bulk_create([r.instance for r in new], batch_size=BATCH)
    changed = _carried(plans, "customer", RowResult.UPDATED)
    for record in changed:
        _applied(record)
    Customer.objects.bulk_update([r.existing for r in changed], CUSTOMER_IMPORT_FIELDS, batch_size=BATCH)


def _write_contacts(*, by: User, plans: list[RowPlan]) -> None:
    new = _carried(plans, "contact", RowResult.NEW)
    for record in new:
        record.instance.customer = record.parent.stored
        record.instance.updated_by = by
    Contact.objects.bulk_create([r.instance for r in new], batch_size=BATCH)
    changed = _carried(plans, "contact", RowResult.UPDATED)
    now = timezone.now()
    for record in changed:
        _count_save(_applied(record), by=by, now=now)
    Contact.objects.bulk_update(
        [r.existing for r in changed], [*CONTACT_IMPORT_FIELDS, *SAVE_FIELDS], batch_size=BATCH
    )


def _json(value):
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def _write_deals(*, job: ImportJob, by: User, plans: list[RowPlan], progress) -> None:
    now = timezone.now()
    source = f"imported from {job.file_name}"[:120]
    new = _carried(plans, "deal", RowResult.NEW)
    changed = _carried(plans, "deal", RowResult.UPDATED)
    done, total = 0, max(1, len(new) + len(changed))
    for batch in _batches(new):
        for record in batch:
            deal = record.instance
            deal.team, deal.owner, deal.customer = job.team, by, record.parent.stored
            deal.updated_by = by
        Deal.objects.bulk_create([r.instance for r in batch])
        Briefing.objects.bulk_create([Briefing(deal=r.instance, currency=r.instance.currency) for r in batch])
        Consultation.objects.bulk_create(
            [
                Consultation(deal=r.instance, department=department, required=True)
                for r in batch
                for department in sorted(required_departments(deal=r.instance))
            ]
        )
        Activity.objects.bulk_create(
            [Activity(deal=r.instance, actor=by, verb="deal_created", summary=source) for r in batch]
        )
        done += len(batch)
        progress(done / total)
    for batch in _batches(changed):
        deals = [_applied(record) for record in batch]
        for deal in deals:
            _count_save(deal, by=by, now=now)
        Deal.objects.bulk_update(deals, [*DEAL_EDITABLE_FIELDS, *SAVE_FIELDS])
        Activity.objects.bulk_create(
            [
                Activity(
                    deal=r.existing,
                    actor=by,
                    verb="deal_updated",
                    summary=f"updated the deal ({source})"[:300],
                    changes={
                        field_label(Deal, name): {"old": _json(old), "new": _json(new)}
                        for name, (old, new) in r.changes.items()
                    },
                )
                for r in batch
            ]
        )
        for record in batch:
            if {"involves_production", "involves_delivery"} & record.changes.keys():
                consultations_derive(deal=record.existing, by=by)
        done += len(batch)
        progress(done / total)


def _record_contact_activity(*, by: User, plans: list[RowPlan]) -> None:
    entries = []
    for plan in plans:
        carried = dict(plan.carries)
        contact, deal = carried.get("contact"), plan.deal
        if contact is None or deal is None or contact.action == RowResult.UNCHANGED:
            continue
        verb = "contact_added" if contact.action == RowResult.NEW else "contact_updated"
        entries.append(
            Activity(
                deal=deal.stored,
                actor=by,
                verb=verb,
                summary=f"{'added' if verb == 'contact_added' else 'updated'} the contact "
                f"{contact.values['name']} (import)"[:300],
            )
        )
    Activity.objects.bulk_create(entries, batch_size=BATCH)


def import_apply(*, job: ImportJob, plans: list[RowPlan], progress: Callable[[float], None]) -> None:
    """Write the plans of the rows without errors; call inside the job's transaction.
    ``progress(share)`` is told the share of the deals written so far (0 to 1)."""
    good = [plan for plan in plans if not plan.errors]
    _write_customers(team=job.team, plans=good)
    _write_contacts(by=job.owner, plans=good)
    _write_deals(job=job, by=job.owner, plans=good, progress=progress)
    _record_contact_activity(by=job.owner, plans=good)
    counts = _counts(plans)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE, finished_at=timezone.now(), done_rows=len(plans), content=b"", **counts
    )
