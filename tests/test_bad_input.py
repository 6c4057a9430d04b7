"""Bad input gets a clear answer, never a server error: every URL, every role, junk in every field."""

import inspect

import pytest
from django import forms

import deals.forms.briefings
import deals.forms.consultations
import deals.forms.cover
import deals.forms.deals
import deals.forms.meetings
import deals.forms.payments
import deals.forms.reports
import teams.forms
from tests.access_matrix import ACCESS_MATRIX

FORM_MODULES = [
    deals.forms.briefings,
    deals.forms.consultations,
    deals.forms.cover,
    deals.forms.deals,
    deals.forms.meetings,
    deals.forms.payments,
    deals.forms.reports,
    teams.forms,
]
JUNK = [
    "",
    "-1",
    "abc",
    "1e999",
    "2026-13-45T25:61",
    "9" * 40,
    "<script>alert(1)</script>",
    "x" * 5000,
    "\x00",
]


def _field_names() -> set[str]:
    names = set()
    for module in FORM_MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                names.update(cls.base_fields)
    # Prefixed and formset names the briefing editor and the deal form use.
    names.update(
        {
            "briefing-revision",
            "briefing-list_price",
            "pitch-TOTAL_FORMS",
            "pitch-0-ORDER",
            "action",
            "accept",
            "decision",
            "next",
            "q",
            "page",
            "status",
            "owner",
            "from",
            "to",
            "show",
            "customer",
            "shown",
        }
    )
    return names


FIELDS = sorted(_field_names())


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
@pytest.mark.parametrize("visitor", ["rep", "manager", "production", "finance", "outsider"])
def test_junk_in_every_field_never_causes_a_server_error(client, world, visitor, junk):
    client.force_login(world.user(visitor))
    data = dict.fromkeys(FIELDS, junk)
    for name, entry in sorted(ACCESS_MATRIX.items()):
        if name in {"logout", "login"}:
            continue
        url = entry.url(world)
        # The test client re-raises any exception a view lets escape, so a 500 fails here.
        response = client.post(url, data) if entry.method == "POST" else client.get(url, data)
        assert response.status_code < 500, f"{visitor} {entry.method} {url}: {response.status_code}"
        if entry.method == "GET" and entry.answers[visitor] == 200:
            response = client.post(url, data)
            assert response.status_code < 500, f"{visitor} POST {url}: {response.status_code}"
