import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from teams.api_auth import token_create


class ApiClient:
    """Requests to the API with a personal token, as a script would send them."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def _headers(self, headers):
        sent = dict(headers or {})
        if self.token:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        return sent

    def get(self, url, params=None, headers=None):
        return self.client.get(url, params or {}, headers=self._headers(headers))

    def send(self, method, url, data=None, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        call = getattr(self.client, method.lower())
        return call(url, body, content_type="application/json", headers=self._headers(headers))

    def post(self, url, data=None, **kwargs):
        return self.send("POST", url, data, **kwargs)

    def patch(self, url, data=None, **kwargs):
        return self.send("PATCH", url, data, **kwargs)


def make_token(user, scope="read_write", days=30, name="script"):
    row, token = token_create(
        user=user, name=name, scope=scope, expires_on=timezone.localdate() + timedelta(days=days)
    )
    return row, token


@pytest.fixture
def api_as(world):
    """``api_as("rep")``: a client with a read-and-write token of that member (``scope=`` to change)."""

    def make(who, scope="read_write"):
        _, token = make_token(world.user(who), scope=scope)
        return ApiClient(token)

    return make


def if_match(record) -> dict:
    record.refresh_from_db()
    return {"If-Match": f'"{record.revision}"'}
