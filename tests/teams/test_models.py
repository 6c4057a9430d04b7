import pytest
from django.db import IntegrityError, transaction

from teams.models import Role
from teams.selectors import team_roles_for_user, user_has_role
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.mark.django_db
def test_a_user_can_hold_several_roles_in_several_teams():
    user = UserFactory()
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    MembershipFactory(user=user, team=north, role=Role.REP)
    MembershipFactory(user=user, team=north, role=Role.MANAGER)
    MembershipFactory(user=user, team=south, role=Role.FINANCE)

    entries = team_roles_for_user(user=user)

    assert [(e.team.name, e.roles) for e in entries] == [
        ("North", ["rep", "manager"]),
        ("South", ["finance"]),
    ]
    assert user_has_role(user=user, team_id=south.pk, role=Role.FINANCE)
    assert not user_has_role(user=user, team_id=south.pk, role=Role.REP)


@pytest.mark.django_db
def test_it_refuses_the_same_role_twice_in_one_team():
    membership = MembershipFactory(role=Role.REP)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=membership.user, team=membership.team, role=Role.REP)


@pytest.mark.django_db
def test_it_refuses_an_unknown_role_in_the_database():
    membership = MembershipFactory(role=Role.REP)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=membership.user, team=membership.team, role="janitor")
