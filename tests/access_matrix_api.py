"""The access matrix of the REST API (merged into ``tests.access_matrix.ACCESS_MATRIX``).

An anonymous request gets 401 (never a redirect to the login page); the rest follows the pages: who
may not see the deal gets 404, who sees it but may not change it 403. Writes send ``If-Match`` with
the record's revision, so that who may write gets through to the service.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.access_matrix import (
    DEAL_READERS,
    FINANCE_DECIDES,
    Entry,
    _past_meeting,
    _payment_request,
    _plain,
    _production_consultation,
    _rep_notification,
    _report,
    expect,
)

UNAUTHORISED = 401
API_DEAL_READERS = {**DEAL_READERS, "anonymous": UNAUTHORISED}
EVERY_MEMBER = expect(UNAUTHORISED, members=200)
OWNER_WRITES = expect(UNAUTHORISED, members=404, rep=200, manager=403)
OWNER_CREATES = expect(UNAUTHORISED, members=404, rep=201, manager=403)


def _api(name, *objects):
    """A URL of the API with the world's objects' ids: ``_api("api:deal", "deal")``."""
    return lambda world: reverse(name, args=[_object(world, key).pk for key in objects])


def _object(world, key):
    makers = {
        "consultation": _production_consultation,
        "payment_request": _payment_request,
        "past_meeting": _past_meeting,
        "report": _report,
        "notification": _rep_notification,
        "token": _rep_token,
    }
    return makers[key](world) if key in makers else world.objects[key]


def _if_match(key):
    """``If-Match`` with the revision of the world's object as it is now."""

    def headers(world):
        record = _object(world, key)
        record.refresh_from_db()
        return {"If-Match": f'"{record.revision}"'}

    return headers


def _rep_token(world):
    from teams.api_auth import token_create

    row, _ = token_create(
        user=world.members["rep"],
        name="Access matrix",
        scope="read",
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    return row


def _later(days: int) -> str:
    start = timezone.now().replace(microsecond=0, second=0) + timedelta(days=days)
    return start.isoformat()


API_ACCESS: dict[str, Entry] = {
    "api_schema": Entry(_plain("api_schema"), expect(200, members=200)),
    "api_docs": Entry(_plain("api_docs"), expect(200, members=200)),
    # The profile's tokens: each user creates their own and revokes only their own.
    "api_token_create": Entry(
        _plain("api_token_create"),
        expect(members=302),
        method="POST",
        data={"name": "Matrix", "scope": "read", "expires_on": str(timezone.localdate() + timedelta(days=9))},
    ),
    "api_token_revoke": Entry(
        lambda w: reverse("api_token_revoke", args=[_rep_token(w).pk]),
        expect(members=404, rep=302),
        method="POST",
    ),
    # Deals
    "api:deals": Entry(
        _plain("api:deals"),
        EVERY_MEMBER,
        also=(
            Entry(
                _plain("api:deals"),
                expect(UNAUTHORISED, members=403, rep=400),
                method="POST",
                json=True,
                data={"title": "No customer, no meeting"},
            ),
        ),
    ),
    "api:deal": Entry(
        _api("api:deal", "deal"),
        API_DEAL_READERS,
        also=(
            Entry(
                _api("api:deal", "deal"),
                OWNER_WRITES,
                method="PATCH",
                json=True,
                data={"title": "Renamed by the matrix"},
                headers=_if_match("deal"),
            ),
        ),
    ),
    "api:deal_contacts": Entry(
        _api("api:deal_contacts", "deal"),
        API_DEAL_READERS,
        also=(
            Entry(
                _api("api:deal_contacts", "deal"),
                OWNER_CREATES,
                method="POST",
                json=True,
                data={"name": "Matrix Contact", "buying_role": "user"},
            ),
        ),
    ),
    "api:deal_contact": Entry(
        _api("api:deal_contact", "deal", "contact"),
        API_DEAL_READERS,
        also=(
            Entry(
                _api("api:deal_contact", "deal", "contact"),
                OWNER_WRITES,
                method="PATCH",
                json=True,
                data={"title": "Head of purchasing"},
                headers=_if_match("contact"),
            ),
        ),
    ),
    "api:deal_meetings": Entry(
        _api("api:deal_meetings", "deal"),
        API_DEAL_READERS,
        also=(
            Entry(
                _api("api:deal_meetings", "deal"),
                OWNER_CREATES,
                method="POST",
                json=True,
                data={
                    "starts_at": _later(20),
                    "ends_at": _later(21),
                    "stage": "exploratory",
                    "location": "HQ",
                },
            ),
        ),
    ),
    "api:meeting": Entry(
        _api("api:meeting", "meeting"),
        API_DEAL_READERS,
        also=(
            Entry(
                _api("api:meeting", "meeting"),
                OWNER_WRITES,
                method="PATCH",
                json=True,
                data={"location": "Room 2"},
                headers=_if_match("meeting"),
            ),
        ),
    ),
    "api:customers": Entry(_plain("api:customers"), EVERY_MEMBER),
    "api:customer": Entry(_api("api:customer", "customer"), API_DEAL_READERS),
    # Briefing: another manager of the team decides; the matrix's briefing is a draft, so the
    # manager's decision is refused by the service (400) after every gate let it through.
    "api:deal_briefing": Entry(_api("api:deal_briefing", "deal"), API_DEAL_READERS),
    "api:briefing_approve": Entry(
        _api("api:briefing_approve", "deal"),
        expect(UNAUTHORISED, members=404, rep=403, manager=400),
        method="POST",
        json=True,
        headers=_if_match("briefing"),
    ),
    "api:briefing_return": Entry(
        _api("api:briefing_return", "deal"),
        expect(UNAUTHORISED, members=404, rep=403, manager=400),
        method="POST",
        json=True,
        data={"comment": "Lower the discount"},
        headers=_if_match("briefing"),
    ),
    # Consultations: production sees the deal once its queue is asked, and answers.
    "api:consultations": Entry(_plain("api:consultations"), EVERY_MEMBER),
    "api:deal_consultations": Entry(_api("api:deal_consultations", "deal"), API_DEAL_READERS),
    "api:consultation": Entry(
        _api("api:consultation", "consultation"),
        expect(UNAUTHORISED, members=404, rep=200, manager=200, production=200),
    ),
    "api:consultation_answer": Entry(
        _api("api:consultation_answer", "consultation"),
        expect(UNAUTHORISED, members=404, rep=403, manager=403, production=200),
        method="POST",
        json=True,
        data={
            "can_fulfil": "yes",
            "lead_time_days": 10,
            "committed_date": str(timezone.localdate() + timedelta(days=60)),
        },
        headers=_if_match("consultation"),
    ),
    # Payment terms: finance of the team sees the deal once it has a request, and decides.
    "api:payment_requests": Entry(_plain("api:payment_requests"), EVERY_MEMBER),
    "api:deal_payment_requests": Entry(_api("api:deal_payment_requests", "deal"), API_DEAL_READERS),
    "api:payment_request": Entry(
        _api("api:payment_request", "payment_request"),
        expect(UNAUTHORISED, members=404, rep=200, manager=200, finance=200),
    ),
    "api:payment_request_decide": Entry(
        _api("api:payment_request_decide", "payment_request"),
        {**FINANCE_DECIDES, "anonymous": UNAUTHORISED},
        method="POST",
        json=True,
        data={"decision": "reject", "note": "Not for this customer"},
        headers=_if_match("payment_request"),
    ),
    # Reports
    "api:reports": Entry(_plain("api:reports"), EVERY_MEMBER),
    "api:deal_reports": Entry(_api("api:deal_reports", "deal"), API_DEAL_READERS),
    "api:report": Entry(_api("api:report", "report"), API_DEAL_READERS),
    "api:meeting_report": Entry(
        _api("api:meeting_report", "past_meeting"),
        OWNER_CREATES,
        method="POST",
        json=True,
        data={"outcome": "continue", "next_steps": "Send the offer"},
    ),
    # Notifications: each user's own.
    "api:notifications": Entry(_plain("api:notifications"), EVERY_MEMBER),
    "api:notification": Entry(
        _api("api:notification", "notification"), expect(UNAUTHORISED, members=404, rep=200)
    ),
}
