from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from deals.models import Activity, Briefing, Contact, Customer, Deal, DealStatus, Meeting
from deals.services.deals import deal_create, deal_update
from deals.services.meetings import meeting_add, meeting_cancel, meeting_move
from negprep.errors import Invalid
from teams.models import Role
from tests.factories import ContactFactory, CustomerFactory, DealFactory, MeetingFactory


def _in(days=0, hours=0):
    return (timezone.now() + timedelta(days=days, hours=hours)).replace(second=0, microsecond=0)


def _first_meeting(**overrides):
    meeting = {
        "starts_at": _in(days=2),
        "ends_at": _in(days=2, hours=1),
        "stage": "exploratory",
        "location": "Customer HQ",
        "video_link": "",
    }
    meeting.update(overrides)
    return meeting


def _create(world, **overrides):
    arguments = {
        "team": world.team,
        "owner": world.members[Role.REP],
        "title": "Valves 2026",
        "scope": "800 HV-200 valves",
        "quantity": 800,
        "estimated_value": Decimal("99000.5"),
        "currency": "EUR",
        "first_meeting": _first_meeting(),
    }
    arguments.update(overrides)
    return deal_create(**arguments)


def _counts():
    return (
        Deal.objects.count(),
        Customer.objects.count(),
        Contact.objects.count(),
        Meeting.objects.count(),
        Briefing.objects.count(),
        Activity.objects.count(),
    )


# Creating a deal ------------------------------------------------------------


def test_it_creates_a_deal_with_a_new_customer_contacts_briefing_meeting_and_timeline(world):
    deal = _create(
        world,
        new_customer={"name": "Globex Pumps", "industry": "Water"},
        new_contacts=[
            {"name": "Hank Scorpio", "title": "CEO", "buying_role": "decision_maker", "cares_about": "Speed"},
            {"name": "Frank Grimes", "buying_role": "user", "attends": False},
        ],
        involves_production=True,
    )

    deal.refresh_from_db()
    assert deal.team == world.team
    assert deal.owner == world.members[Role.REP]
    assert deal.status == DealStatus.PREPARING
    assert deal.estimated_value == Decimal("99000.50")
    assert deal.involves_production is True
    assert deal.customer.name == "Globex Pumps"
    assert deal.customer.team == world.team
    assert deal.customer.industry == "Water"
    assert sorted(deal.customer.contacts.values_list("name", flat=True)) == ["Frank Grimes", "Hank Scorpio"]
    assert deal.briefing.currency == "EUR"
    meeting = deal.meetings.get()
    assert meeting.stage == "exploratory"
    assert meeting.location == "Customer HQ"
    assert [contact.name for contact in meeting.contacts.all()] == ["Hank Scorpio"]
    summaries = list(deal.activities.order_by("pk").values_list("summary", flat=True))
    assert summaries == ["created the deal", "scheduled an exploratory meeting"]
    assert deal.activities.filter(actor=world.members[Role.REP]).count() == 2


def test_the_first_meeting_is_with_every_picked_contact_unless_told_otherwise(world):
    customer = world.objects["customer"]
    second = ContactFactory(customer=customer, name="Erin Engineer")
    deal = _create(world, customer=customer, contact_ids=[world.objects["contact"].pk, second.pk])
    assert set(deal.meetings.get().contacts.all()) == {world.objects["contact"], second}

    other = _create(
        world,
        customer=customer,
        contact_ids=[world.objects["contact"].pk, second.pk],
        first_meeting=_first_meeting(contact_ids=[second.pk]),
    )
    assert list(other.meetings.get().contacts.all()) == [second]


def test_it_refuses_a_customer_of_another_team_and_creates_nothing(world):
    foreign = CustomerFactory(team=world.other_team, name="Initech")
    before = _counts()
    with pytest.raises(Invalid) as error:
        _create(world, customer=foreign)
    assert "customer" in error.value.field_messages
    assert _counts() == before


def test_it_refuses_contacts_of_another_customer_and_creates_nothing(world):
    someone_else = ContactFactory(customer=CustomerFactory(team=world.team))
    before = _counts()
    with pytest.raises(Invalid) as error:
        _create(world, customer=world.objects["customer"], contact_ids=[someone_else.pk])
    assert "contacts" in error.value.field_messages
    assert _counts() == before


def test_a_failure_after_the_new_customer_was_written_leaves_nothing_behind(world):
    before = _counts()
    with pytest.raises(Invalid):
        _create(
            world,
            new_customer={"name": "Half Done Ltd"},
            new_contacts=[{"name": "Nobody", "buying_role": "not-a-role"}],
        )
    assert _counts() == before
    assert not Customer.objects.filter(name="Half Done Ltd").exists()


def test_it_refuses_a_new_customer_whose_name_the_team_already_has(world):
    before = _counts()
    with pytest.raises(Invalid) as error:
        _create(world, new_customer={"name": "acme hydraulics"})
    assert "new_customer_name" in error.value.field_messages
    assert _counts() == before


def test_it_refuses_an_owner_who_is_not_a_rep_of_the_team(world):
    before = _counts()
    with pytest.raises(PermissionDenied):
        _create(world, owner=world.members[Role.MANAGER], customer=world.objects["customer"])
    with pytest.raises(PermissionDenied):
        _create(world, team=world.other_team, new_customer={"name": "Sneaky"})
    assert _counts() == before


@pytest.mark.parametrize(
    ("meeting", "field"),
    [
        ({"starts_at": _in(hours=-2), "ends_at": _in(hours=-1)}, "starts_at"),
        ({"starts_at": _in(days=2), "ends_at": _in(days=2, hours=-1)}, "ends_at"),
        ({"location": "", "video_link": ""}, "location"),
    ],
)
def test_it_refuses_a_first_meeting_that_cannot_happen(world, meeting, field):
    before = _counts()
    with pytest.raises(Invalid) as error:
        _create(world, customer=world.objects["customer"], first_meeting=_first_meeting(**meeting))
    assert field in error.value.field_messages
    assert _counts() == before


def test_it_refuses_a_negative_value(world):
    before = _counts()
    with pytest.raises(Invalid):
        _create(world, customer=world.objects["customer"], estimated_value=Decimal("-1"))
    assert _counts() == before


# Editing a deal -------------------------------------------------------------


def test_update_records_what_changed_with_json_safe_values(world):
    deal = world.objects["deal"]
    rep = world.members[Role.REP]
    deal_update(
        deal=deal,
        by=rep,
        title=deal.title,
        estimated_value=Decimal("130000"),
        requested_delivery_date=date(2031, 3, 1),
        involves_delivery=True,
    )

    deal.refresh_from_db()
    assert deal.estimated_value == Decimal("130000.00")
    assert deal.requested_delivery_date == date(2031, 3, 1)
    assert deal.involves_delivery is True
    activity = deal.activities.get(verb="deal_updated")
    assert activity.actor == rep
    assert activity.changes == {
        "Estimated value": {"old": "125000.00", "new": "130000.00"},
        "Requested delivery date": {"old": None, "new": "2031-03-01"},
        "Involves delivery": {"old": False, "new": True},
    }


def test_update_without_changes_records_nothing(world):
    deal = world.objects["deal"]
    deal_update(deal=deal, by=world.members[Role.REP], title=deal.title, estimated_value=Decimal("125000"))
    assert not deal.activities.filter(verb="deal_updated").exists()


def test_update_refuses_status_owner_and_team(world):
    deal = world.objects["deal"]
    for field, value in [
        ("status", DealStatus.WON),
        ("owner", world.members[Role.MANAGER]),
        ("team", world.other_team),
    ]:
        with pytest.raises(TypeError):
            deal_update(deal=deal, by=world.members[Role.REP], **{field: value})
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert deal.owner == world.members[Role.REP]
    assert deal.team == world.team


def test_update_by_a_manager_is_refused_and_changes_nothing(world):
    deal = world.objects["deal"]
    with pytest.raises(PermissionDenied):
        deal_update(deal=deal, by=world.members[Role.MANAGER], title="Taken over")
    deal.refresh_from_db()
    assert deal.title != "Taken over"
    assert not deal.activities.exists()


# Meetings -------------------------------------------------------------------


def test_add_schedules_a_meeting_with_the_customers_contacts(world):
    deal = world.objects["deal"]
    meeting = meeting_add(
        deal=deal,
        by=world.members[Role.REP],
        starts_at=_in(days=5),
        ends_at=_in(days=5, hours=2),
        stage="final",
        video_link="https://meet.example.com/abc",
        contacts=[world.objects["contact"]],
    )
    meeting.refresh_from_db()
    assert meeting.deal == deal
    assert meeting.stage == "final"
    assert list(meeting.contacts.all()) == [world.objects["contact"]]
    assert deal.activities.get(verb="meeting_scheduled").summary == "scheduled a final meeting"


def test_add_refuses_contacts_of_another_customer(world):
    deal = world.objects["deal"]
    stranger = ContactFactory(customer=CustomerFactory(team=world.other_team))
    with pytest.raises(Invalid):
        meeting_add(
            deal=deal,
            by=world.members[Role.REP],
            starts_at=_in(days=5),
            ends_at=_in(days=5, hours=2),
            location="HQ",
            contacts=[stranger],
        )
    assert deal.meetings.count() == 1


@pytest.mark.parametrize("status", [DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN])
def test_add_refuses_a_closed_deal(world, status):
    deal = DealFactory(team=world.team, owner=world.members[Role.REP], status=status)
    with pytest.raises(Invalid):
        meeting_add(
            deal=deal,
            by=world.members[Role.REP],
            starts_at=_in(days=1),
            ends_at=_in(days=1, hours=1),
            location="HQ",
        )
    assert not deal.meetings.exists()


def test_add_refuses_the_manager(world):
    with pytest.raises(PermissionDenied):
        meeting_add(
            deal=world.objects["deal"],
            by=world.members[Role.MANAGER],
            starts_at=_in(days=1),
            ends_at=_in(days=1, hours=1),
            location="HQ",
        )
    assert world.objects["deal"].meetings.count() == 1


def test_move_records_the_old_and_new_start(world):
    meeting = world.objects["meeting"]
    old_start = meeting.starts_at
    new_start = _in(days=6)
    meeting_move(
        meeting=meeting,
        by=world.members[Role.REP],
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=1),
    )

    meeting.refresh_from_db()
    assert meeting.starts_at == new_start
    activity = meeting.deal.activities.get(verb="meeting_moved")
    assert activity.summary == "moved the negotiation meeting"
    assert activity.changes["Start"] == {"old": old_start.isoformat(), "new": new_start.isoformat()}
    assert "End" in activity.changes


def test_move_refuses_a_start_in_the_past_and_changes_nothing(world):
    meeting = world.objects["meeting"]
    before = meeting.starts_at
    with pytest.raises(Invalid) as error:
        meeting_move(meeting=meeting, by=world.members[Role.REP], starts_at=_in(days=-1))
    assert "starts_at" in error.value.field_messages
    meeting.refresh_from_db()
    assert meeting.starts_at == before
    assert not Activity.objects.filter(verb="meeting_moved").exists()


def test_a_meeting_under_way_may_change_its_room_without_moving(world):
    meeting = MeetingFactory(
        deal=world.objects["deal"], starts_at=_in(hours=-1), ends_at=_in(hours=1), location="Room 1"
    )
    meeting_move(meeting=meeting, by=world.members[Role.REP], starts_at=meeting.starts_at, location="Room 2")
    meeting.refresh_from_db()
    assert meeting.location == "Room 2"
    assert meeting.deal.activities.get(verb="meeting_updated").changes == {
        "Location": {"old": "Room 1", "new": "Room 2"}
    }


def test_move_without_changes_records_nothing(world):
    meeting = world.objects["meeting"]
    meeting_move(meeting=meeting, by=world.members[Role.REP], location=meeting.location, stage=meeting.stage)
    assert not meeting.deal.activities.exists()


def test_cancel_marks_the_meeting_and_records_the_reason(world):
    meeting = world.objects["meeting"]
    assert meeting_cancel(meeting=meeting, by=world.members[Role.REP], reason="  Customer asked to wait  ")
    meeting.refresh_from_db()
    assert meeting.cancelled is True
    assert meeting.cancelled_reason == "Customer asked to wait"
    activity = meeting.deal.activities.get(verb="meeting_cancelled")
    assert activity.summary == "cancelled the negotiation meeting"
    assert activity.changes["Reason"] == {"old": None, "new": "Customer asked to wait"}


def test_cancelling_twice_changes_nothing_the_second_time(world):
    meeting = world.objects["meeting"]
    assert meeting_cancel(meeting=meeting, by=world.members[Role.REP], reason="First")
    assert not meeting_cancel(meeting=meeting, by=world.members[Role.REP], reason="Second")
    meeting.refresh_from_db()
    assert meeting.cancelled_reason == "First"
    assert meeting.deal.activities.filter(verb="meeting_cancelled").count() == 1


def test_a_cancelled_meeting_cannot_be_moved(world):
    meeting = world.objects["meeting"]
    meeting_cancel(meeting=meeting, by=world.members[Role.REP])
    with pytest.raises(Invalid):
        meeting_move(meeting=meeting, by=world.members[Role.REP], location="Elsewhere")
    meeting.refresh_from_db()
    assert meeting.location != "Elsewhere"


def test_cancel_by_the_manager_is_refused(world):
    meeting = world.objects["meeting"]
    with pytest.raises(PermissionDenied):
        meeting_cancel(meeting=meeting, by=world.members[Role.MANAGER])
    meeting.refresh_from_db()
    assert meeting.cancelled is False
