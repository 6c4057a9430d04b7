"""Who may open which URL: one entry per named URL of the project.

Every URL in the URLconf must have an entry here, or
``test_every_url_is_in_the_access_matrix`` fails. An entry builds the URL
from the test world (tests/conftest.py) and says what each kind of visitor
gets:

- ``LOGIN``: redirected to the login page (the answer for anonymous visitors
  on every page that is not public);
- an HTTP status code such as 200, 302, 403, 404 or 405.

Visitors: anonymous, one member per role of the team that owns the objects,
``outsider`` (a manager of another team) and ``staff`` (a Django superuser who
is in no team).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

LOGIN = "login"
ROLES = ("rep", "manager", "production", "supply_chain", "finance")
VISITORS = ("anonymous", *ROLES, "outsider", "staff")


def expect(anonymous=LOGIN, *, members, outsider=None, staff=None, **per_role):
    """Expected answers: ``members`` for every role unless named in ``per_role``."""
    answers = {"anonymous": anonymous}
    for role in ROLES:
        answers[role] = per_role.get(role, members)
    answers["outsider"] = members if outsider is None else outsider
    answers["staff"] = members if staff is None else staff
    return answers


@dataclass(frozen=True)
class Entry:
    url: Callable
    answers: dict
    method: str = "GET"
    data: dict = field(default_factory=dict)


def _plain(name):
    return lambda world: reverse(name)


ACCESS_MATRIX: dict[str, Entry] = {
    # Public pages.
    "healthz": Entry(_plain("healthz"), expect(200, members=200)),
    "login": Entry(_plain("login"), expect(200, members=302)),
    # Pages of the signed-in user alone: every signed-in user has their own.
    "home": Entry(_plain("home"), expect(members=200)),
    "profile": Entry(_plain("profile"), expect(members=200)),
    "password_change": Entry(_plain("password_change"), expect(members=200)),
    "password_change_done": Entry(_plain("password_change_done"), expect(members=200)),
    "logout": Entry(_plain("logout"), expect(members=302), method="POST"),
}
