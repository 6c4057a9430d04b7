"""Nothing shown to a signed-in user is stored: every URL of the access matrix, pages and fragments.

Deal pages, briefings, their history, meeting briefs, the approval queue, reports, team results
and payment terms show limits, the BATNA and payment terms. With ``Cache-Control: no-store`` the
browser keeps no copy, so after sign-out its back button asks the server again and gets the login
page; a shared proxy keeps none either.
"""

import pytest
from django.urls import reverse

from tests.access_matrix import ACCESS_MATRIX, LOGIN, ROLES


def _signed_in_visitor(entry):
    """The first signed-in visitor who gets the page itself (200), else any who is let in at all."""
    visitors = (*ROLES, "outsider", "staff")
    for visitor in visitors:
        if entry.answers[visitor] == 200:
            return visitor
    return next(visitor for visitor in visitors if entry.answers[visitor] != LOGIN)


def _assert_never_stored(response, what):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, f"{what}: Cache-Control {cache_control!r}"
    assert "private" in cache_control, f"{what}: Cache-Control {cache_control!r}"


@pytest.mark.parametrize("name", sorted(ACCESS_MATRIX))
def test_every_answer_to_a_signed_in_user_is_never_stored(client, world, name):
    entry = ACCESS_MATRIX[name]
    visitor = _signed_in_visitor(entry)
    client.force_login(world.user(visitor))
    url = entry.url(world)
    if entry.method == "POST":
        response = entry.send(client, url)
        _assert_never_stored(response, f"{visitor} POST {url}")
        return
    page = client.get(url)
    assert page.status_code == entry.answers[visitor], f"{visitor} GET {url}"
    _assert_never_stored(page, f"{visitor} GET {url}")
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    _assert_never_stored(fragment, f"{visitor} GET {url} (htmx)")


def test_refusals_and_redirects_to_a_signed_in_user_are_never_stored(client, world):
    client.force_login(world.outsider)
    refused = client.get(reverse("deals:detail", args=[world.objects["deal"].pk]))
    assert refused.status_code == 404
    _assert_never_stored(refused, "404")
    client.force_login(world.members["rep"])
    redirected = client.get(reverse("login"))
    assert redirected.status_code == 302
    _assert_never_stored(redirected, "302")


def test_signing_out_answers_never_stored_too(client, rep):
    client.force_login(rep)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    _assert_never_stored(response, "sign-out")
