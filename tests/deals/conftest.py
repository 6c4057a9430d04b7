import pytest

from teams.models import Role


@pytest.fixture
def deal(world):
    """The world's deal, owned by the team's rep."""
    return world.objects["deal"]


@pytest.fixture
def finance(world):
    return world.members[Role.FINANCE]
