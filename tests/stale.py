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


def hidden_in(response, action: str) -> dict[str, str]:
    """The hidden fields of the page's first form posting to ``action``: what a button sends along."""
    content = response.content.decode()
    start = content.index(f'action="{action}"')
    form = content[start : content.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
