"""Asking every department at once: one call, one transaction, every department told as when asked
alone; a refused row or an outdated list sends nothing.

The tests read which departments a deal requires from its derived consultations, not from a fixed
list, so that they hold whatever the derivation requires."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Activity, Consultation, ConsultationStatus, Deal, DealStatus, Department
from deals.services.ask_all import Ask, consultations_ask_all
from deals.services.consultations import consultation_request
from deals.services.required_consultations import consultations_derive
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import Notification, Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def deal(world):
    """The world's deal, involving production (and not delivery), its consultations derived."""
    deal = world.objects["deal"]
    Deal.objects.filter(pk=deal.pk).update(involves_production=True, involves_delivery=False)
    deal.refresh_from_db()
    consultations_derive(deal=deal)
    return deal


def _unasked(deal) -> list[Consultation]:
    return list(deal.consultations.filter(status=ConsultationStatus.OPEN).order_by("pk"))


def _asks(consultations, **overrides) -> list[Ask]:
    return [
        Ask(department=c.department, questions=f"What does {c.department} say?", **overrides)
        for c in consultations
    ]


def _seen(deal) -> set[int]:
    return {c.pk for c in _unasked(deal)}


def test_it_asks_every_department_not_asked_yet_in_one_call(deal, rep, world):
    unasked = _unasked(deal)
    assert Department.PRODUCTION in {c.department for c in unasked}
    asked = consultations_ask_all(deal=deal, by=rep, asks=_asks(unasked), seen=_seen(deal))

    assert {c.pk for c in asked} == {c.pk for c in unasked}
    for consultation in unasked:
        consultation.refresh_from_db()
        assert consultation.status == ConsultationStatus.REQUESTED
        assert consultation.questions == f"What does {consultation.department} say?"
        assert consultation.requested_by == rep
        assert consultation.due_at is not None
    assert _unasked(deal) == []
    # Each department is told, as when it is asked alone.
    told = Notification.objects.filter(
        kind="consultation_requested", recipient=world.members[Role.PRODUCTION]
    )
    assert told.count() == 1
    assert Activity.objects.filter(deal=deal, verb="consultation_requested").count() == len(unasked)


def test_a_ticked_optional_department_is_added_and_asked(deal, rep, world):
    asks = [
        *_asks(_unasked(deal)),
        Ask(department=Department.SUPPLY_CHAIN, questions="Can we ship by June?"),
    ]
    consultations_ask_all(deal=deal, by=rep, asks=asks, seen=_seen(deal))

    optional = deal.consultations.get(department=Department.SUPPLY_CHAIN)
    assert optional.required is False
    assert optional.status == ConsultationStatus.REQUESTED
    assert optional.questions == "Can we ship by June?"
    assert Notification.objects.filter(
        kind="consultation_requested", recipient=world.members[Role.SUPPLY_CHAIN]
    ).exists()


def test_a_named_colleague_and_a_due_time_are_kept_per_row(deal, rep, world):
    paula = UserFactory(first_name="Paula")
    MembershipFactory(user=paula, team=world.team, role=Role.PRODUCTION)
    due = (timezone.now() + timedelta(hours=30)).replace(second=0, microsecond=0)
    production = deal.consultations.get(department=Department.PRODUCTION)
    others = [c for c in _unasked(deal) if c.pk != production.pk]
    asks = [
        Ask(department=Department.PRODUCTION, questions="Can we make it?", assignee=paula, due_at=due),
        *_asks(others),
    ]
    consultations_ask_all(deal=deal, by=rep, asks=asks, seen=_seen(deal))

    production.refresh_from_db()
    assert production.assignee == paula
    assert production.due_at == due
    assert Notification.objects.filter(kind="consultation_requested", recipient=paula).exists()
    assert not Notification.objects.filter(
        kind="consultation_requested", recipient=world.members[Role.PRODUCTION]
    ).exists()


def test_a_refused_row_sends_nothing_and_says_which_row(deal, rep):
    meeting_start = deal.meetings.get().starts_at
    asks = [
        Ask(
            department=c.department,
            questions="Anything?",
            due_at=meeting_start + timedelta(hours=1) if c.department == Department.PRODUCTION else None,
        )
        for c in _unasked(deal)
    ] + [Ask(department=Department.SUPPLY_CHAIN, questions="Lead time?")]
    before = _seen(deal)

    with pytest.raises(Invalid) as refused:
        consultations_ask_all(deal=deal, by=rep, asks=asks, seen=before)

    assert list(refused.value.field_messages) == ["production-due_at"]
    assert "before the next meeting" in refused.value.messages[0]
    assert _seen(deal) == before
    assert not deal.consultations.filter(department=Department.SUPPLY_CHAIN).exists()
    assert not Notification.objects.filter(kind="consultation_requested").exists()
    assert not Activity.objects.filter(deal=deal, verb__startswith="consultation_").exists()


def test_every_refused_row_is_named_at_once(deal, rep):
    asks = [Ask(department=c.department, questions="  ") for c in _unasked(deal)]
    with pytest.raises(Invalid) as refused:
        consultations_ask_all(deal=deal, by=rep, asks=asks, seen=_seen(deal))
    assert set(refused.value.field_messages) == {f"{c.department}-questions" for c in _unasked(deal)}


def test_a_department_asked_meanwhile_makes_the_list_stale_and_nothing_is_sent(deal, rep):
    seen = _seen(deal)
    production = deal.consultations.get(department=Department.PRODUCTION)
    consultation_request(consultation=production, by=rep, questions="Asked in another tab")
    still_open = _seen(deal)
    notified = Notification.objects.count()

    with pytest.raises(Stale) as stale:
        consultations_ask_all(deal=deal, by=rep, asks=_asks(_unasked(deal)), seen=seen)

    assert "Nothing was sent" in str(stale.value)
    assert f"the production consultation was asked by {rep}" in str(stale.value)
    assert _seen(deal) == still_open
    assert Notification.objects.count() == notified
    production.refresh_from_db()
    assert production.questions == "Asked in another tab"


def test_a_department_that_needs_asking_since_makes_the_list_stale(deal, rep):
    seen = _seen(deal)
    Deal.objects.filter(pk=deal.pk).update(involves_delivery=True)
    deal.refresh_from_db()
    consultations_derive(deal=deal)

    with pytest.raises(Stale) as stale:
        consultations_ask_all(deal=deal, by=rep, asks=_asks(_unasked(deal)), seen=seen)

    assert "the supply chain consultation now waits to be asked too" in str(stale.value)
    assert deal.consultations.filter(status=ConsultationStatus.REQUESTED).count() == 0


def test_a_withdrawn_consultation_makes_the_list_stale(deal, rep):
    seen = _seen(deal)
    Deal.objects.filter(pk=deal.pk).update(involves_production=False)
    deal.refresh_from_db()
    consultations_derive(deal=deal)

    with pytest.raises(Stale) as stale:
        consultations_ask_all(deal=deal, by=rep, asks=_asks(_unasked(deal)), seen=seen)
    assert "no longer needed" in str(stale.value)


def test_only_the_owner_asks_and_nothing_changes(deal, world):
    for who in (Role.MANAGER, Role.PRODUCTION):
        with pytest.raises(NotAllowed):
            consultations_ask_all(
                deal=deal, by=world.members[who], asks=_asks(_unasked(deal)), seen=_seen(deal)
            )
    assert deal.consultations.exclude(status=ConsultationStatus.OPEN).count() == 0
    assert not Notification.objects.exists()


def test_a_closed_deal_is_not_asked(deal, rep):
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.LOST)
    with pytest.raises(Invalid, match="lost"):
        consultations_ask_all(deal=deal, by=rep, asks=_asks(_unasked(deal)), seen=_seen(deal))


def test_a_department_listed_twice_is_refused(deal, rep):
    asks = [Ask(department=Department.SUPPLY_CHAIN, questions="One?")] * 2
    with pytest.raises(Invalid, match="once"):
        consultations_ask_all(deal=deal, by=rep, asks=asks, seen=_seen(deal))


def test_nothing_ticked_is_refused(deal, rep):
    for consultation in _unasked(deal):
        consultation_request(consultation=consultation, by=rep, questions="Asked one by one")
    with pytest.raises(Invalid, match="Tick at least one"):
        consultations_ask_all(deal=deal, by=rep, asks=[], seen=set())
