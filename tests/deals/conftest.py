from datetime import timedelta

import pytest
from django.utils import timezone

from teams.models import Role
from tests.deals.briefing_helpers import EARLIEST, approve_briefing
from tests.factories import MeetingFactory


@pytest.fixture
def deal(world):
    """The world's deal, owned by the team's rep."""
    return world.objects["deal"]


@pytest.fixture
def meeting(world):
    """The world's deal's meeting in three days, with the customer's contact."""
    return world.objects["meeting"]


@pytest.fixture
def past_meeting(deal):
    """A meeting on the deal that took place yesterday, so a report can be filed on it."""
    starts_at = timezone.now() - timedelta(days=1)
    return MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))


@pytest.fixture
def approved(deal, rep, manager):
    """The deal's briefing approved with list 250, target 230 (8 % off), walk-away 210, at most
    12 % off, 400 to 600 units and no delivery before ``EARLIEST``."""
    return approve_briefing(deal, rep, manager, earliest_delivery=EARLIEST)


@pytest.fixture
def production(world):
    return world.members[Role.PRODUCTION]


@pytest.fixture
def finance(world):
    return world.members[Role.FINANCE]
