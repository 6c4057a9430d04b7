"""Migrations 0020–0022: the boss's consultations become guideline entries with nothing lost, the
required finance consultations give way to the payment-term request, and the stored statuses
follow the readiness that counts only what applies.

The database is taken back to 0019, filled as the old rules left it, and migrated forward with
``manage.py migrate``, which recomputes readiness once the schema is complete (``deals.apps``).
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from deals.models import Consultation, Deal, DealStatus, Guideline
from teams.models import Notification
from tests.deals.briefing_helpers import approve_briefing
from tests.factories import DealFactory, OnCallFactory

BEFORE = [("deals", "0019_guidelines")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _migrate_forward():
    """As a deployment does: every migration, then what follows a migrate."""
    call_command("migrate", verbosity=0)


@pytest.fixture
def old_world(world):
    """The world's deal and two more, prepared under the old rules, with the database back at 0019
    (from there on only the historical models fit the tables)."""
    rep, manager = world.members["rep"], world.members["manager"]
    deal = world.objects["deal"]
    world.objects["settled_deal"] = DealFactory(team=world.team, owner=rep)
    world.objects["asked_deal"] = DealFactory(team=world.team, owner=rep)
    approve_briefing(deal, rep, manager)
    meeting = world.objects["meeting"]
    OnCallFactory(
        meeting=meeting,
        member=world.members["production"],
        status="accepted",
        available_from=meeting.starts_at,
        available_to=meeting.ends_at,
    )
    apps = _migrate(BEFORE)
    yield world, apps
    _migrate_forward()


def _consultation(apps, deal, department, status, **fields):
    model = apps.get_model("deals", "Consultation")
    return model.objects.create(deal_id=deal.pk, department=department, status=status, **fields)


@pytest.mark.django_db(transaction=True)
def test_the_boss_consultations_become_guidelines_with_nothing_lost(old_world):
    world, apps = old_world
    rep, manager = world.members["rep"], world.members["manager"]
    deal = world.objects["deal"]
    now = timezone.now().replace(microsecond=0)
    answered = _consultation(
        apps,
        deal,
        "boss",
        "answered",
        required=True,
        questions="Guidelines for the first round?",
        requested_by_id=rep.pk,
        requested_at=now - timedelta(days=3),
        due_at=now - timedelta(days=2),
        answer="Hold the walk-away price.",
        answered_by_id=manager.pk,
        answered_at=now - timedelta(days=2, hours=5),
    )
    waived = _consultation(
        apps,
        deal,
        "boss",
        "waived",
        questions="And for the second?",
        requested_by_id=rep.pk,
        requested_at=now - timedelta(days=2),
        waived_by_id=manager.pk,
        waived_at=now - timedelta(days=1),
        waive_reason="Same as the first round.",
    )
    waiting = _consultation(
        apps,
        deal,
        "boss",
        "requested",
        questions="Price or volume?",
        requested_by_id=rep.pk,
        requested_at=now - timedelta(hours=5),
        assignee_id=manager.pk,
        due_at=now + timedelta(days=1),
    )
    _consultation(
        apps,
        deal,
        "boss",
        "requested",
        questions="And the warranty?",
        requested_by_id=rep.pk,
        requested_at=now - timedelta(hours=4),
        due_at=now + timedelta(hours=12),
    )
    _consultation(apps, deal, "boss", "open", required=False)  # never asked: holds nothing
    old_url = reverse("deals:consultation_answer", args=[waiting.pk])
    Notification.objects.create(recipient=manager, kind="consultation_requested", title="Asked", url=old_url)

    _migrate_forward()

    assert not Consultation.objects.filter(pk__in=[answered.pk, waived.pk, waiting.pk]).exists()
    given, dropped, asked = Guideline.objects.filter(briefing__deal=deal).order_by("created_at")
    assert (given.status, given.questions, given.guidelines) == (
        "given",
        "Guidelines for the first round?",
        "Hold the walk-away price.",
    )
    assert (given.asked_by, given.asked_at, given.given_by, given.given_at) == (
        rep,
        now - timedelta(days=3),
        manager,
        now - timedelta(days=2, hours=5),
    )
    assert (dropped.status, dropped.waived_by, dropped.waive_reason) == (
        "waived",
        manager,
        "Same as the first round.",
    )
    assert dropped.waived_at == now - timedelta(days=1)
    # The two waiting on the deal are one question, asked at the first one's time, due at the earliest.
    assert asked.status == "asked"
    assert asked.questions == "Price or volume?\n\nAnd the warranty?"
    assert (asked.asked_at, asked.due_at, asked.asked_of) == (
        now - timedelta(hours=5),
        now + timedelta(hours=12),
        None,
    )
    assert given.version == 1  # answered while version 1 was being written
    assert Notification.objects.get(url=reverse("deals:guidelines_give", args=[deal.pk])).recipient == manager
    assert Guideline.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_required_finance_consultations_give_way_to_the_payment_term_request(old_world):
    world, apps = old_world
    rep, finance = world.members["rep"], world.members["finance"]
    deal, settled_deal, asked_deal = (
        world.objects["deal"],
        world.objects["settled_deal"],
        world.objects["asked_deal"],
    )
    now = timezone.now()
    never_asked = _consultation(apps, deal, "finance", "open", required=True)
    optional = _consultation(apps, deal, "finance", "open", required=False)
    by_decision = _consultation(
        apps,
        settled_deal,
        "finance",
        "answered",
        required=True,
        answer="Answered by the payment-term decision: Approved the payment terms 45 days net: fine",
        answered_by_id=finance.pk,
        answered_at=now,
    )
    asked = _consultation(
        apps,
        asked_deal,
        "finance",
        "requested",
        required=True,
        questions="Their credit limit?",
        requested_by_id=rep.pk,
        requested_at=now,
    )

    _migrate_forward()

    remaining = {c.pk: c for c in Consultation.objects.all()}
    assert never_asked.pk not in remaining and by_decision.pk not in remaining
    assert (remaining[asked.pk].required, remaining[asked.pk].status) == (False, "requested")
    assert remaining[asked.pk].questions == "Their credit limit?"
    assert remaining[optional.pk].required is False


@pytest.mark.django_db(transaction=True)
def test_a_deal_held_back_only_by_its_boss_consultation_becomes_ready(old_world):
    world, apps = old_world
    deal = world.objects["deal"]
    _consultation(apps, deal, "boss", "open", required=True)
    assert apps.get_model("deals", "Deal").objects.get(pk=deal.pk).status == DealStatus.PREPARING

    _migrate_forward()

    deal = Deal.objects.get(pk=deal.pk)
    assert deal.status == DealStatus.READY
    assert deal.activities.filter(verb="deal_readiness").count() == 1
    assert not Consultation.objects.filter(deal=deal).exists()
