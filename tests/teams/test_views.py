import html

from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import NotificationFactory, UserFactory
from tests.stale import revision_in, two_clients


def test_home_greets_each_role_with_what_they_will_do(client, world):
    expected = {
        Role.REP: "Prepare your deals",
        Role.MANAGER: "approve or return your reps",
        Role.PRODUCTION: "feasibility questions",
        Role.SUPPLY_CHAIN: "delivery questions",
        Role.FINANCE: "payment-term requests",
    }
    for role, phrase in expected.items():
        client.force_login(world.members[role])
        page = client.get(reverse("home")).content.decode()
        assert f'data-role="{role}"' in page
        assert phrase in page
        others = set(Role.values) - {role}
        assert not any(f'data-role="{other}"' in page for other in others)


def test_home_tells_a_user_without_a_team_what_to_do(client, db):
    client.force_login(UserFactory())
    assert "You are not in a team yet" in client.get(reverse("home")).content.decode()


def test_navigation_shows_teams_and_roles(client, world):
    client.force_login(world.members[Role.FINANCE])
    page = client.get(reverse("home")).content.decode()
    assert "Northwind" in page
    assert "Finance" in page
    assert "Southpeak" not in page


def test_profile_saves_the_time_zone_and_pages_use_it(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("profile"),
        {
            "first_name": "Rita",
            "last_name": "Reyes",
            "email": "rita@example.com",
            "time_zone": "America/New_York",
            "revision": rep.revision,
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.time_zone == "America/New_York"
    client.get(reverse("home"))
    page = client.get(reverse("home"))
    assert "America/New_York" in page.content.decode()


def test_profile_refuses_an_unknown_time_zone_and_changes_nothing(client, rep):
    client.force_login(rep)
    before = rep.time_zone
    response = client.post(
        reverse("profile"),
        {
            "first_name": "R",
            "last_name": "R",
            "email": "r@example.com",
            "time_zone": "Mars/Olympus",
            "revision": rep.revision,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    rep.refresh_from_db()
    assert rep.time_zone == before


def test_the_middleware_activates_the_users_time_zone(rf, rep):
    from teams.middleware import UserTimezoneMiddleware

    rep.time_zone = "Asia/Tokyo"
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        return None

    request = rf.get("/")
    request.user = rep
    UserTimezoneMiddleware(view)(request)
    assert seen["tz"] == "Asia/Tokyo"


def test_a_user_turns_email_reminders_off_on_the_profile(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("profile"),
        {
            "first_name": "Rita",
            "last_name": "Reyes",
            "email": "rita@example.com",
            "time_zone": "Europe/Berlin",
            "revision": rep.revision,
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.email_reminders is False  # an unticked box is "off"


def _profile(**overrides):
    return {
        "first_name": "Rita",
        "last_name": "Reyes",
        "email": "rita@example.com",
        "time_zone": "Europe/Berlin",
        "email_reminders": "on",
        **overrides,
    }


def test_a_stale_profile_save_changes_nothing_shows_what_differs_and_can_be_reapplied(rep):
    url = reverse("profile")
    first, second = two_clients(rep)
    loaded = revision_in(second.get(url))
    assert first.post(url, _profile(time_zone="Asia/Tokyo", revision=loaded)).status_code == 302

    response = second.post(url, _profile(email="rita.reyes@example.com", revision=loaded))
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "Your profile was saved in another tab or on another device after you opened this page" in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "Asia/Tokyo" in differences and "rita.reyes@example.com" in differences
    assert 'value="rita.reyes@example.com"' in page
    rep.refresh_from_db()
    assert (rep.time_zone, rep.email) == ("Asia/Tokyo", "rita@example.com")

    # The refused form carries the current revision: saving it again puts this version over it.
    reapplied = revision_in(response)
    assert reapplied != loaded
    response = second.post(url, _profile(email="rita.reyes@example.com", revision=reapplied))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.time_zone, rep.email) == ("Europe/Berlin", "rita.reyes@example.com")


def test_a_profile_saved_unchanged_counts_no_revision_and_one_without_its_revision_is_refused(client, rep):
    client.force_login(rep)
    url = reverse("profile")
    assert client.post(url, _profile(revision=rep.revision)).status_code == 302
    rep.refresh_from_db()
    saved = rep.revision
    response = client.post(url, _profile(revision=saved), follow=True)
    assert "Nothing changed." in html.unescape(response.content.decode())
    rep.refresh_from_db()
    assert rep.revision == saved

    response = client.post(url, _profile(last_name="Nobody"))
    assert "This form is out of date" in html.unescape(response.content.decode())
    rep.refresh_from_db()
    assert rep.last_name == "Reyes"


def test_the_inbox_groups_reminders_by_deal(client, rep, world):

    for topic in ["Valve deal", "Pump deal", "Valve deal"]:
        NotificationFactory(
            recipient=rep, kind="reminder_consultation", title=f"About {topic}", url="/", topic=topic
        )
    NotificationFactory(recipient=rep, kind="briefing_approved", title="Approved", url="/")
    client.force_login(rep)
    page = client.get(reverse("notifications") + "?show=reminders").content.decode()
    assert page.count('data-testid="reminder-group"') == 2
    assert "Approved" not in page
    assert page.index("Pump deal") < page.index("Valve deal")


def test_the_time_zone_list_is_grouped_and_leaves_out_old_aliases(client, rep):
    client.force_login(rep)
    page = client.get(reverse("profile")).content.decode()
    assert '<optgroup label="Europe">' in page
    assert 'value="Europe/Berlin"' in page
    assert 'value="Africa/Asmara"' in page
    assert 'value="Africa/Asmera"' not in page
    assert 'value="US/Eastern"' not in page


def test_an_old_time_zone_name_stays_selectable_for_whoever_has_it(client, rep):
    rep.time_zone = "US/Eastern"
    rep.save(update_fields=["time_zone"])
    client.force_login(rep)
    page = client.get(reverse("profile")).content.decode()
    assert 'value="US/Eastern" selected' in page
