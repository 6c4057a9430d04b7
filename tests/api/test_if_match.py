"""Updates name the revision they read: missing If-Match → 428, a stale one → 412, and nothing changes."""

import pytest

from deals.models import Activity, Contact, Deal, Meeting
from tests.api.conftest import if_match


@pytest.fixture
def rep_api(api_as):
    return api_as("rep")


def test_detail_carries_the_revision_as_etag(world, rep_api):
    deal = world.objects["deal"]
    response = rep_api.get(f"/api/v1/deals/{deal.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{deal.revision}"'
    assert response.json()["revision"] == deal.revision
    readiness = response.json()["readiness"]
    assert readiness["total"] >= 1 and {"key", "label", "state", "note"} <= set(readiness["checks"][0])
    assert "no-store" in response["Cache-Control"]  # limits are never kept by a browser or proxy


def test_update_without_if_match_is_428_and_changes_nothing(world, rep_api):
    deal = world.objects["deal"]
    response = rep_api.patch(f"/api/v1/deals/{deal.pk}/", {"title": "Renamed"})
    assert response.status_code == 428
    assert "If-Match" in response.json()["errors"]["non_field_errors"][0]
    assert Deal.objects.get(pk=deal.pk).title == deal.title


@pytest.mark.parametrize("sent", ['"999"', "abc", '"-1"', 'W/"x"', "*"])
def test_update_with_a_wrong_if_match_is_412_and_changes_nothing(world, rep_api, sent):
    deal = world.objects["deal"]
    response = rep_api.patch(f"/api/v1/deals/{deal.pk}/", {"title": "Renamed"}, headers={"If-Match": sent})
    assert response.status_code == 412
    assert response.json()["errors"]
    assert Deal.objects.get(pk=deal.pk).title == deal.title
    assert not Activity.objects.filter(deal=deal, verb="deal_updated").exists()


def test_update_with_the_current_revision_saves_and_moves_the_etag(world, rep_api):
    deal = world.objects["deal"]
    headers = if_match(deal)
    response = rep_api.patch(f"/api/v1/deals/{deal.pk}/", {"title": "Renamed"}, headers=headers)
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Renamed"
    assert response["ETag"] == f'"{deal.revision + 1}"'
    # The same If-Match again is now stale.
    again = rep_api.patch(f"/api/v1/deals/{deal.pk}/", {"title": "Again"}, headers=headers)
    assert again.status_code == 412
    assert Deal.objects.get(pk=deal.pk).title == "Renamed"


def test_weak_etag_form_is_accepted(world, rep_api):
    deal = world.objects["deal"]
    headers = {"If-Match": f'W/"{deal.revision}"'}
    assert rep_api.patch(f"/api/v1/deals/{deal.pk}/", {"quantity": 12}, headers=headers).status_code == 200


def test_contact_update_checks_the_revision_too(world, rep_api):
    deal, contact = world.objects["deal"], world.objects["contact"]
    url = f"/api/v1/deals/{deal.pk}/contacts/{contact.pk}/"
    assert rep_api.patch(url, {"title": "CTO"}).status_code == 428
    headers = if_match(contact)
    first = rep_api.patch(url, {"title": "CTO"}, headers=headers)
    assert first.status_code == 200, first.content
    assert first["ETag"] == f'"{contact.revision + 1}"'
    stale = rep_api.patch(url, {"title": "CEO"}, headers=headers)
    assert stale.status_code == 412
    assert Contact.objects.get(pk=contact.pk).title == "CTO"


def test_meeting_update_checks_the_revision(world, rep_api):
    meeting = world.objects["meeting"]
    url = f"/api/v1/meetings/{meeting.pk}/"
    headers = if_match(meeting)
    moved = rep_api.patch(url, {"location": "Room 7"}, headers=headers)
    assert moved.status_code == 200, moved.content
    assert moved.json()["location"] == "Room 7"
    stale = rep_api.patch(url, {"location": "Room 8"}, headers=headers)
    assert stale.status_code == 412
    assert Meeting.objects.get(pk=meeting.pk).location == "Room 7"


def test_unknown_fields_are_refused_by_name(world, rep_api):
    deal = world.objects["deal"]
    response = rep_api.patch(
        f"/api/v1/deals/{deal.pk}/", {"status": "won", "owner": 1}, headers=if_match(deal)
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "owner"}
    assert Deal.objects.get(pk=deal.pk).status == deal.status
