"""Exports to CSV and Excel: what the page shows, with its filters, and nothing a spreadsheet runs."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from deals.formatting import spreadsheet_cell
from deals.models import DealStatus
from teams.models import Role
from tests.factories import (
    CustomerFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    NegotiationReportFactory,
    UserFactory,
)


def _csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(start):
    assert spreadsheet_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


def test_numbers_and_plain_text_pass_as_they_are():
    assert spreadsheet_cell(-5) == -5
    assert spreadsheet_cell("Valves") == "Valves"
    assert spreadsheet_cell(None) is None


def test_the_deal_list_exports_with_formulas_neutralised(client, rep, world):
    deal = world.objects["deal"]
    deal.title = '=HYPERLINK("http://evil.example","click")'
    deal.external_id = "@D-1"
    deal.save()
    client.force_login(rep)
    response = client.get(reverse("deals:list_export"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="deals-')
    [exported] = _csv_rows(response)
    assert exported["deal_title"] == "'" + deal.title
    assert exported["deal_external_id"] == "'@D-1"

    xlsx = client.get(reverse("deals:list_export"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and "no-store" in xlsx["Cache-Control"]
    header, first = _xlsx_rows(xlsx)
    assert first[header.index("deal_title")] == "'" + deal.title
    assert first[header.index("estimated_value")] == 125000


def test_the_export_keeps_the_lists_filters(client, rep, world):
    customer = world.objects["customer"]
    DealFactory(team=world.team, owner=rep, customer=customer, title="Lost pumps", status=DealStatus.LOST)
    DealFactory(team=world.team, owner=rep, customer=customer, title="Open pumps")
    client.force_login(rep)
    titles = {r["deal_title"] for r in _csv_rows(client.get(reverse("deals:list_export")))}
    assert titles == {world.objects["deal"].title, "Lost pumps", "Open pumps"}
    lost = _csv_rows(client.get(reverse("deals:list_export"), {"status": "lost", "format": "csv"}))
    assert [r["deal_title"] for r in lost] == ["Lost pumps"]
    searched = _csv_rows(client.get(reverse("deals:list_export"), {"q": "open pumps"}))
    assert [r["deal_title"] for r in searched] == ["Open pumps"]
    # The list's export links carry the filters too.
    page = client.get(reverse("deals:list"), {"status": "lost"}).content.decode()
    assert f"{reverse('deals:list_export')}?status=lost&amp;format=csv" in page


def test_the_export_shows_what_the_list_shows_to_each_user(client, world):
    colleague = UserFactory(username="colleague")
    MembershipFactory(user=colleague, team=world.team, role=Role.REP)
    DealFactory(team=world.team, owner=colleague, customer=world.objects["customer"], title="Colleague's")
    DealFactory(team=world.other_team, title="Elsewhere")

    client.force_login(world.members["rep"])
    assert {r["deal_title"] for r in _csv_rows(client.get(reverse("deals:list_export")))} == {
        world.objects["deal"].title
    }
    client.force_login(world.members["manager"])
    assert {r["deal_title"] for r in _csv_rows(client.get(reverse("deals:list_export")))} == {
        world.objects["deal"].title,
        "Colleague's",
    }
    client.force_login(world.members["production"])
    assert _csv_rows(client.get(reverse("deals:list_export"))) == []
    client.force_login(world.outsider)
    assert "Elsewhere" in {r["deal_title"] for r in _csv_rows(client.get(reverse("deals:list_export")))}
    assert world.objects["deal"].title not in client.get(reverse("deals:list_export")).content.decode()


def test_an_export_past_the_cap_is_refused_with_a_message(client, rep, monkeypatch):
    monkeypatch.setattr("deals.views.exports.EXPORT_MAX_ROWS", 0)
    client.force_login(rep)
    response = client.get(reverse("deals:list_export"), {"status": "open", "format": "xlsx"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("deals:list") + "?status=open"
    assert "an export holds at most 0. Narrow the filters" in response.content.decode()


def _report(world, **fields):
    deal = world.objects["deal"]
    starts_at = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    return NegotiationReportFactory(meeting=meeting, **fields)


def test_reports_export_with_their_filters_and_neutralised_text(client, world, manager):
    _report(world, outcome="won", next_steps="-send the contract")
    _report(world, outcome="lost")
    client.force_login(manager)
    response = client.get(reverse("deals:reports_export"), {"outcome": "won"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    [won] = _csv_rows(response)
    assert won["outcome"] == "Won"
    assert won["next_steps"] == "'-send the contract"
    assert len(_csv_rows(client.get(reverse("deals:reports_export")))) == 2


def test_reports_export_is_for_managers_only(client, rep, world):
    _report(world)
    client.force_login(rep)
    assert client.get(reverse("deals:reports_export")).status_code == 403


def test_team_results_export_holds_each_managed_team(client, world, manager):
    _report(world, outcome="won")
    client.force_login(manager)
    response = client.get(reverse("deals:team_results_export"), {"format": "xlsx"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    header, *rows = _xlsx_rows(response)
    assert [row[header.index("team")] for row in rows] == [world.team.name]
    assert rows[0][header.index("reports")] == 1
    page = client.get(reverse("deals:team_results")).content.decode()
    assert reverse("deals:team_results_export") in page


def test_an_outsider_exports_nothing_of_the_team(client, world):
    _report(world)
    CustomerFactory(team=world.other_team)
    client.force_login(world.outsider)
    results = _csv_rows(client.get(reverse("deals:team_results_export")))
    assert [r["team"] for r in results] == [world.other_team.name]
    assert _csv_rows(client.get(reverse("deals:reports_export"))) == []
