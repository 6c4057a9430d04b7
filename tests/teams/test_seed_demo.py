import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from teams.models import Membership, Role, Team, User

DEMO_ROLES = {
    "rita": Role.REP,
    "max": Role.MANAGER,
    "paul": Role.PRODUCTION,
    "sue": Role.SUPPLY_CHAIN,
    "fiona": Role.FINANCE,
    "rob": Role.REP,
    "mia": Role.MANAGER,
}


@pytest.mark.django_db
def test_it_creates_the_demo_users_with_their_roles(debug_on, rf):
    call_command("seed_demo")
    for username, role in DEMO_ROLES.items():
        user = authenticate(rf.post("/"), username=username, password="demo1234")
        assert user is not None, username
        assert Membership.objects.filter(user=user, role=role).exists()
    rita_team = Membership.objects.get(user__username="rita").team
    rob_team = Membership.objects.get(user__username="rob").team
    assert rita_team != rob_team
    assert set(rita_team.memberships.values_list("user__username", flat=True)) == {
        "rita",
        "max",
        "paul",
        "sue",
        "fiona",
    }


@pytest.mark.django_db
def test_it_changes_nothing_when_run_twice(debug_on, capsys):
    call_command("seed_demo")
    snapshot = (
        list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        list(Team.objects.order_by("pk").values_list("pk", "name")),
        list(Membership.objects.order_by("pk").values_list("pk", "user_id", "team_id", "role")),
    )
    User.objects.filter(username="rita").update(first_name="Changed by Rita")
    capsys.readouterr()
    call_command("seed_demo")
    assert "nothing changed" in capsys.readouterr().out
    assert snapshot == (
        list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        list(Team.objects.order_by("pk").values_list("pk", "name")),
        list(Membership.objects.order_by("pk").values_list("pk", "user_id", "team_id", "role")),
    )
    assert User.objects.get(username="rita").first_name == "Changed by Rita"


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_approval_round_of_past_demo_meetings_is_already_read(debug_on):
    from deals.models import Deal
    from teams.models import Notification

    call_command("seed_demo")
    won = Deal.objects.get(title="Filling valves 2026")
    old = Notification.objects.filter(url__startswith=f"/deals/{won.pk}/", kind="briefing_submitted")
    assert old.exists()
    assert not old.filter(read_at__isnull=True).exists()
    # The breach on the other past meeting still waits for the manager.
    assert Notification.objects.filter(kind="report_breach", read_at__isnull=True).exists()
