"""What a sign-in through the provider changes besides the session: team roles from the groups
claim. And the deployment that turns passwords off."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from teams.models import Membership, Role
from teams.oidc.accounts import grants_from_groups
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.sso.flow import person_at, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db


def _roles(user):
    memberships = Membership.objects.filter(user=user).select_related("team")
    return sorted((m.team.name, m.role, m.from_sign_in) for m in memberships)


@pytest.fixture
def groups_on(settings, sso_on):
    settings.NEGPREP_OIDC_GROUPS_CLAIM = "groups"
    return sso_on


def test_the_groups_claim_gives_team_roles_and_takes_back_only_its_own(client, groups_on):
    north, south = TeamFactory(name="Northwind"), TeamFactory(name="Southpeak")
    groups = ["negprep:northwind:manager", "negprep:Northwind:rep", "negprep:Nowhere:rep", "staff-all"]
    person = person_at(groups_on, groups=groups)
    user = UserFactory(email=person["email"])
    MembershipFactory(user=user, team=south, role=Role.FINANCE)
    sign_in(client, groups_on, person)
    assert signed_in_user_id(client) == user.pk
    assert _roles(user) == [
        ("Northwind", "manager", True),
        ("Northwind", "rep", True),
        ("Southpeak", "finance", False),
    ]
    # The provider drops the manager group and lists the role given by hand: nothing of the hand's
    # is taken, and the role it gave is not marked as the provider's.
    groups = ["negprep:Northwind:rep", "negprep:Southpeak:finance"]
    person = person_at(groups_on, email=person["email"], groups=groups)
    client.logout()
    sign_in(client, groups_on, person)
    assert _roles(user) == [("Northwind", "rep", True), ("Southpeak", "finance", False)]
    assert north.memberships.count() == 1


def test_an_empty_groups_claim_takes_back_every_role_it_gave(client, groups_on):
    TeamFactory(name="Northwind")
    person = person_at(groups_on, groups=["negprep:Northwind:rep"])
    user = UserFactory(email=person["email"])
    sign_in(client, groups_on, person)
    assert _roles(user) == [("Northwind", "rep", True)]
    client.logout()
    sign_in(client, groups_on, person_at(groups_on, email=person["email"], groups=[]))
    assert _roles(user) == []


def test_a_sign_in_without_the_claim_leaves_the_roles_alone(client, groups_on):
    team = TeamFactory(name="Northwind")
    person = person_at(groups_on)
    user = UserFactory(email=person["email"])
    Membership.objects.create(user=user, team=team, role=Role.REP, from_sign_in=True)
    sign_in(client, groups_on, person)
    assert signed_in_user_id(client) == user.pk
    assert _roles(user) == [("Northwind", "rep", True)]


def test_a_created_user_gets_the_roles_of_their_groups(client, groups_on, settings):
    settings.NEGPREP_OIDC_CREATE_USERS = True
    TeamFactory(name="Northwind")
    person = person_at(groups_on, groups=["negprep:Northwind:supply_chain"])
    sign_in(client, groups_on, person)
    user = Membership.objects.get().user
    assert signed_in_user_id(client) == user.pk
    assert _roles(user) == [("Northwind", "supply_chain", True)]


def test_without_a_groups_setting_the_claim_is_ignored(client, sso_on):
    TeamFactory(name="Northwind")
    person = person_at(sso_on, groups=["negprep:Northwind:manager"])
    user = UserFactory(email=person["email"])
    sign_in(client, sso_on, person)
    assert signed_in_user_id(client) == user.pk
    assert _roles(user) == []


def test_only_negprep_groups_naming_a_team_and_a_role_count():
    assert grants_from_groups(
        [
            "negprep:Team: With Colon:Finance",
            "negprep:Northwind:boss",
            "negprep::rep",
            "negprep:rep",
            "other:Northwind:rep",
            42,
        ]
    ) == {("team: with colon", "finance")}
    assert grants_from_groups("negprep:Northwind:rep") == {("northwind", "rep")}
    assert grants_from_groups({"not": "a list"}) == set()


@pytest.fixture
def passwords_off(settings, sso_on):
    settings.NEGPREP_PASSWORD_LOGIN = False
    return sso_on


def test_with_passwords_off_the_login_page_has_only_the_button(client, passwords_off):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Test IdP" in page
    assert 'name="password"' not in page
    assert "Forgot your password?" not in page


def test_with_passwords_off_a_posted_password_is_refused_and_not_counted(client, passwords_off):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "Sign-in with a password is turned off here: use Test IdP." in response.content.decode()
    assert signed_in_user_id(client) is None
    assert not AccessAttempt.objects.exists()


def test_with_passwords_off_the_admin_sends_to_the_login_page(client, passwords_off):
    staff = UserFactory(is_staff=True, is_superuser=True)
    response = client.get(reverse("admin:login") + "?next=/admin/teams/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/teams/"
    response = client.post(reverse("admin:login"), {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("url", ["password_reset", "password_change"])
def test_with_passwords_off_the_password_pages_send_to_the_login_page(client, passwords_off, url):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse(url), {"email": user.email, "old_password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_password_is_offered_only_to_who_can_use_one(client, sso_on, settings):
    change = f'href="{reverse("password_change")}"'
    user = UserFactory()
    client.force_login(user)
    assert change in client.get(reverse("profile")).content.decode()
    settings.NEGPREP_PASSWORD_LOGIN = False
    assert change not in client.get(reverse("profile")).content.decode()
    settings.NEGPREP_PASSWORD_LOGIN = True
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    assert change not in client.get(reverse("profile")).content.decode()


def test_with_passwords_off_no_password_authenticates(rf, passwords_off):
    from django.contrib.auth import authenticate

    user = UserFactory()
    assert authenticate(rf.post("/"), username=user.username, password=PASSWORD) is None


def test_with_passwords_off_single_sign_on_still_signs_in(client, passwords_off):
    person = person_at(passwords_off)
    user = UserFactory(email=person["email"], is_staff=True, is_superuser=True)
    sign_in(client, passwords_off, person)
    assert signed_in_user_id(client) == user.pk
    assert client.get(reverse("admin:index")).status_code == 200


def test_with_sso_on_passwords_still_sign_in_and_failures_still_count(client, sso_on):
    user = UserFactory()
    client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert AccessAttempt.objects.get().failures_since_start == 1
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user_id(client) == user.pk


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_sso_urls_answer_everyone_when_on(client, sso_on, who):
    """The access matrix runs with single sign-on off (404); on, this is what each URL answers."""
    if who == "member":
        client.force_login(UserFactory())
    start = client.get(reverse("sso_start"))
    callback = client.get(reverse("sso_callback"), {"code": "a-code", "state": "a-state"})
    if who == "anonymous":
        assert start["Location"].startswith(sso_on.issuer)
    else:
        assert start["Location"] == reverse("home")
    # An unknown state signs nobody in (and does not sign a member out).
    assert callback.status_code == 302
    assert callback["Location"] == reverse("login")
    assert (signed_in_user_id(client) is not None) == (who == "member")
