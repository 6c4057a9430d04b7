"""Bad input gets a JSON error keyed by field, never a 500."""

import json

import pytest

from tests.access_matrix import _payment_request, _production_consultation
from tests.api.conftest import if_match

GARBAGE = [
    None,
    [],
    [1, 2],
    "text",
    12,
    {"title": ["a"], "estimated_value": {"x": 1}, "quantity": "many", "currency": "XXX"},
    {"starts_at": "tomorrow", "ends_at": 5, "contacts": "all", "stage": None},
    {"contacts": 5, "location": "x" * 5000},
    {"quantity": 10**30, "requested_delivery_date": "2030-02-30"},
    {"decision": "maybe", "note": 7, "counter_net_days": "x", "can_fulfil": ["yes"], "lead_time_days": -1},
    {"outcome": "won", "agreed_price": "1e999999", "discount_pct": "NaN", "instalments": 0},
    {"name": "", "buying_role": "king", "email": "not-an-address"},
    {"first_meeting": {"starts_at": "2030-01-01T10:00", "ends_at": "2029-01-01T10:00"}, "customer": "abc"},
    {"comment": {"nested": True}},
    {"requested_delivery_date": [None, None], "starts_at": [1], "decision": ["approve"], "outcome": []},
    {"first_meeting": {"starts_at": ["2030-01-01T10:00"], "ends_at": [None]}, "estimated_value": [1]},
    {"requested_delivery_date": True, "starts_at": False, "first_meeting": {"starts_at": True}, "title": 1},
]


def _targets(world):
    deal, contact, meeting = world.objects["deal"], world.objects["contact"], world.objects["meeting"]
    consultation, payment = _production_consultation(world), _payment_request(world)
    return [
        ("rep", "POST", "/api/v1/deals/", None),
        ("rep", "PATCH", f"/api/v1/deals/{deal.pk}/", deal),
        ("rep", "POST", f"/api/v1/deals/{deal.pk}/contacts/", None),
        ("rep", "PATCH", f"/api/v1/deals/{deal.pk}/contacts/{contact.pk}/", contact),
        ("rep", "POST", f"/api/v1/deals/{deal.pk}/meetings/", None),
        ("rep", "PATCH", f"/api/v1/meetings/{meeting.pk}/", meeting),
        ("rep", "POST", f"/api/v1/meetings/{meeting.pk}/report/", None),
        ("manager", "POST", f"/api/v1/deals/{deal.pk}/briefing/return/", deal.briefing),
        ("production", "POST", f"/api/v1/consultations/{consultation.pk}/answer/", consultation),
        ("finance", "POST", f"/api/v1/payment-requests/{payment.pk}/decide/", payment),
    ]


@pytest.mark.parametrize("body", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_bodies_get_json_errors(world, api_as, body):
    clients = {}
    for who, method, url, record in _targets(world):
        api = clients.setdefault(who, api_as(who))
        headers = if_match(record) if record is not None else {}
        response = api.send(method, url, headers=headers, raw=json.dumps(body))
        assert response.status_code in (400, 412), (
            method,
            url,
            body,
            response.status_code,
            response.content[:300],
        )
        assert response["Content-Type"] == "application/json"
        errors = response.json()["errors"]
        assert errors and all(isinstance(texts, list) and texts for texts in errors.values())


def test_malformed_json_and_wrong_media_type(world, api_as):
    api = api_as("rep")
    broken = api.send("POST", "/api/v1/deals/", raw="{not json")
    assert broken.status_code == 400 and broken.json()["errors"]
    form = api.client.post("/api/v1/deals/", {"title": "x"}, headers=api._headers({}))
    assert form.status_code == 415 and form.json()["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/deals/999999999/",
        "/api/v1/meetings/0/",
        "/api/v1/consultations/2147483648/",
        "/api/v1/reports/9/",
        "/api/v1/deals/99999999999999999999999/",
    ],
)
def test_unknown_ids_are_404_json(world, api_as, url):
    response = api_as("manager").get(url)
    assert response.status_code == 404
    assert response.json() == {"errors": {"non_field_errors": ["Not found."]}}


def test_unsupported_method_is_405_json(world, api_as):
    response = api_as("rep").send("DELETE", f"/api/v1/deals/{world.objects['deal'].pk}/")
    assert response.status_code == 405 and response.json()["errors"]


def test_out_of_range_ids_in_writes_are_404(world, api_as):
    api = api_as("rep")
    response = api.post("/api/v1/meetings/99999999999999999999999/report/", {"outcome": "continue"})
    assert response.status_code == 404
    patch = api.patch("/api/v1/deals/99999999999999999999999/", {}, headers={"If-Match": '"0"'})
    assert patch.status_code == 404
