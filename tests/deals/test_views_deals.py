import html
import re
import zoneinfo
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import Contact, Customer, Deal, DealStatus, Meeting
from deals.services.meetings import meeting_cancel
from teams.models import Role
from tests.factories import (
    ActivityFactory,
    ConsultationFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    PaymentTermRequestFactory,
    TeamFactory,
    UserFactory,
)
from tests.stale import revision_in, two_clients


def _local(moment):
    """What a datetime-local input sends for this moment, in the active time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _create_data(**overrides):
    start = timezone.now() + timedelta(days=2)
    data = {
        "customer": "",
        "new_customer_name": "Globex Pumps",
        "new_customer_industry": "Water",
        "new_contact-TOTAL_FORMS": "2",
        "new_contact-INITIAL_FORMS": "0",
        "new_contact-MIN_NUM_FORMS": "0",
        "new_contact-MAX_NUM_FORMS": "10",
        "new_contact-0-name": "Hank Scorpio",
        "new_contact-0-title": "CEO",
        "new_contact-0-buying_role": "decision_maker",
        "new_contact-0-cares_about": "Speed of delivery",
        "new_contact-0-attends": "on",
        "new_contact-1-attends": "on",
        "title": "Pumps for the new plant",
        "scope": "40 industrial pumps",
        "quantity": "40",
        "requested_delivery_date": "",
        "special_requirements": "",
        "estimated_value": "250000.00",
        "currency": "EUR",
        "involves_production": "on",
        "meeting-starts_at": _local(start),
        "meeting-ends_at": _local(start + timedelta(hours=1)),
        "meeting-stage": "exploratory",
        "meeting-location": "Globex HQ, Springfield",
        "meeting-video_link": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _nothing_created(before_deals, before_customers, before_contacts):
    return (
        Deal.objects.count() == before_deals
        and Customer.objects.count() == before_customers
        and Contact.objects.count() == before_contacts
    )


# Creating a deal ------------------------------------------------------------


def test_a_rep_creates_a_deal_with_a_new_customer_and_lands_on_its_page(client, rep, world):
    client.force_login(rep)
    response = client.post(reverse("deals:create"), _create_data())

    deal = Deal.objects.get(title="Pumps for the new plant")
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk])
    assert deal.owner == rep
    assert deal.team == world.team
    assert deal.status == DealStatus.PREPARING
    assert deal.customer.name == "Globex Pumps"
    assert deal.involves_production is True
    assert deal.involves_delivery is False
    meeting = deal.meetings.get()
    assert [contact.name for contact in meeting.contacts.all()] == ["Hank Scorpio"]
    assert deal.briefing.status == "draft"
    follow = client.get(response["Location"])
    assert "created with its first meeting" in _page(follow)


def test_a_rep_picks_an_existing_customer_and_ticks_its_contacts(client, rep, world):
    client.force_login(rep)
    customer = world.objects["customer"]
    data = _create_data(
        customer=str(customer.pk),
        new_customer_name="",
        new_customer_industry="",
        contacts=[str(world.objects["contact"].pk)],
        **{"new_contact-0-name": "", "new_contact-0-title": "", "new_contact-0-buying_role": ""},
    )
    data["new_contact-0-cares_about"] = ""
    response = client.post(reverse("deals:create"), data)

    assert response.status_code == 302
    deal = Deal.objects.get(title="Pumps for the new plant")
    assert deal.customer == customer
    assert list(deal.meetings.get().contacts.all()) == [world.objects["contact"]]
    assert customer.contacts.count() == 1


def test_posted_owner_and_status_are_ignored(client, rep, manager):
    client.force_login(rep)
    data = _create_data(owner=str(manager.pk), status=DealStatus.WON, briefing="99")
    client.post(reverse("deals:create"), data)
    deal = Deal.objects.get(title="Pumps for the new plant")
    assert deal.owner == rep
    assert deal.status == DealStatus.PREPARING


def test_a_posted_team_is_ignored_when_the_rep_is_in_one_team(client, rep, world):
    client.force_login(rep)
    response = client.post(reverse("deals:create"), _create_data(team=str(world.other_team.pk)))
    assert response.status_code == 302
    deal = Deal.objects.get(title="Pumps for the new plant")
    assert deal.team == world.team
    assert deal.customer.team == world.team


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "meeting-starts_at": _local(timezone.now() - timedelta(hours=3)),
                "meeting-ends_at": _local(timezone.now() - timedelta(hours=2)),
            },
            "The meeting cannot start in the past.",
        ),
        (
            {
                "meeting-starts_at": _local(timezone.now() + timedelta(days=2)),
                "meeting-ends_at": _local(timezone.now() + timedelta(days=2, hours=-1)),
            },
            "The meeting must end after it starts.",
        ),
        ({"meeting-starts_at": "next tuesday"}, "Enter a date and time"),
        ({"meeting-location": "", "meeting-video_link": ""}, "Give a location or a video link"),
        ({"meeting-video_link": "not a link"}, "Enter a valid URL."),
        ({"quantity": "-5"}, "The quantity cannot be negative."),
        ({"estimated_value": "-1"}, "The estimated value cannot be negative."),
        ({"estimated_value": "lots"}, "Enter a number."),
        ({"estimated_value": ""}, "This field is required."),
        ({"title": "x" * 161}, "Ensure this value has at most 160 characters"),
        ({"scope": "x" * 4001}, "Ensure this value has at most 4000 characters"),
        ({"requested_delivery_date": "2001-01-01"}, "The requested delivery date cannot be in the past."),
        ({"new_customer_name": ""}, "Pick an existing customer or type the name of a new one."),
        ({"new_customer_name": "acme HYDRAULICS"}, "already has a customer called acme HYDRAULICS"),
        ({"new_contact-0-name": ""}, "Give the contact's name (or clear the row)."),
        ({"new_contact-0-buying_role": ""}, "Pick the contact's buying role."),
        ({"new_contact-0-buying_role": "king"}, "Select a valid choice."),
    ],
)
def test_each_invalid_input_shows_a_clear_message_and_creates_nothing(client, rep, overrides, message):
    client.force_login(rep)
    before = (Deal.objects.count(), Customer.objects.count(), Contact.objects.count())
    response = client.post(reverse("deals:create"), _create_data(**overrides))
    assert response.status_code == 200
    page = _page(response)
    assert message in page
    assert "nothing was saved yet" in page
    assert _nothing_created(*before)
    assert not Meeting.objects.filter(location="Globex HQ, Springfield").exists()


def test_picking_a_customer_and_typing_a_new_one_is_refused(client, rep, world):
    client.force_login(rep)
    before = (Deal.objects.count(), Customer.objects.count(), Contact.objects.count())
    response = client.post(reverse("deals:create"), _create_data(customer=str(world.objects["customer"].pk)))
    assert "Pick an existing customer or type a new one, not both." in _page(response)
    assert _nothing_created(*before)


def test_a_customer_of_another_team_is_refused(client, rep, world):
    client.force_login(rep)
    foreign = CustomerFactory(team=world.other_team, name="Initech")
    before = (Deal.objects.count(), Customer.objects.count(), Contact.objects.count())
    response = client.post(
        reverse("deals:create"), _create_data(customer=str(foreign.pk), new_customer_name="")
    )
    assert "Pick a customer of your team from the list." in _page(response)
    assert _nothing_created(*before)


def test_contacts_of_another_customer_are_refused(client, rep, world):
    client.force_login(rep)
    other_customer_contact = ContactFactory(customer=CustomerFactory(team=world.team))
    foreign_contact = ContactFactory(customer=CustomerFactory(team=world.other_team))
    before = (Deal.objects.count(), Customer.objects.count(), Contact.objects.count())
    customer = world.objects["customer"]
    for contact, message in [
        (other_customer_contact, "Tick only contacts of Acme Hydraulics."),
        (foreign_contact, "Tick only contacts of the chosen customer."),
    ]:
        response = client.post(
            reverse("deals:create"),
            _create_data(customer=str(customer.pk), new_customer_name="", contacts=[str(contact.pk)]),
        )
        assert message in _page(response)
    assert _nothing_created(*before)


def test_a_rep_in_two_teams_chooses_the_team_and_its_customer_must_match(client, rep, world):
    second_team = TeamFactory(name="Eastgate")
    MembershipFactory(user=rep, team=second_team, role=Role.REP)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:create")))
    assert 'name="team"' in page
    assert "Eastgate" in page

    before = (Deal.objects.count(), Customer.objects.count(), Contact.objects.count())
    response = client.post(
        reverse("deals:create"),
        _create_data(
            team=str(second_team.pk), customer=str(world.objects["customer"].pk), new_customer_name=""
        ),
    )
    assert "Acme Hydraulics is not a customer of Eastgate." in _page(response)
    assert _nothing_created(*before)

    response = client.post(reverse("deals:create"), _create_data(team=str(second_team.pk)))
    assert response.status_code == 302
    assert Deal.objects.get(title="Pumps for the new plant").team == second_team


def test_a_rep_in_one_team_is_not_asked_for_the_team(client, rep):
    client.force_login(rep)
    page = _page(client.get(reverse("deals:create")))
    assert 'name="team"' not in page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.PRODUCTION, Role.FINANCE])
def test_only_reps_create_deals(client, world, role):
    client.force_login(world.members[role])
    assert client.get(reverse("deals:create")).status_code == 403
    before = Deal.objects.count()
    assert client.post(reverse("deals:create"), _create_data()).status_code == 403
    assert Deal.objects.count() == before


def test_the_contact_choices_list_the_picked_customers_contacts(client, rep, world):
    client.force_login(rep)
    url = reverse("deals:create_contacts")
    response = client.get(url, {"customer": world.objects["customer"].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Dana Buyer" in _page(response)
    assert f'value="{world.objects["contact"].pk}"' in _page(response)


@pytest.mark.parametrize("value", ["foreign", "999999", "abc", ""])
def test_the_contact_choices_are_empty_for_a_foreign_unknown_or_bad_customer(client, rep, world, value):
    foreign = ContactFactory(customer=CustomerFactory(team=world.other_team), name="Secret Person")
    customer = {"foreign": str(foreign.customer.pk)}.get(value, value)
    client.force_login(rep)
    response = client.get(reverse("deals:create_contacts"), {"customer": customer})
    assert response.status_code == 200
    assert "Secret Person" not in _page(response)
    assert 'name="contacts"' not in _page(response)


def test_a_manager_gets_no_contact_choices(client, manager, world):
    client.force_login(manager)
    response = client.get(reverse("deals:create_contacts"), {"customer": world.objects["customer"].pk})
    assert response.status_code == 200
    assert "Dana Buyer" not in _page(response)


# Editing a deal -------------------------------------------------------------


def _edit_data(deal, **overrides):
    data = {
        "title": deal.title,
        "scope": deal.scope,
        "quantity": str(deal.quantity),
        "requested_delivery_date": "",
        "special_requirements": "",
        "estimated_value": str(deal.estimated_value),
        "currency": deal.currency,
        "revision": str(deal.revision),
    }
    data.update(overrides)
    return data


def test_a_stale_deal_save_changes_nothing_shows_what_differs_and_can_be_reapplied(rep, world):
    deal = world.objects["deal"]
    url = reverse("deals:edit", args=[deal.pk])
    first, second = two_clients(rep)
    loaded = revision_in(second.get(url))
    assert first.post(url, _edit_data(deal, title="First title", revision=loaded)).status_code == 302

    response = second.post(
        url, _edit_data(deal, title="Second title", involves_production="on", revision=loaded)
    )
    assert response.status_code == 409
    page = _page(response)
    assert "saved this deal at " in page and "after you opened it" in page
    assert "Rita Rep" in page or str(rep) in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "First title" in differences and "Second title" in differences
    deal.refresh_from_db()
    assert deal.title == "First title"
    assert deal.involves_production is False
    assert deal.activities.filter(verb="deal_updated").count() == 1

    # The refused form now carries the current revision: saving it again puts this version over it.
    reapplied = revision_in(response)
    assert reapplied != loaded
    response = second.post(
        url, _edit_data(deal, title="Second title", involves_production="on", revision=reapplied)
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.title == "Second title"
    assert deal.involves_production is True


def test_a_deal_save_without_its_revision_is_refused(client, rep, world):
    deal = world.objects["deal"]
    client.force_login(rep)
    data = _edit_data(deal, title="No revision")
    del data["revision"]
    response = client.post(reverse("deals:edit", args=[deal.pk]), data)
    assert "This form is out of date" in _page(response)
    deal.refresh_from_db()
    assert deal.title != "No revision"


def test_the_owner_edits_the_deal_and_the_timeline_shows_old_and_new(client, rep, world):
    deal = world.objects["deal"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:edit", args=[deal.pk]),
        _edit_data(deal, estimated_value="140000", involves_delivery="on", currency="USD"),
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.estimated_value == Decimal("140000.00")
    assert deal.currency == "USD"
    assert deal.involves_delivery is True
    activity = deal.activities.get(verb="deal_updated")
    assert activity.changes["Estimated value"] == {"old": "125000.00", "new": "140000.00"}

    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "updated the deal" in page
    assert "125000.00" in page
    assert "140000.00" in page


def test_the_timeline_writes_dates_as_the_rest_of_the_page(client, rep, world):
    deal = world.objects["deal"]
    client.force_login(rep)
    client.post(reverse("deals:edit", args=[deal.pk]), _edit_data(deal, requested_delivery_date="2031-03-14"))
    activity = deal.activities.get(verb="deal_updated")
    assert activity.changes["Requested delivery date"]["new"] == "2031-03-14"
    timeline = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    timeline = timeline[timeline.index('id="timeline"') :]
    assert "14 Mar 2031" in timeline
    assert "2031-03-14" not in timeline


def test_saving_the_deal_unchanged_records_nothing(client, rep, world):
    deal = world.objects["deal"]
    client.force_login(rep)
    response = client.post(reverse("deals:edit", args=[deal.pk]), _edit_data(deal), follow=True)
    assert "Nothing changed." in _page(response)
    assert not deal.activities.exists()


def test_posted_status_owner_and_team_are_ignored_on_edit(client, rep, manager, world):
    deal = world.objects["deal"]
    client.force_login(rep)
    client.post(
        reverse("deals:edit", args=[deal.pk]),
        _edit_data(
            deal, title="Renamed", status=DealStatus.WON, owner=str(manager.pk), team=str(world.other_team.pk)
        ),
    )
    deal.refresh_from_db()
    assert deal.title == "Renamed"
    assert deal.status == DealStatus.PREPARING
    assert deal.owner == rep
    assert deal.team == world.team


def test_an_invalid_edit_shows_the_error_and_changes_nothing(client, rep, world):
    deal = world.objects["deal"]
    client.force_login(rep)
    response = client.post(
        reverse("deals:edit", args=[deal.pk]), _edit_data(deal, title="", estimated_value="-3")
    )
    assert response.status_code == 200
    page = _page(response)
    assert "The estimated value cannot be negative." in page
    assert "This field is required." in page
    deal.refresh_from_db()
    assert deal.estimated_value == Decimal("125000.00")
    assert deal.title
    assert not deal.activities.exists()


def test_a_manager_may_not_edit_and_nothing_changes(client, manager, world):
    deal = world.objects["deal"]
    client.force_login(manager)
    assert client.get(reverse("deals:edit", args=[deal.pk])).status_code == 403
    response = client.post(reverse("deals:edit", args=[deal.pk]), _edit_data(deal, title="Manager's title"))
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.title != "Manager's title"
    assert not deal.activities.exists()


@pytest.mark.parametrize("who", ["outsider", "staff", Role.PRODUCTION])
def test_others_get_404_on_the_deal_and_nothing_changes(client, world, who):
    deal = world.objects["deal"]
    client.force_login(world.user(who))
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 404
    response = client.post(reverse("deals:edit", args=[deal.pk]), _edit_data(deal, title="Hijacked"))
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.title != "Hijacked"


# The deal page --------------------------------------------------------------


def test_the_deal_page_shows_summary_briefing_contacts_meetings_and_timeline(client, rep, world):
    deal = world.objects["deal"]
    ActivityFactory(deal=deal, actor=rep, verb="deal_created", summary="created the deal")
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert deal.title in page
    assert "Acme Hydraulics" in page
    assert "125,000.00 EUR" in page
    assert 'id="briefing-panel"' in page
    assert "Dana Buyer" in page
    panels = ['id="briefing-panel"', 'id="consultations"', 'id="payment-terms"', 'id="meetings"']
    assert [page.index(panel) for panel in panels] == sorted(page.index(panel) for panel in panels)
    assert "created the deal" in page
    assert reverse("deals:edit", args=[deal.pk]) in page
    assert reverse("deals:meeting_add", args=[deal.pk]) in page
    assert reverse("deals:meeting_edit", args=[world.objects["meeting"].pk]) in page


def test_the_manager_sees_the_deal_read_only(client, manager, world):
    deal = world.objects["deal"]
    client.force_login(manager)
    response = client.get(reverse("deals:detail", args=[deal.pk]))
    page = _page(response)
    assert response.status_code == 200
    assert deal.title in page
    assert 'data-testid="read-only"' in page
    assert reverse("deals:edit", args=[deal.pk]) not in page
    assert reverse("deals:meeting_add", args=[deal.pk]) not in page
    assert reverse("deals:meeting_edit", args=[world.objects["meeting"].pk]) not in page
    assert reverse("deals:meeting_cancel", args=[world.objects["meeting"].pk]) not in page


def test_meetings_are_upcoming_first_and_cancelled_ones_show_their_reason(client, rep, world):
    deal = world.objects["deal"]
    now = timezone.now()
    MeetingFactory(deal=deal, starts_at=now - timedelta(days=5), location="Past room")
    cancelled = MeetingFactory(deal=deal, starts_at=now + timedelta(days=9), location="Cancelled room")
    meeting_cancel(meeting=cancelled, by=rep, reason="Budget freeze")
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert page.index("Customer HQ, meeting room 2") < page.index("Past room")
    assert "Budget freeze" in page
    assert "Cancelled" in page
    assert reverse("deals:meeting_edit", args=[cancelled.pk]) not in page
    assert "cancelled the negotiation meeting" in page


def test_a_closed_deal_offers_no_new_meeting(client, rep, world):
    deal = DealFactory(team=world.team, owner=rep, status=DealStatus.WON)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert reverse("deals:meeting_add", args=[deal.pk]) not in page


# The list -------------------------------------------------------------------


def _titles(response) -> list[str]:
    return [deal.title for deal in response.context["deals"]]


def test_the_list_shows_only_deals_the_user_may_see(client, rep, manager, world):
    other_rep = UserFactory(username="second_rep")
    MembershipFactory(user=other_rep, team=world.team, role=Role.REP)
    colleague_deal = DealFactory(team=world.team, owner=other_rep, title="Colleague deal")
    DealFactory(team=world.other_team, owner=UserFactory(), title="Foreign deal")

    client.force_login(rep)
    assert _titles(client.get(reverse("deals:list"))) == [world.objects["deal"].title]
    client.force_login(manager)
    assert set(_titles(client.get(reverse("deals:list")))) == {
        world.objects["deal"].title,
        colleague_deal.title,
    }
    client.force_login(world.outsider)
    assert _titles(client.get(reverse("deals:list"))) == ["Foreign deal"]
    client.force_login(world.members[Role.FINANCE])
    page = _page(client.get(reverse("deals:list")))
    assert world.objects["deal"].title not in page
    assert "No deals to show" in page


def test_the_list_shows_the_next_meeting_in_the_users_time_zone(client, rep, world):
    rep.time_zone = "America/New_York"
    rep.save()
    meeting = world.objects["meeting"]
    client.force_login(rep)
    page = _page(client.get(reverse("deals:list")))
    new_york = meeting.starts_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    utc = meeting.starts_at.astimezone(zoneinfo.ZoneInfo("UTC"))
    assert new_york.strftime("%H:%M") in page
    assert utc.strftime("%H:%M") not in page
    assert "Negotiation" in page
    assert "125,000.00" in page


def test_the_list_ignores_cancelled_and_past_meetings_for_the_next_one(client, rep, world):
    deal = world.objects["deal"]
    meeting = world.objects["meeting"]
    meeting_cancel(meeting=meeting, by=rep)
    MeetingFactory(deal=deal, starts_at=timezone.now() - timedelta(days=2))
    later = MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(days=8), stage="final")
    client.force_login(rep)
    [shown] = client.get(reverse("deals:list")).context["deals"]
    assert shown.next_meeting_at == later.starts_at
    assert shown.next_meeting_stage_label == "Final"


def test_the_list_searches_title_and_customer_name(client, rep, world):
    DealFactory(
        team=world.team, owner=rep, title="Gearbox frame contract", customer=CustomerFactory(team=world.team)
    )
    DealFactory(
        team=world.team,
        owner=rep,
        title="Spare parts",
        customer=CustomerFactory(team=world.team, name="Gearco"),
    )
    client.force_login(rep)
    assert set(_titles(client.get(reverse("deals:list"), {"q": "gear"}))) == {
        "Gearbox frame contract",
        "Spare parts",
    }
    assert _titles(client.get(reverse("deals:list"), {"q": "acme"})) == [world.objects["deal"].title]
    page = _page(client.get(reverse("deals:list"), {"q": "nothing like this"}))
    assert "No deals match these filters" in page


def test_the_list_filters_by_status_owner_and_next_meeting_dates(client, manager, world):
    rep = world.members[Role.REP]
    other_rep = UserFactory(username="second_rep", first_name="Sam", last_name="Second")
    MembershipFactory(user=other_rep, team=world.team, role=Role.REP)
    won = DealFactory(team=world.team, owner=other_rep, title="Won deal", status=DealStatus.WON)
    soon = DealFactory(team=world.team, owner=rep, title="Soon deal")
    MeetingFactory(deal=soon, starts_at=timezone.now() + timedelta(days=10))
    client.force_login(manager)
    url = reverse("deals:list")

    assert _titles(client.get(url, {"status": "won"})) == [won.title]
    assert _titles(client.get(url, {"owner": other_rep.pk})) == [won.title]
    day = timezone.localdate() + timedelta(days=10)
    assert _titles(client.get(url, {"from": day.isoformat(), "to": day.isoformat()})) == [soon.title]
    assert _titles(client.get(url, {"to": (day - timedelta(days=1)).isoformat()})) == [
        world.objects["deal"].title
    ]


def test_the_owner_filter_offers_only_owners_the_user_can_see(client, rep, world):
    stranger = UserFactory(username="stranger", first_name="Zed", last_name="Zulu")
    DealFactory(team=world.other_team, owner=stranger)
    client.force_login(rep)
    response = client.get(reverse("deals:list"))
    # Only the rep's own deals: there is no owner to choose, so the filter is left out.
    assert "owner" not in response.context["form"].fields
    assert "Any owner" not in response.content.decode()
    assert client.get(reverse("deals:list"), {"owner": stranger.pk}).status_code == 200
    client.force_login(world.members["manager"])
    DealFactory(team=world.team, owner=UserFactory(first_name="Second", last_name="Rep"))
    owners = list(client.get(reverse("deals:list")).context["form"].fields["owner"].queryset)
    assert stranger not in owners and rep in owners and len(owners) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense", "page": "abc", "from": "xyz"},
        {"owner": "999999", "to": "2024-13-45", "page": "-1"},
        {"owner": "abc", "q": "x" * 500, "page": "99999"},
    ],
)
def test_bad_filter_values_are_ignored_gracefully(client, rep, world, query):
    client.force_login(rep)
    response = client.get(reverse("deals:list"), query)
    assert response.status_code == 200
    if "q" not in query:
        assert _titles(response) == [world.objects["deal"].title]


def test_the_list_pages_by_twenty_and_keeps_the_filters_in_the_page_links(client, rep, world):
    for number in range(25):
        DealFactory(
            team=world.team, owner=rep, customer=world.objects["customer"], title=f"Bulk deal {number:02}"
        )
    client.force_login(rep)
    first = client.get(reverse("deals:list"), {"q": "bulk", "status": "preparing"})
    assert len(first.context["deals"]) == 20
    page = first.content.decode()
    assert "?q=bulk&amp;status=preparing&amp;page=2" in page
    second = client.get(reverse("deals:list"), {"q": "bulk", "status": "preparing", "page": "2"})
    assert len(second.context["deals"]) == 5
    assert not set(_titles(first)) & set(_titles(second))


def test_the_list_takes_a_constant_number_of_queries(client, rep, world, django_assert_max_num_queries):
    client.force_login(rep)
    url = reverse("deals:list")
    client.get(url)  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as one_deal:
        client.get(url)
    for number in range(19):
        customer = CustomerFactory(team=world.team)
        deal = DealFactory(team=world.team, owner=rep, customer=customer, title=f"Deal {number}")
        MeetingFactory(deal=deal, contacts=[ContactFactory(customer=customer)])
    with django_assert_max_num_queries(len(one_deal)):
        response = client.get(url)
    assert len(response.context["deals"]) == 20


def test_an_htmx_filter_returns_only_the_results(client, rep, world):
    client.force_login(rep)
    response = client.get(reverse("deals:list"), {"q": "acme"}, HTTP_HX_REQUEST="true")
    page = _page(response)
    assert 'id="deal-results"' in page
    assert "<html" not in page
    assert world.objects["deal"].title in page


def test_reps_get_a_new_deal_button_and_an_empty_state_that_says_what_to_do(client, db):
    lonely_rep = UserFactory(username="lonely_rep")
    MembershipFactory(user=lonely_rep, team=TeamFactory(), role=Role.REP)
    client.force_login(lonely_rep)
    page = _page(client.get(reverse("deals:list")))
    assert "Create your first deal" in page
    assert reverse("deals:create") in page


def test_managers_get_no_new_deal_button(client, manager):
    client.force_login(manager)
    page = _page(client.get(reverse("deals:list")))
    assert reverse("deals:create") not in page


@pytest.mark.parametrize(("role", "shown"), [(Role.REP, True), (Role.MANAGER, True), (Role.FINANCE, False)])
def test_the_navigation_links_to_deals_for_reps_and_managers(client, world, role, shown):
    client.force_login(world.members[role])
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("deals:list")}"' in page) is shown


def test_a_consulted_department_sees_a_summary_without_the_limits(client, world):
    from deals.services.briefings import briefing_save

    deal = world.objects["deal"]
    briefing_save(
        briefing=deal.briefing,
        by=world.members["rep"],
        revision=0,
        fields={"walk_away_price": Decimal("987.65"), "objectives": "Secret plan"},
        pitch_points=[],
        objections=[],
        concessions=[],
    )
    ConsultationFactory(deal=deal, department="production", required=True, status="requested")
    client.force_login(world.members["production"])
    response = client.get(reverse("deals:detail", args=[deal.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert deal.scope in page
    assert "987.65" not in page and "Secret plan" not in page
    assert client.get(reverse("deals:briefing_history", args=[deal.pk])).status_code == 403


def _grow_deal(world, deal, *, rounds):
    """More of everything the deal page shows: versions, pitch points, meetings with cover, consultations."""
    from datetime import timedelta

    from django.utils import timezone

    from deals.services.briefings import briefing_decide, briefing_submit
    from tests.deals.briefing_helpers import fill_briefing
    from tests.factories import MeetingFactory, OnCallFactory

    rep, manager = world.members["rep"], world.members["manager"]
    for index in range(rounds):
        fill_briefing(deal.briefing, rep, objectives=f"Round {index}")
        deal.briefing.refresh_from_db()
        briefing_submit(briefing=deal.briefing, by=rep)
        briefing_decide(briefing=deal.briefing, by=manager, approve=False, comment=f"Again {index}")
        meeting = MeetingFactory(
            deal=deal,
            starts_at=timezone.now() + timedelta(days=5 + index),
            contacts=[world.objects["contact"]],
        )
        OnCallFactory(meeting=meeting, member=world.members["production"])
        ConsultationFactory(deal=deal, department="finance", required=False, status="requested")


@pytest.mark.parametrize("visitor", ["rep", "manager"])
def test_the_deal_page_takes_a_constant_number_of_queries(
    client, world, deal, visitor, django_assert_max_num_queries
):
    client.force_login(world.members[visitor])
    url = reverse("deals:detail", args=[deal.pk])
    _grow_deal(world, deal, rounds=1)
    with django_assert_max_num_queries(200) as small:
        assert client.get(url).status_code == 200
    _grow_deal(world, deal, rounds=6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_list_sorts_by_a_column_and_back(client, rep, world):
    from tests.factories import CustomerFactory

    for title, value in (("Alpha pumps", "900"), ("beta valves", "100"), ("Gamma seals", "500")):
        DealFactory(
            team=world.team,
            owner=rep,
            title=title,
            estimated_value=Decimal(value),
            customer=CustomerFactory(team=world.team),
        )
    client.force_login(rep)

    def titles(sort):
        response = client.get(reverse("deals:list"), {"sort": sort})
        return [deal.title for deal in response.context["deals"] if deal.title != world.objects["deal"].title]

    assert titles("title") == ["Alpha pumps", "beta valves", "Gamma seals"]
    assert titles("-title") == ["Gamma seals", "beta valves", "Alpha pumps"]
    assert titles("-value") == ["Alpha pumps", "Gamma seals", "beta valves"]
    page = _page(client.get(reverse("deals:list"), {"sort": "title"}))
    assert 'aria-sort="ascending"' in page
    assert "sort=-title" in page  # the header link now sorts the other way
    assert client.get(reverse("deals:list"), {"sort": "nonsense"}).status_code == 200


def test_the_list_names_what_each_deal_still_misses_linked_to_where_it_is_done(client, rep, manager, world):
    deal, meeting = world.objects["deal"], world.objects["meeting"]
    client.force_login(rep)
    page = _page(client.get(reverse("deals:list")))
    row = page[page.index('data-testid="deal-row"') :]
    assert "1 of 4" in row
    missing = re.findall(r'data-check="(\w+)" data-state="(\w+)" href="([^"]+)"[^>]*>([^<]+)</a>', row)
    assert missing == [
        ("limits", "missing", reverse("deals:briefing_edit", args=[deal.pk]), "limits"),
        ("pitch", "missing", reverse("deals:briefing_edit", args=[deal.pk]), "pitch"),
        ("on_call", "missing", reverse("deals:on_call_new", args=[meeting.pk]), "on-call cover"),
    ]
    assert "Missing:" not in row

    # The manager cannot edit the rep's briefing: the same words lead to the deal page's sections.
    client.force_login(manager)
    page = _page(client.get(reverse("deals:list")))
    row = page[page.index('data-testid="deal-row"') :]
    detail = reverse("deals:detail", args=[deal.pk])
    assert f'href="{detail}#briefing-panel"' in row and f'href="{detail}#meetings"' in row


def test_a_request_waiting_reads_as_waiting_in_the_list(client, rep, world):
    deal = world.objects["deal"]
    PaymentTermRequestFactory(deal=deal, requested_by=rep, net_days=60, customer_reason="Cash flow")
    client.force_login(rep)
    page = _page(client.get(reverse("deals:list")))
    row = page[page.index('data-testid="deal-row"') :]
    assert "1 of 5" in row
    detail = reverse("deals:detail", args=[deal.pk])
    assert f'data-check="payment_terms" data-state="waiting" href="{detail}#payment-terms"' in row
    assert ">waiting for finance</a>" in row


@pytest.mark.parametrize("query", [{"to": "9999-12-31"}, {"from": "0001-01-01"}, {"from": "9999-12-31"}])
def test_dates_at_the_ends_of_the_calendar_are_ignored_in_the_filters(client, rep, world, query):
    client.force_login(rep)
    response = client.get(reverse("deals:list"), query)
    assert response.status_code == 200
    assert len(response.context["deals"]) == 1
