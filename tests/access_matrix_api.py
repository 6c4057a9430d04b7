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
}
