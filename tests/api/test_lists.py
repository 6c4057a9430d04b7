"""Lists are paginated (limit/offset, at most 100) and filtered; bad filters are a 400, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Deal, DealStatus
from tests.factories import DealFactory, MeetingFactory


@pytest.fixture
def many_deals(world):
    rep = world.members["rep"]
    return [DealFactory(team=world.team, owner=rep, customer=world.objects["customer"]) for _ in range(5)]


def test_pagination_is_bounded(world, api_as, many_deals):
    api = api_as("rep")
    first = api.get("/api/v1/deals/", {"limit": 2}).json()
    assert first["count"] == 6 and len(first["results"]) == 2 and first["next"]
    second = api.get("/api/v1/deals/", {"limit": 2, "offset": 2}).json()
    assert not {d["id"] for d in first["results"]} & {d["id"] for d in second["results"]}
    big = api.get("/api/v1/deals/", {"limit": 100000}).json()
    assert len(big["results"]) == 6
    for odd in ({"limit": "abc"}, {"limit": -3}, {"offset": "x"}, {"offset": -1}):
        assert api.get("/api/v1/deals/", odd).status_code == 200


def test_max_page_size_is_100(world, api_as):
    from negprep.api import Pagination

    assert Pagination.max_limit == 100


def test_filters(world, api_as, many_deals):
    api = api_as("manager")
    deal = many_deals[0]
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.NEGOTIATING)
    by_status = api.get("/api/v1/deals/", {"status": "negotiating"}).json()
    assert [d["id"] for d in by_status["results"]] == [deal.pk]
    assert api.get("/api/v1/deals/", {"status": "open"}).json()["count"] == 6

    later = timezone.now() + timedelta(seconds=1)
    Deal.objects.filter(pk=many_deals[1].pk).update(updated_at=later + timedelta(minutes=1))
    since = api.get("/api/v1/deals/", {"updated_since": later.isoformat()}).json()
    assert [d["id"] for d in since["results"]] == [many_deals[1].pk]

    assert api.get("/api/v1/deals/", {"team": world.team.pk}).json()["count"] == 6
    assert api.get("/api/v1/deals/", {"team": world.other_team.pk}).json()["count"] == 0

    day = timezone.localdate() + timedelta(days=30)
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(
        hours=10
    )
    MeetingFactory(deal=many_deals[2], starts_at=start, ends_at=start + timedelta(hours=1))
    on_day = api.get(
        "/api/v1/deals/", {"meeting_from": day.isoformat(), "meeting_to": day.isoformat()}
    ).json()
    assert [d["id"] for d in on_day["results"]] == [many_deals[2].pk]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"team": "abc"},
        {"team": "99999999999999999999999"},
        {"updated_since": "yesterday"},
        {"meeting_from": "2030-13-45"},
    ],
)
def test_bad_filters_are_400_with_the_field(world, api_as, params):
    response = api_as("rep").get("/api/v1/deals/", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)


def test_every_list_answers_and_filters(world, api_as):
    api = api_as("manager")
    deal = world.objects["deal"]
    for url in (
        "/api/v1/customers/",
        "/api/v1/consultations/",
        "/api/v1/payment-requests/",
        "/api/v1/reports/",
        "/api/v1/notifications/",
        f"/api/v1/deals/{deal.pk}/contacts/",
        f"/api/v1/deals/{deal.pk}/meetings/",
        f"/api/v1/deals/{deal.pk}/consultations/",
        f"/api/v1/deals/{deal.pk}/payment-requests/",
        f"/api/v1/deals/{deal.pk}/reports/",
    ):
        response = api.get(url, {"updated_since": "2020-01-01T00:00:00Z", "limit": 5})
        assert response.status_code == 200, url
        assert {"count", "next", "previous", "results"} <= set(response.json()), url
        assert api.get(url, {"updated_since": "no"}).status_code == 400, url


def test_outsiders_lists_are_empty_and_details_404(world, api_as):
    api = api_as("outsider")
    assert api.get("/api/v1/deals/").json()["count"] == 0
    assert api.get("/api/v1/customers/").json()["count"] == 0
    assert api.get(f"/api/v1/deals/{world.objects['deal'].pk}/").status_code == 404
