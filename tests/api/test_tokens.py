"""Personal API tokens: stored as a hash, shown once, scoped, expiring, revocable, last use recorded."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from negprep.errors import Invalid
from teams.api_auth import token_create
from teams.models import ApiToken
from tests.api.conftest import ApiClient, make_token

DEALS = "/api/v1/deals/"


def test_only_a_hash_of_the_token_is_stored(world):
    row, token = make_token(world.members["rep"])
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    values = [str(value) for value in ApiToken.objects.filter(pk=row.pk).values().first().values()]
    assert token not in values
    assert all(token not in value for value in values)


def test_profile_shows_a_new_token_once(client, world):
    client.force_login(world.members["rep"])
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(
        reverse("api_token_create"), {"name": "CRM sync", "scope": "read", "expires_on": expires}
    )
    assert response.status_code == 302
    page = client.get(reverse("profile")).content.decode()
    assert "shown only this once" in page
    token = page.split("data-new-token>")[1].split("<")[0]
    assert token.startswith("npt_")
    assert ApiClient(token).get(DEALS).status_code == 200
    again = client.get(reverse("profile")).content.decode()
    assert token not in again
    assert "CRM sync" in again and "Never" not in again  # the list shows its last use


def test_profile_refuses_bad_token_input(client, world):
    client.force_login(world.members["rep"])
    too_late = (timezone.localdate() + timedelta(days=400)).isoformat()
    response = client.post(
        reverse("api_token_create"), {"name": "x", "scope": "read", "expires_on": too_late}
    )
    assert response.status_code == 200
    assert "at most a year" in response.content.decode()
    response = client.post(reverse("api_token_create"), {"name": "", "scope": "admin", "expires_on": "soon"})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", [0, -1, 367])
def test_expiry_is_required_and_at_most_a_year(world, days):
    with pytest.raises(Invalid):
        token_create(
            user=world.members["rep"],
            name="x",
            scope="read",
            expires_on=timezone.localdate() + timedelta(days=days),
        )


def test_expired_token_is_refused(world):
    row, token = make_token(world.members["rep"])
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = ApiClient(token).get(DEALS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "errors" in response.json()


def test_revoked_token_is_refused(client, world):
    rep = world.members["rep"]
    row, token = make_token(rep)
    assert ApiClient(token).get(DEALS).status_code == 200
    client.force_login(rep)
    assert client.post(reverse("api_token_revoke", args=[row.pk])).status_code == 302
    assert ApiClient(token).get(DEALS).status_code == 401
    # Nobody revokes another's token.
    other, _ = make_token(world.members["manager"])
    assert client.post(reverse("api_token_revoke", args=[other.pk])).status_code == 404
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None


def test_token_of_a_deactivated_user_is_refused(world):
    rep = world.members["rep"]
    _, token = make_token(rep)
    rep.delete()  # deactivates
    assert ApiClient(token).get(DEALS).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer npt_nope_nope", "Bearer not-a-token", "Bearer npt_x", "Bearer \u00e9"],
)
def test_malformed_or_unknown_tokens_are_refused(world, header, client):
    response = client.get(DEALS, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["errors"]


def test_a_wrong_secret_with_a_real_prefix_is_refused(world):
    _, token = make_token(world.members["rep"])
    assert ApiClient(token[:-2] + "xx").get(DEALS).status_code == 401


def test_read_token_only_reads(world):
    deal = world.objects["deal"]
    _, token = make_token(world.members["rep"], scope="read")
    api = ApiClient(token)
    assert api.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
    response = api.patch(
        f"/api/v1/deals/{deal.pk}/", {"title": "x"}, headers={"If-Match": f'"{deal.revision}"'}
    )
    assert response.status_code == 403
    assert "only read" in response.json()["errors"]["non_field_errors"][0]
    deal.refresh_from_db()
    assert deal.title != "x"


def test_last_use_is_recorded_at_most_once_a_minute(world):
    row, token = make_token(world.members["rep"])
    api = ApiClient(token)
    api.get(DEALS)
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None and row.last_used_ip == "127.0.0.1"
    api.get(DEALS)
    row.refresh_from_db()
    assert row.last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get(DEALS)
    row.refresh_from_db()
    assert row.last_used_at > first


def test_session_with_csrf_still_works_for_the_browser(world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.members["rep"])
    deal = world.objects["deal"]
    assert browser.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
    headers = {"If-Match": f'"{deal.revision}"'}
    refused = browser.patch(
        f"/api/v1/deals/{deal.pk}/", '{"title": "New"}', content_type="application/json", headers=headers
    )
    assert refused.status_code == 403  # no CSRF token
    browser.get(reverse("profile"))
    csrf = browser.cookies["csrftoken"].value
    done = browser.patch(
        f"/api/v1/deals/{deal.pk}/",
        '{"title": "New"}',
        content_type="application/json",
        headers={**headers, "X-CSRFToken": csrf},
    )
    assert done.status_code == 200, done.content
    assert done.json()["title"] == "New"


def test_the_profile_lists_tokens_twenty_a_page_revoked_ones_included(client, world):
    rep = world.members["rep"]
    for number in range(25):
        row, _ = make_token(rep, name=f"Script {number:02d}")
        ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    client.force_login(rep)
    first = client.get(reverse("profile")).content.decode()
    assert first.count("Script ") == 20
    assert "Script 24" in first and "Script 04" not in first
    assert f'href="{reverse("profile")}?page=2#api-tokens"' in first
    second = client.get(reverse("profile"), {"page": 2}).content.decode()
    assert second.count("Script ") == 5
    assert "Script 00" in second
