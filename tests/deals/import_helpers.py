"""Building import files and uploading them as a rep would."""

import csv
import io

import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals.domain.imports import COLUMNS
from deals.models import ImportJob

DEAL = {
    "customer_external_id": "C-1",
    "customer_name": "Brightwater Pumps AG",
    "customer_industry": "Water utilities",
    "deal_external_id": "D-1",
    "deal_title": "Valves frame contract",
    "deal_scope": "500 hydraulic valves",
    "estimated_value": "125000.00",
    "currency": "EUR",
    "quantity": "500",
    "involves_production": "yes",
    "involves_delivery": "no",
    "special_payment_terms": "no",
}
CONTACT = {
    "customer_external_id": "C-1",
    "customer_name": "Brightwater Pumps AG",
    "contact_external_id": "P-1",
    "contact_name": "Jana Kruse",
    "contact_title": "Head of Purchasing",
    "contact_buying_role": "Economic buyer",
    "contact_email": "jana.kruse@example.com",
}


def row(base: dict, **changes) -> dict:
    return {**base, **changes}


def csv_bytes(rows: list[dict], *, bom: bool = False) -> bytes:
    columns = [name for name in COLUMNS if any(name in r for r in rows)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict]) -> bytes:
    columns = [name for name in COLUMNS if any(name in r for r in rows)]
    data = tablib.Dataset(headers=columns)
    for r in rows:
        data.append([r.get(name, "") for name in columns])
    return data.export("xlsx")


def upload(client, capture, content: bytes, *, name="crm.csv", content_type="text/csv"):
    """Upload the file as the signed-in user; the check runs (eagerly) once the upload commits."""
    with capture(execute=True):
        response = client.post(
            reverse("deals:import_start"),
            {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        )
    return response


def last_job() -> ImportJob:
    return ImportJob.objects.order_by("-pk").first()


def confirm(client, capture, job: ImportJob, *, skip: bool = False):
    with capture(execute=True):
        response = client.post(
            reverse("deals:import_confirm", args=[job.pk]), {"skip_errors": "on"} if skip else {}
        )
    job.refresh_from_db()
    return response


def results(job: ImportJob) -> dict[int, tuple[str, list[str]]]:
    return {r.number: (r.result, r.errors) for r in job.rows.order_by("number")}
