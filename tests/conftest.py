from dataclasses import dataclass, field

import pytest
from django.core.cache import cache

from teams.models import Role, Team, User
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)
from tests.oidc_provider.fixtures import oidc_provider, sso_on  # noqa: F401 - fixtures for every test folder
from tests.webhook_receivers import start_receiver, stop_receiver


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    """A team with one member per role, and an outsider team beside it.

    Later features add the objects their URLs need (a deal, a meeting, ...)
    to ``objects`` so the access matrix can build every URL from one world.
    """

    team: Team
    members: dict[str, User]
    other_team: Team
    outsider: User
    staff: User
    objects: dict[str, object] = field(default_factory=dict)

    def user(self, who: str) -> User | None:
        if who == "anonymous":
            return None
        if who == "outsider":
            return self.outsider
        if who == "staff":
            return self.staff
        return self.members[who]


def make_world() -> World:
    team = TeamFactory(name="Northwind")
    members = {}
    for role in Role.values:
        user = UserFactory(username=f"{role}_user")
        MembershipFactory(user=user, team=team, role=role)
        members[role] = user
    other_team = TeamFactory(name="Southpeak")
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, team=other_team, role=Role.MANAGER)
    MembershipFactory(user=UserFactory(username="outsider_rep"), team=other_team, role=Role.REP)
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    world = World(team=team, members=members, other_team=other_team, outsider=outsider, staff=staff)
    _add_deal_objects(world)
    return world


def _add_deal_objects(world: World) -> None:
    """A deal of the team's rep with a customer, a contact and an upcoming meeting."""
    customer = CustomerFactory(team=world.team, name="Acme Hydraulics")
    contact = ContactFactory(customer=customer, name="Dana Buyer")
    deal = DealFactory(team=world.team, owner=world.members[Role.REP], customer=customer)
    meeting = MeetingFactory(deal=deal, contacts=[contact])
    world.objects.update(
        customer=customer, contact=contact, deal=deal, meeting=meeting, briefing=deal.briefing
    )


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def rep(world) -> User:
    return world.members[Role.REP]


@pytest.fixture
def manager(world) -> User:
    return world.members[Role.MANAGER]


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


@pytest.fixture
def broker_down(monkeypatch):
    """``broker_down(task, ...)``: publishing those tasks fails as with Redis down. The broker is
    outside the system: refusing the publish is the outage (``monkeypatch.undo()`` ends it)."""
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def down(*tasks):
        for task in tasks:
            monkeypatch.setattr(task, "delay", refuse)

    return down


@pytest.fixture
def receivers():
    """Start real HTTP servers that receive webhooks: ``receivers(status=500)``, ``receivers(delay=10)``."""
    started = []

    def start(**options):
        receiver = start_receiver(**options)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        stop_receiver(receiver)
