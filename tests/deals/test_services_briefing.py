from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Activity, Approval, ApprovalDelegation, BriefingStatus
from deals.selectors.briefings import approval_queue_for, briefing_history
from deals.services.briefings import briefing_decide, briefing_save, briefing_submit, delegation_create
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import Notification, Role
from tests.deals.briefing_helpers import PITCH, fill_briefing
from tests.factories import ApprovalDelegationFactory, DealFactory, MembershipFactory, UserFactory


@pytest.fixture
def briefing(deal):
    return deal.briefing


def _submit(briefing, rep):
    fill_briefing(briefing, rep)
    briefing.refresh_from_db()
    return briefing_submit(briefing=briefing, by=rep)


def test_it_keeps_a_partial_draft(briefing, rep):
    briefing_save(
        briefing=briefing,
        by=rep,
        revision=0,
        fields={"objectives": "Half a plan"},
        pitch_points=[],
        objections=[],
        concessions=[],
    )
    briefing.refresh_from_db()
    assert briefing.objectives == "Half a plan"
    assert briefing.status == BriefingStatus.DRAFT
    assert briefing.revision == 1


def test_it_records_old_and_new_limits_in_the_timeline(briefing, rep):
    fill_briefing(briefing, rep)
    fill_briefing(briefing, rep, target_price=Decimal("240.00"))
    entry = Activity.objects.filter(deal=briefing.deal, verb="briefing_saved").first()
    assert entry.changes["Target price"] == {"old": "230.00", "new": "240.00"}


def test_it_refuses_a_save_based_on_an_old_revision(briefing, rep):
    fill_briefing(briefing, rep)
    with pytest.raises(Stale, match="after you opened it"):
        briefing_save(
            briefing=briefing,
            by=rep,
            revision=0,
            fields={"objectives": "Overwrite"},
            pitch_points=[],
            objections=[],
            concessions=[],
        )
    briefing.refresh_from_db()
    assert briefing.objectives == "Sign a 3-year frame contract"
    assert briefing.pitch_points.count() == 2


def test_it_refuses_to_submit_an_incomplete_briefing(briefing, rep):
    with pytest.raises(Invalid, match="objectives"):
        briefing_submit(briefing=briefing, by=rep)
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.DRAFT
    assert not briefing.versions.exists()


def test_it_locks_a_submitted_briefing_and_tells_the_managers(
    briefing, rep, manager, world, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        version = _submit(briefing, rep)
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.SUBMITTED
    assert version.snapshot["limits"]["walk_away_price"] == "210.00"
    with pytest.raises(Invalid, match="waiting for approval"):
        fill_briefing(briefing, rep, objectives="Changed while locked")
    assert Notification.objects.filter(recipient=manager, kind="briefing_submitted").count() == 1
    assert not Notification.objects.filter(recipient=rep, kind="briefing_submitted").exists()
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert f"/deals/{briefing.deal.pk}/" in mailoutbox[0].body
    meeting_day = timezone.localtime(world.objects["meeting"].starts_at).strftime("%a %-d %b")
    assert f"by {meeting_day}, " in mailoutbox[0].subject
    assert "asks you to approve the briefing" in mailoutbox[0].subject


def test_an_approval_freezes_the_limits_and_pitch_points(briefing, rep, manager):
    _submit(briefing, rep)
    approval = briefing_decide(briefing=briefing, by=manager, approve=True, comment="Good plan")
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.APPROVED
    assert briefing.approved_version == approval.version
    assert approval.manager == manager
    assert approval.snapshot["limits"]["target_price"] == "230.00"
    assert [p["feature"] for p in approval.snapshot["pitch_points"]] == [p["feature"] for p in PITCH]
    assert Notification.objects.filter(recipient=rep, kind="briefing_approved").exists()


def test_returning_needs_a_comment_and_starts_the_next_version(briefing, rep, manager):
    _submit(briefing, rep)
    with pytest.raises(Invalid, match="comment is required"):
        briefing_decide(briefing=briefing, by=manager, approve=False, comment="  ")
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.SUBMITTED
    briefing_decide(briefing=briefing, by=manager, approve=False, comment="Walk-away too low")
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.CHANGES_REQUESTED
    assert briefing.version == 2
    assert Notification.objects.filter(recipient=rep, kind="briefing_returned").exists()


@pytest.mark.parametrize("role", [Role.REP, Role.PRODUCTION, Role.SUPPLY_CHAIN, Role.FINANCE])
def test_only_a_manager_decides(briefing, world, role):
    _submit(briefing, world.members[Role.REP])
    with pytest.raises(NotAllowed):
        briefing_decide(briefing=briefing, by=world.members[role], approve=True)
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.SUBMITTED
    assert not Approval.objects.exists()


def test_a_manager_of_another_team_cannot_decide(briefing, world, rep):
    _submit(briefing, rep)
    with pytest.raises(NotAllowed):
        briefing_decide(briefing=briefing, by=world.outsider, approve=True)
    assert not Approval.objects.exists()


def test_a_manager_cannot_approve_a_briefing_on_a_deal_they_own(world, manager):
    MembershipFactory(user=manager, team=world.team, role=Role.REP)
    second = UserFactory()
    MembershipFactory(user=second, team=world.team, role=Role.MANAGER)
    deal = DealFactory(team=world.team, owner=manager, customer=world.objects["customer"])
    _submit(deal.briefing, manager)
    with pytest.raises(NotAllowed, match="another manager"):
        briefing_decide(briefing=deal.briefing, by=manager, approve=True)
    briefing_decide(briefing=deal.briefing, by=second, approve=True)
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.APPROVED


def test_changing_approved_limits_starts_a_new_version(briefing, rep, manager):
    _submit(briefing, rep)
    briefing_decide(briefing=briefing, by=manager, approve=True)
    fill_briefing(briefing, rep, walk_away_price=Decimal("200.00"))
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.DRAFT
    assert briefing.version == 2
    assert briefing.approved_version.number == 1
    assert Activity.objects.filter(deal=briefing.deal, verb="briefing_new_version").exists()


def test_changing_only_the_plan_text_keeps_the_approval(briefing, rep, manager):
    _submit(briefing, rep)
    briefing_decide(briefing=briefing, by=manager, approve=True)
    fill_briefing(briefing, rep, approach="Start with the site visit")
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.APPROVED
    assert briefing.version == 1


def test_the_history_shows_what_changed_between_versions(briefing, rep, manager):
    _submit(briefing, rep)
    briefing_decide(briefing=briefing, by=manager, approve=False, comment="Raise the walk-away")
    fill_briefing(briefing, rep, walk_away_price=Decimal("220.00"))
    briefing.refresh_from_db()
    briefing_submit(briefing=briefing, by=rep)
    entries = briefing_history(briefing=briefing)
    assert [e.version.number for e in entries] == [2, 1]
    assert entries[1].approval.decision == "changes_requested"
    walk_away = [c for c in entries[0].changes if c.label == "Walk-away price"]
    assert walk_away and (walk_away[0].old, walk_away[0].new) == ("210.00 EUR", "220.00 EUR")


def test_a_delegate_decides_on_behalf_of_the_away_manager(world, briefing, rep, manager):
    deputy = UserFactory(username="deputy")
    MembershipFactory(user=deputy, team=world.team, role=Role.MANAGER)
    today = timezone.localdate()
    delegation_create(
        team=world.team, manager=manager, delegate=deputy, starts_on=today, ends_on=today + timedelta(days=3)
    )
    _submit(briefing, rep)
    queue = approval_queue_for(user=deputy)
    assert queue[0].on_behalf_of == manager
    approval = briefing_decide(briefing=briefing, by=deputy, approve=True)
    assert approval.on_behalf_of == manager


def test_a_delegation_outside_its_dates_does_not_apply(world, briefing, rep, manager):
    deputy = UserFactory(username="deputy")
    MembershipFactory(user=deputy, team=world.team, role=Role.MANAGER)
    later = timezone.localdate() + timedelta(days=5)
    ApprovalDelegationFactory(
        team=world.team, manager=manager, delegate=deputy, starts_on=later, ends_on=later + timedelta(days=2)
    )
    _submit(briefing, rep)
    assert briefing_decide(briefing=briefing, by=deputy, approve=True).on_behalf_of is None


def test_it_refuses_to_delegate_to_a_non_manager_or_to_oneself(world, manager):
    today = timezone.localdate()
    with pytest.raises(Invalid, match="another manager"):
        delegation_create(
            team=world.team, manager=manager, delegate=world.members[Role.REP], starts_on=today, ends_on=today
        )
    with pytest.raises(Invalid, match="yourself"):
        delegation_create(team=world.team, manager=manager, delegate=manager, starts_on=today, ends_on=today)
    assert not ApprovalDelegation.objects.exists()


def test_the_queue_is_oldest_first_and_scoped_to_the_managers_teams(world, rep, manager):
    first = world.objects["deal"]
    second = DealFactory(team=world.team, owner=rep, customer=world.objects["customer"])
    _submit(first.briefing, rep)
    _submit(second.briefing, rep)
    assert [item.deal.pk for item in approval_queue_for(user=manager)] == [first.pk, second.pk]
    assert approval_queue_for(user=world.outsider) == []
    assert approval_queue_for(user=rep) == []


def test_the_queue_takes_a_constant_number_of_queries(world, rep, manager, django_assert_max_num_queries):
    for _ in range(5):
        deal = DealFactory(team=world.team, owner=rep, customer=world.objects["customer"])
        _submit(deal.briefing, rep)
    with django_assert_max_num_queries(5):
        items = approval_queue_for(user=manager)
        [(item.version.submitted_by.username, item.deal.customer.name, item.target_pct) for item in items]
    assert len(items) == 5
