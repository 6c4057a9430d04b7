"""Requests are counted per token: one script's burst does not stop another token of the same user."""

from django.test import override_settings

from tests.api.conftest import ApiClient, make_token


@override_settings(NEGPREP_API_RATE="3/minute")
def test_throttle_counts_per_token(world, client):
    rep = world.members["rep"]
    first = ApiClient(make_token(rep, name="one")[1])
    second = ApiClient(make_token(rep, name="two")[1])
    for _ in range(3):
        assert first.get("/api/v1/deals/").status_code == 200
    refused = first.get("/api/v1/deals/")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert refused.json()["errors"]["non_field_errors"]
    assert second.get("/api/v1/deals/").status_code == 200
    # The browser's session counts for its user, apart from the tokens.
    client.force_login(rep)
    assert client.get("/api/v1/deals/").status_code == 200
