"""Two browsers on one form: what the tests of stale saves share."""

import re

from django.test import Client


def revision_in(response, prefix: str = "") -> str:
    """The revision a form page carries, as its hidden field holds it."""
    name = f"{prefix}-revision" if prefix else "revision"
    match = re.search(rf'name="{re.escape(name)}" value="(\d+)"', response.content.decode())
    assert match, f"no {name} field on the page"
    return match.group(1)


def two_clients(user) -> tuple[Client, Client]:
    """Two signed-in sessions of ``user``, as two tabs or two devices would be."""
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    return first, second
