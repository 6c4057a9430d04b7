"""Writes go through the same services as the pages: their rules and refusals, as JSON."""

from datetime import timedelta

from django.utils import timezone

from deals.models import (
    Briefing,
    BriefingStatus,
    Consultation,
    ConsultationStatus,
    Deal,
    Meeting,
    NegotiationReport,
    PaymentTermStatus,
)
from deals.services.briefings import briefing_submit
from tests.access_matrix import _past_meeting, _payment_request, _production_consultation
from tests.api.conftest import if_match
from tests.deals.briefing_helpers import fill_briefing


def _at(days, hours=0):
    return (timezone.now().replace(microsecond=0) + timedelta(days=days, hours=hours)).isoformat()


def test_rep_creates_a_deal_with_its_first_meeting(world, api_as):
    customer, contact = world.objects["customer"], world.objects["contact"]
    response = api_as("rep").post(
        "/api/v1/deals/",
        {
            "customer": customer.pk,
            "contacts": [contact.pk],
            "title": "Pumps 2031",
            "scope": "40 pumps",
            "estimated_value": "12000.50",
            "currency": "EUR",
            "involves_production": True,
            "first_meeting": {
                "starts_at": _at(5),
                "ends_at": _at(5, 2),
                "stage": "exploratory",
                "location": "HQ",
            },
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    deal = Deal.objects.get(pk=data["id"])
    assert deal.owner == world.members["rep"] and deal.title == "Pumps 2031"
    assert response["ETag"] == f'"{deal.revision}"'
    assert data["readiness"]["total"] >= 1 and data["next_meeting_at"]
    assert Meeting.objects.filter(deal=deal).count() == 1
    assert deal.consultations.filter(department="production").exists()  # the service derived it


def test_create_refusals_are_field_keyed(world, api_as):
    response = api_as("rep").post(
        "/api/v1/deals/", {"title": "", "estimated_value": "-5", "first_meeting": 3}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    # Every part's messages at once: the customer, the terms and the first meeting.
    assert {"customer", "title", "scope", "first_meeting.starts_at"} <= set(errors)
    assert "__all__" not in errors
    assert api_as("manager").post("/api/v1/deals/", {}).status_code == 403


def test_production_answers_a_consultation(world, api_as):
    consultation = _production_consultation(world)
    url = f"/api/v1/consultations/{consultation.pk}/answer/"
    answer = {
        "can_fulfil": "yes",
        "lead_time_days": 5,
        "committed_date": str(timezone.localdate() + timedelta(days=50)),
    }
    api = api_as("production")
    headers = if_match(consultation)
    assert api.post(url, answer).status_code == 428
    bad = api.post(url, {**answer, "lead_time_days": "many"}, headers=headers)
    assert bad.status_code == 400 and "lead_time_days" in bad.json()["errors"]
    done = api.post(url, answer, headers=headers)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == ConsultationStatus.ANSWERED
    again = api.post(url, answer, headers=headers)
    assert again.status_code == 412
    assert Consultation.objects.get(pk=consultation.pk).lead_time_days == 5
    assert api_as("rep").post(url, answer, headers=if_match(consultation)).status_code == 403


def test_finance_decides_a_payment_request(world, api_as):
    request = _payment_request(world)
    url = f"/api/v1/payment-requests/{request.pk}/decide/"
    api = api_as("finance")
    assert api.post(url, {"decision": "approve"}, headers=if_match(request)).status_code == 400
    done = api.post(url, {"decision": "approve", "note": "Fine this once"}, headers=if_match(request))
    assert done.status_code == 200, done.content
    assert done.json()["status"] == PaymentTermStatus.APPROVED
    assert (
        api_as("manager")
        .post(url, {"decision": "reject", "note": "x"}, headers=if_match(request))
        .status_code
        == 403
    )


def test_manager_approves_and_returns_briefings(world, api_as):
    deal, rep = world.objects["deal"], world.members["rep"]
    fill_briefing(deal.briefing, rep)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    api = api_as("manager")
    briefing = Briefing.objects.get(deal=deal)
    read = api.get(f"/api/v1/deals/{deal.pk}/briefing/")
    assert read.status_code == 200 and read.json()["approved_version"] is None
    refused = api.post(f"/api/v1/deals/{deal.pk}/briefing/return/", {}, headers=if_match(briefing))
    assert refused.status_code == 400  # a return needs a comment
    stale = api.post(f"/api/v1/deals/{deal.pk}/briefing/approve/", {}, headers={"If-Match": '"0"'})
    assert stale.status_code == 412
    done = api.post(f"/api/v1/deals/{deal.pk}/briefing/approve/", {}, headers=if_match(briefing))
    assert done.status_code == 200, done.content
    assert done.json()["status"] == BriefingStatus.APPROVED
    assert done.json()["approved_version"]["approval"]["decision"] == "approved"


def test_rep_files_and_corrects_a_report(world, api_as):
    meeting = _past_meeting(world)
    api = api_as("rep")
    url = f"/api/v1/meetings/{meeting.pk}/report/"
    filed = api.post(url, {"outcome": "continue", "next_steps": "Send the offer"})
    assert filed.status_code == 201, filed.content
    report = NegotiationReport.objects.get(meeting=meeting)
    assert api.post(url, {"outcome": "continue", "next_steps": "Call"}).status_code == 428
    fixed = api.post(url, {"outcome": "continue", "next_steps": "Call"}, headers=if_match(report))
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["next_steps"] == "Call"
    upcoming = api.post(f"/api/v1/meetings/{world.objects['meeting'].pk}/report/", {"outcome": "continue"})
    assert upcoming.status_code == 400  # not started yet: the service refuses


def test_rep_adds_contacts_and_meetings(world, api_as):
    deal = world.objects["deal"]
    api = api_as("rep")
    contact = api.post(f"/api/v1/deals/{deal.pk}/contacts/", {"name": "Eve Engineer", "buying_role": "user"})
    assert contact.status_code == 201, contact.content
    twin = api.post(f"/api/v1/deals/{deal.pk}/contacts/", {"name": "Eve Engineer", "buying_role": "user"})
    assert twin.status_code == 400 and "name" in twin.json()["errors"]
    meeting = api.post(
        f"/api/v1/deals/{deal.pk}/meetings/",
        {
            "starts_at": _at(9),
            "ends_at": _at(9, 1),
            "stage": "exploratory",
            "video_link": "https://meet.example/x",
            "contacts": [contact.json()["id"]],
        },
    )
    assert meeting.status_code == 201, meeting.content
    assert meeting.json()["contacts"] == [contact.json()["id"]]
    backwards = api.post(
        f"/api/v1/deals/{deal.pk}/meetings/",
        {"starts_at": _at(9, 2), "ends_at": _at(9), "location": "HQ"},
    )
    assert backwards.status_code == 400


def test_departments_see_a_summary_only(world, api_as):
    consultation = _production_consultation(world)
    api = api_as("production")
    deal = consultation.deal
    summary = api.get(f"/api/v1/deals/{deal.pk}/")
    assert summary.status_code == 200 and summary.json()["readiness"] is None
    assert api.get(f"/api/v1/deals/{deal.pk}/briefing/").status_code == 403
    assert api.get(f"/api/v1/deals/{deal.pk}/meetings/").status_code == 403
