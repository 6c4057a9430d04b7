"""Retention: exporting a team's data, and erasing a contact's personal data on request."""

import json
import stat
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from deals.models import ERASED_CONTACT_NAME, Activity, Contact
from deals.services.contacts import contact_update
from deals.services.reports import report_file
from tests.access_matrix import _payment_request, _production_consultation
from tests.deals.briefing_helpers import approve_briefing
from tests.factories import ContactFactory, DealFactory


def _export(tmp_path, team) -> tuple[dict, str]:
    path = tmp_path / "export.json"
    call_command("export_team_data", "--team", str(team), "--output", str(path))
    text = path.read_text(encoding="utf-8")
    return json.loads(text), text


# Export -------------------------------------------------------------------------------------


def test_it_exports_every_record_of_the_team_and_nothing_of_another(
    tmp_path, world, deal, rep, manager, past_meeting, contact
):
    approve_briefing(deal, rep, manager)
    _production_consultation(world)
    _payment_request(world)
    report_file(meeting=past_meeting, by=rep, outcome="continue", next_steps="Send the offer")
    secret = DealFactory(team=world.other_team, title="Southpeak secret deal")

    export, text = _export(tmp_path, "Northwind")

    assert export["format"] == "negprep-team-export/1"
    assert export["team"]["name"] == "Northwind"
    records = export["records"]
    assert [row["id"] for row in records["deals.deal"]] == [deal.pk]
    assert [row["name"] for row in records["deals.contact"]] == ["Dana Buyer"]
    meetings = {row["id"]: row for row in records["deals.meeting"]}
    assert meetings[world.objects["meeting"].pk]["contacts"] == [contact.pk]
    assert records["deals.briefing"][0]["deal"] == deal.pk
    assert len(records["deals.briefingversion"]) == 1
    assert records["deals.approval"][0]["decision"] == "approved"
    assert records["deals.pitchpoint"] and records["deals.concession"] and records["deals.objection"]
    assert records["deals.consultation"][0]["questions"].startswith("Can we make 500 valves")
    assert records["deals.paymenttermrequest"][0]["net_days"] == 60
    assert records["deals.negotiationreport"][0]["next_steps"] == "Send the offer"
    assert {row["verb"] for row in records["deals.activity"]} >= {"briefing_approved", "report_filed"}
    assert {row["role"] for row in records["teams.membership"]} == {
        "rep",
        "manager",
        "production",
        "supply_chain",
        "finance",
    }
    assert {user["username"] for user in export["users"]} >= {rep.username, manager.username}
    assert "password" not in text
    assert "pbkdf2" not in text
    assert secret.title not in text
    assert world.outsider.username not in text


@pytest.fixture
def contact(world):
    return world.objects["contact"]


def test_it_finds_the_team_by_id_and_writes_a_file_only_its_owner_reads(tmp_path, world):
    export, _ = _export(tmp_path, world.team.pk)
    assert export["team"]["id"] == world.team.pk
    assert stat.S_IMODE((tmp_path / "export.json").stat().st_mode) == 0o600


def test_it_refuses_an_unknown_team_and_writes_nothing(tmp_path, world):
    with pytest.raises(CommandError, match="No team"):
        call_command("export_team_data", "--team", "Nowhere", "--output", str(tmp_path / "x.json"))
    assert not list(tmp_path.iterdir())


# Erasure ------------------------------------------------------------------------------------


def _erase(contact, reason="Request 2026-17 by e-mail"):
    call_command("erase_contact", "--contact", str(contact.pk), "--reason", reason)


def test_it_erases_a_contacts_personal_data_everywhere_and_keeps_the_figures(
    world, deal, rep, manager, contact, past_meeting
):
    contact_update(contact=contact, deal=deal, by=rep, email="dana@acme.example", phone="+49 30 9876543")
    contact_update(contact=contact, deal=deal, by=rep, name="Dana Buyer-Kim", cares_about="Her bonus")
    approve_briefing(
        deal, rep, manager, attendees_interests="Dana Buyer-Kim wants a discount; ring +49 30 9876543"
    )
    past_meeting.contacts.add(contact)
    report = report_file(
        meeting=past_meeting,
        by=rep,
        outcome="continue",
        agreed_price=Decimal("220.00"),
        next_steps="Send dana buyer-kim the offer at dana@acme.example",
        lessons="Dana Buyerson from legal was helpful",
    )
    other = ContactFactory(customer=deal.customer, name="Olaf Other", email="olaf@acme.example")

    _erase(contact)

    contact.refresh_from_db()
    assert (contact.name, contact.title, contact.email, contact.phone, contact.cares_about) == (
        ERASED_CONTACT_NAME,
        "",
        "",
        "",
        "",
    )
    assert contact.erased_at is not None
    assert contact.archived_at is not None
    assert contact in past_meeting.contacts.all()
    assert contact in world.objects["meeting"].contacts.all()

    report.refresh_from_db()
    assert report.agreed_price == Decimal("220.00")
    assert report.next_steps == "Send Erased contact the offer at [erased]"
    # A report page opened before the erasure cannot write the data back unseen.
    assert (report.revision, report.updated_by) == (2, None)
    assert report.lessons == "Dana Buyerson from legal was helpful"
    deal.briefing.refresh_from_db()
    assert deal.briefing.attendees_interests == "Erased contact wants a discount; ring [erased]"
    assert deal.briefing.walk_away_price == Decimal("210.00")
    version = deal.briefing.versions.get()
    assert "Dana" not in json.dumps(version.snapshot)

    timeline = json.dumps(list(Activity.objects.exclude(verb="contact_erased").values("summary", "changes")))
    for personal in ("Dana Buyer", "dana@acme.example", "9876543", "Her bonus"):
        assert personal not in timeline, personal
    other.refresh_from_db()
    assert (other.name, other.email) == ("Olaf Other", "olaf@acme.example")

    entry = deal.activities.get(verb="contact_erased")
    assert entry.actor is None
    assert "manage.py erase_contact" in entry.summary
    assert entry.changes["Reason"]["new"] == "Request 2026-17 by e-mail"
    assert entry.changes["Contact"]["new"] == f"#{contact.pk}"


def test_every_deal_of_the_customer_records_the_erasure(world, deal, rep, contact):
    second = DealFactory(team=world.team, owner=rep, customer=deal.customer)
    _erase(contact)
    assert Activity.objects.filter(verb="contact_erased", deal__in=[deal, second]).count() == 2


def test_an_erased_contact_is_not_erased_again_nor_restored(deal, rep, contact):
    _erase(contact)
    with pytest.raises(CommandError, match="already erased"):
        _erase(contact)
    from deals.services.contacts import contact_restore
    from negprep.errors import Invalid

    with pytest.raises(Invalid, match="erased on request"):
        contact_restore(contact=contact, deal=deal, by=rep)
    assert Activity.objects.filter(verb="contact_erased").count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_it_needs_a_short_reason(contact, reason):
    with pytest.raises(CommandError, match="Say why|the reason"):
        _erase(contact, reason=reason)
    contact.refresh_from_db()
    assert contact.name == "Dana Buyer"
    assert not Activity.objects.filter(verb="contact_erased").exists()


def test_it_refuses_an_unknown_contact(db):
    with pytest.raises(CommandError, match="No contact"):
        call_command("erase_contact", "--contact", "999999", "--reason", "Request")
    assert not Contact.objects.exists()
