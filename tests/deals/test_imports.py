"""Importing customers, contacts and deals from CSV and XLSX: preview, all or nothing, re-import."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals.models import (
    Activity,
    Briefing,
    Consultation,
    Contact,
    Customer,
    Deal,
    ImportRow,
    ImportStatus,
)
from teams.models import Role
from tests.deals.import_helpers import (
    CONTACT,
    DEAL,
    confirm,
    csv_bytes,
    last_job,
    results,
    row,
    upload,
    xlsx_bytes,
)
from tests.factories import CustomerFactory, DealFactory, MembershipFactory, UserFactory

SAMPLE = Path(__file__).resolve().parents[2] / "deals" / "samples" / "import-sample.csv"


@pytest.fixture
def as_rep(client, rep):
    client.force_login(rep)
    return client


def test_the_sample_file_is_previewed_first_and_written_only_on_import(
    as_rep, rep, world, django_capture_on_commit_callbacks
):
    deals_before = Deal.objects.count()
    response = upload(as_rep, django_capture_on_commit_callbacks, SAMPLE.read_bytes())
    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert (job.total_rows, job.new_rows, job.error_rows) == (3, 3, 0)
    assert Deal.objects.count() == deals_before
    assert not Customer.objects.filter(external_id="CRM-C-1001").exists()

    page = as_rep.get(reverse("deals:import_job", args=[job.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="import-row"') == 3

    confirm(as_rep, django_capture_on_commit_callbacks, job)
    assert job.status == ImportStatus.DONE
    assert job.content == b""
    frame = Deal.objects.get(external_id="CRM-D-9001")
    assert frame.owner == rep and frame.team == world.team
    assert frame.customer.name == "Brightwater Pumps AG"
    assert frame.estimated_value == Decimal("125000.00")
    assert Briefing.objects.filter(deal=frame).exists()
    assert set(Consultation.objects.filter(deal=frame).values_list("department", flat=True)) == {
        "production",
        "supply_chain",
    }
    assert set(frame.customer.contacts.values_list("external_id", flat=True)) == {"CRM-P-5001", "CRM-P-5002"}
    assert Contact.objects.get(external_id="CRM-P-5001").buying_role == "economic_buyer"
    assert Activity.objects.filter(deal=frame, verb="deal_created").exists()
    assert "HV-200 valves 2027 frame contract" in as_rep.get(reverse("deals:list")).content.decode()


def test_a_reimport_updates_and_never_duplicates(as_rep, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    upload(as_rep, capture, csv_bytes([DEAL, CONTACT]))
    confirm(as_rep, capture, last_job())
    counts = (Customer.objects.count(), Contact.objects.count(), Deal.objects.count())

    upload(as_rep, capture, csv_bytes([DEAL, CONTACT]))
    job = last_job()
    assert results(job) == {2: ("unchanged", []), 3: ("unchanged", [])}
    confirm(as_rep, capture, job)
    assert job.status == ImportStatus.DONE

    changed = row(DEAL, estimated_value="130000", deal_title="Valves frame contract 2027")
    upload(as_rep, capture, csv_bytes([changed, row(CONTACT, contact_title="Purchasing director")]))
    job = last_job()
    assert results(job) == {2: ("updated", []), 3: ("updated", [])}
    confirm(as_rep, capture, job)
    assert (Customer.objects.count(), Contact.objects.count(), Deal.objects.count()) == counts
    deal = Deal.objects.get(external_id="D-1")
    assert (deal.title, deal.estimated_value, deal.revision) == ("Valves frame contract 2027", 130000, 1)
    update = Activity.objects.get(deal=deal, verb="deal_updated")
    assert update.changes["Estimated value"] == {"old": "125000.00", "new": "130000.00"}
    assert Contact.objects.get(external_id="P-1").title == "Purchasing director"


def test_a_file_with_errors_writes_nothing_unless_the_bad_rows_are_skipped(
    as_rep, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    bad = row(DEAL, deal_external_id="D-2", estimated_value="-5")
    upload(as_rep, capture, csv_bytes([DEAL, bad]))
    job = last_job()
    assert job.status == ImportStatus.CHECKED and job.error_rows == 1

    response = confirm(as_rep, capture, job)
    assert response.status_code == 302
    assert job.status == ImportStatus.CHECKED
    assert not Deal.objects.filter(external_id__in=["D-1", "D-2"]).exists()
    assert not Customer.objects.filter(external_id="C-1").exists()
    assert "Disabled" not in as_rep.get(reverse("deals:import_job", args=[job.pk])).content.decode()

    confirm(as_rep, capture, job, skip=True)
    assert job.status == ImportStatus.DONE
    assert list(Deal.objects.filter(external_id__startswith="D-").values_list("external_id", flat=True)) == [
        "D-1"
    ]


def test_each_error_names_its_column_with_the_pages_message(as_rep, django_capture_on_commit_callbacks):
    yesterday = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    rows = [
        row(DEAL, estimated_value="-5"),
        row(DEAL, deal_external_id="D-2", requested_delivery_date=yesterday),
        row(CONTACT, contact_email="not-an-address"),
        row(CONTACT, contact_external_id="P-2", contact_name="Tom", contact_buying_role="boss"),
        row(DEAL, deal_external_id="", deal_title="No id"),
        row(DEAL, deal_external_id="D-3", involves_production="maybe"),
        row(DEAL, deal_external_id="D-4", deal_scope=""),
        row(DEAL),
    ]
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes(rows))
    found = results(last_job())
    assert found[2] == ("error", ["estimated_value: The estimated value cannot be negative."])
    assert found[3] == (
        "error",
        ["requested_delivery_date: The requested delivery date cannot be in the past."],
    )
    assert found[4] == ("error", ["contact_email: Enter a valid email address, e.g. jana.kruse@example.com."])
    assert found[5][0] == "error" and found[5][1][0].startswith("contact_buying_role: ")
    assert found[6] == (
        "error",
        ["deal_external_id: give the deal's CRM id: a re-import finds the deal by it."],
    )
    assert found[7] == ("error", ["involves_production: write yes or no."])
    assert found[8][0] == "error" and found[8][1][0].startswith("deal_scope: ")
    # D-1 is on line 2 already (even though that row failed, it names the same deal).
    assert found[9][0] == "error"


def test_skipping_a_bad_row_keeps_the_customer_it_shares_with_a_good_one(
    as_rep, django_capture_on_commit_callbacks
):
    rows = [row(DEAL, estimated_value="-1"), row(DEAL, deal_external_id="D-2")]
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes(rows))
    job = last_job()
    assert [result for result, _ in results(job).values()] == ["error", "new"]
    confirm(as_rep, django_capture_on_commit_callbacks, job, skip=True)
    assert job.status == ImportStatus.DONE
    deal = Deal.objects.get(external_id="D-2")
    assert deal.customer.external_id == "C-1"
    assert not Deal.objects.filter(external_id="D-1").exists()


def test_two_rows_that_disagree_on_one_record_are_refused(as_rep, django_capture_on_commit_callbacks):
    rows = [
        row(DEAL),
        row(DEAL, customer_external_id="C-2", deal_external_id="D-2"),
        row(CONTACT),
        row(CONTACT, contact_external_id="P-2"),
    ]
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes(rows))
    job = last_job()
    found = results(job)
    assert found[2] == ("new", [])
    assert found[3] == ("error", ["customer_name: row 2 names Brightwater Pumps AG with CRM id C-1."])
    assert found[4] == ("new", [])
    assert found[5] == (
        "error",
        ["contact_name: Brightwater Pumps AG already has a contact called Jana Kruse: row 4."],
    )
    confirm(as_rep, django_capture_on_commit_callbacks, job, skip=True)
    assert job.status == ImportStatus.DONE
    assert Customer.objects.filter(name="Brightwater Pumps AG").count() == 1
    assert Contact.objects.filter(name="Jana Kruse").count() == 1


def test_a_row_the_database_refuses_fails_the_import_and_writes_nothing(
    as_rep, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import IntegrityError

    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([DEAL, CONTACT]))
    job = last_job()

    def refuse(*args, **kwargs):
        raise IntegrityError("duplicate key")

    # As if someone created the same contact between the check and the write.
    monkeypatch.setattr("deals.services.imports.Contact.objects.bulk_create", refuse)
    confirm(as_rep, django_capture_on_commit_callbacks, job)
    assert job.status == ImportStatus.FAILED
    assert job.problem.startswith("The database refused a row")
    assert not Customer.objects.filter(external_id="C-1").exists()


def test_another_reps_deal_is_refused_with_the_reason(world, as_rep, django_capture_on_commit_callbacks):
    colleague = UserFactory(username="colleague")
    MembershipFactory(user=colleague, team=world.team, role=Role.REP)
    customer = CustomerFactory(team=world.team, name="Brightwater Pumps AG", external_id="C-1")
    theirs = DealFactory(team=world.team, owner=colleague, customer=customer, external_id="D-1")
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([row(DEAL, estimated_value="1")]))
    assert results(last_job()) == {
        2: ("error", ["deal_external_id: deal D-1 is not yours: only the deal's owner edits it."])
    }
    theirs.refresh_from_db()
    assert theirs.estimated_value == Decimal("125000.00")


def test_an_existing_customer_found_by_name_takes_the_crm_id(
    world, as_rep, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(team=world.team, name="Brightwater Pumps AG", industry="Water utilities")
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes([row(CONTACT)]))
    job = last_job()
    assert results(job)[2][0] == "new"  # the contact is new; the customer gets its CRM id
    confirm(as_rep, django_capture_on_commit_callbacks, job)
    customer.refresh_from_db()
    assert customer.external_id == "C-1"
    assert Customer.objects.filter(team=world.team, name="Brightwater Pumps AG").count() == 1


def test_an_xlsx_file_imports_like_a_csv(as_rep, django_capture_on_commit_callbacks):
    upload(
        as_rep,
        django_capture_on_commit_callbacks,
        xlsx_bytes([DEAL]),
        name="crm.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    job = last_job()
    assert results(job) == {2: ("new", [])}
    confirm(as_rep, django_capture_on_commit_callbacks, job)
    assert Deal.objects.get(external_id="D-1").quantity == 500


def test_a_utf8_file_with_a_bom_is_read(as_rep, django_capture_on_commit_callbacks):
    upload(
        as_rep,
        django_capture_on_commit_callbacks,
        csv_bytes([row(DEAL, customer_name="Müller AG")], bom=True),
    )
    assert results(last_job()) == {2: ("new", [])}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("customer_name\nMüller AG\n".encode("latin-1"), "The file is not UTF-8 text"),
        (b"deal_title\nValves\n", "The file has no customer_name column."),
        (b"customer_name,colour\nAcme,red\n", "Unknown columns: colour."),
        (b"customer_name\n", "The file has a header but no rows."),
        (b"customer_name\nA,b,c\n", "A row has more cells than the header has columns"),
    ],
)
def test_a_file_it_cannot_read_is_refused_with_the_reason(
    as_rep, django_capture_on_commit_callbacks, content, problem
):
    upload(as_rep, django_capture_on_commit_callbacks, content)
    job = last_job()
    assert job.status == ImportStatus.FAILED
    assert job.problem.startswith(problem)
    assert not ImportRow.objects.filter(job=job).exists()
    assert problem in as_rep.get(reverse("deals:import_job", args=[job.pk])).content.decode()


def test_a_csv_with_semicolons_as_excel_writes_it_in_many_locales_is_read(
    as_rep, django_capture_on_commit_callbacks
):
    content = "customer_name;deal_external_id;deal_title;deal_scope;estimated_value\n"
    content += "Müller AG;D-1;Valves;500 valves;1200.50\n"
    upload(as_rep, django_capture_on_commit_callbacks, content.encode())
    job = last_job()
    assert results(job) == {2: ("new", [])}
    confirm(as_rep, django_capture_on_commit_callbacks, job)
    assert Deal.objects.get(external_id="D-1").estimated_value == Decimal("1200.50")


def test_an_xlsx_file_that_unpacks_to_too_much_is_refused(
    as_rep, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("deals.domain.imports.MAX_UNPACKED_BYTES", 1000)
    upload(as_rep, django_capture_on_commit_callbacks, xlsx_bytes([DEAL]), name="crm.xlsx")
    assert last_job().problem == "The Excel file holds too much data: split it, or export it as CSV."


def test_a_broken_xlsx_file_is_refused(as_rep, django_capture_on_commit_callbacks):
    upload(as_rep, django_capture_on_commit_callbacks, b"not a zip", name="crm.xlsx")
    assert last_job().problem.startswith("This is not an Excel (.xlsx) file")


def test_the_upload_refuses_other_kinds_and_big_files(
    as_rep, monkeypatch, django_capture_on_commit_callbacks
):
    response = upload(as_rep, django_capture_on_commit_callbacks, b"customer_name\nA\n", name="crm.txt")
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    monkeypatch.setattr("deals.forms.imports.MAX_FILE_BYTES", 10)
    response = upload(as_rep, django_capture_on_commit_callbacks, b"customer_name\nAcme Hydraulics\n")
    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert last_job() is None


def test_too_many_rows_are_refused(as_rep, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("deals.domain.imports.MAX_ROWS", 2)
    upload(as_rep, django_capture_on_commit_callbacks, b"customer_name\nA\nB\nC\n")
    assert last_job().problem == "The file has more than 2 rows: split it."


def test_a_job_is_seen_by_its_owner_only(world, client, rep, django_capture_on_commit_callbacks):
    client.force_login(rep)
    upload(client, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    job = last_job()
    colleague = UserFactory(username="colleague")
    MembershipFactory(user=colleague, team=world.team, role=Role.REP)
    client.force_login(colleague)
    for name in ("deals:import_job", "deals:import_progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("deals:import_confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert not Deal.objects.filter(external_id="D-1").exists()


def test_a_manager_cannot_import(client, manager):
    client.force_login(manager)
    assert client.get(reverse("deals:import_start")).status_code == 403


def test_the_sample_is_downloadable_from_the_import_page(as_rep):
    page = as_rep.get(reverse("deals:import_start"))
    assert reverse("deals:import_sample") in page.content.decode()
    response = as_rep.get(reverse("deals:import_sample"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SAMPLE.read_bytes()


def test_the_import_page_lists_the_reps_imports_ten_a_page(as_rep, rep, world):
    from deals.services.imports import import_job_create

    for number in range(12):
        import_job_create(
            by=rep, team=world.team, file_name=f"crm-{number}.csv", file_format="csv", content=b""
        )
    first = as_rep.get(reverse("deals:import_start")).content.decode()
    assert first.count("crm-") == 10
    assert "crm-11.csv" in first and "crm-1.csv" not in first
    assert "1–10 of 12 imports" in first
    second = as_rep.get(reverse("deals:import_start"), {"page": 2}).content.decode()
    assert second.count("crm-") == 2
    assert "crm-0.csv" in second and "crm-1.csv" in second
    assert as_rep.get(reverse("deals:import_start"), {"page": "x"}).status_code == 200


def test_the_progress_bar_polls_until_the_check_is_done(as_rep, rep, world):
    from deals.services.imports import import_job_create

    job = import_job_create(by=rep, team=world.team, file_name="crm.csv", file_format="csv", content=b"x")
    fragment = as_rep.get(reverse("deals:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment
    job.status = ImportStatus.CHECKED
    job.save()
    done = as_rep.get(reverse("deals:import_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"


def test_a_rep_of_two_teams_picks_the_team_and_the_records_go_there(
    client, rep, world, django_capture_on_commit_callbacks
):
    MembershipFactory(user=rep, team=world.other_team, role=Role.REP)
    client.force_login(rep)
    missing = upload(client, django_capture_on_commit_callbacks, csv_bytes([DEAL]))
    assert missing.status_code == 400
    assert "Pick the team the file&#x27;s customers and deals belong to." in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("deals:import_start"),
            {"team": world.other_team.pk, "file": SimpleUploadedFile("crm.csv", csv_bytes([DEAL]))},
        )
    job = last_job()
    assert job.team == world.other_team
    confirm(client, django_capture_on_commit_callbacks, job)
    assert Deal.objects.get(external_id="D-1").team == world.other_team


def test_the_preview_is_paginated_and_shows_the_rows_with_errors_alone(
    as_rep, django_capture_on_commit_callbacks
):
    rows = [row(DEAL, deal_external_id=f"D-{n}") for n in range(60)]
    rows[55]["estimated_value"] = "lots"
    upload(as_rep, django_capture_on_commit_callbacks, csv_bytes(rows))
    job = last_job()
    url = reverse("deals:import_job", args=[job.pk])
    first = as_rep.get(url).content.decode()
    assert first.count('data-testid="import-row"') == 50
    assert "1–50 of 60 rows" in first
    assert as_rep.get(url, {"page": 2}).content.decode().count('data-testid="import-row"') == 10
    errors = as_rep.get(url, {"show": "errors"}).content.decode()
    assert errors.count('data-testid="import-row"') == 1
    assert "estimated_value: Enter a number." in errors
