"""The boss's guidelines: one conversation with the managers on the briefing, beside its approval."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Approval, BriefingVersion, Guideline, GuidelineStatus
from deals.selectors.briefings import approval_queue_briefings, approval_queue_for
from deals.services.briefings import briefing_submit
from deals.services.guidelines import boss_decide, guidelines_ask, guidelines_give
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import Notification, Role
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import (
    ApprovalDelegationFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
)


def _ask(deal, questions="How far may I go on price for the volume?"):
    return guidelines_ask(deal=deal, by=deal.owner, questions=questions)


def _submit(deal):
    fill_briefing(deal.briefing, deal.owner)
    deal.briefing.refresh_from_db()
    return briefing_submit(briefing=deal.briefing, by=deal.owner)


# Asking -------------------------------------------------------------------------------


def test_the_rep_asks_for_guidelines_before_any_limits_exist_and_the_managers_are_told(
    deal, rep, manager, django_capture_on_commit_callbacks, mailoutbox
):
    assert deal.briefing.list_price is None
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask(deal)
    assert (asked.status, asked.asked_by, asked.version) == (GuidelineStatus.ASKED, rep, 1)
    assert asked.due_at is not None and asked.due_at <= deal.meetings.get().starts_at
    told = Notification.objects.get(kind="guidelines_asked")
    assert told.recipient == manager
    assert told.url == f"/deals/{deal.pk}/guidelines/give/"
    assert "asks for your guidelines" in mailoutbox[0].subject
    assert "How far may I go" in mailoutbox[0].body
    assert deal.activities.get(verb="guidelines_asked").summary == "asked the managers for guidelines"


def test_a_manager_owning_the_deal_is_not_asked(world, manager):
    MembershipFactory(user=manager, team=world.team, role=Role.REP)
    deputy = UserFactory(username="deputy_manager")
    MembershipFactory(user=deputy, team=world.team, role=Role.MANAGER)
    deal = DealFactory(team=world.team, owner=manager, customer=world.objects["customer"])
    MeetingFactory(deal=deal)
    _ask(deal)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {deputy.pk}


def test_a_team_without_another_manager_cannot_be_asked(world, manager):
    MembershipFactory(user=manager, team=world.team, role=Role.REP)
    deal = DealFactory(team=world.team, owner=manager, customer=world.objects["customer"])
    with pytest.raises(Invalid, match="no other manager"):
        _ask(deal)
    assert not Guideline.objects.exists()


@pytest.mark.parametrize("who", ["manager", "production", "finance", "outsider"])
def test_only_the_owner_asks_for_guidelines(deal, world, who):
    with pytest.raises(NotAllowed):
        guidelines_ask(deal=deal, by=world.user(who), questions="Guidelines?")
    assert not Guideline.objects.exists()


def test_the_question_is_required_and_bounded(deal):
    with pytest.raises(Invalid, match="Write what you would like"):
        _ask(deal, questions="  ")
    with pytest.raises(Invalid, match="under 4,000"):
        _ask(deal, questions="x" * 4001)
    assert not Guideline.objects.exists()


def test_asking_again_changes_the_waiting_question_and_tells_the_managers_again(deal, manager):
    asked = _ask(deal)
    again = guidelines_ask(deal=deal, by=deal.owner, questions="And on the delivery date?", revision=0)
    assert again.pk == asked.pk
    assert (again.questions, again.revision) == ("And on the delivery date?", 1)
    assert Guideline.objects.count() == 1
    assert Notification.objects.filter(kind="guidelines_asked", recipient=manager).count() == 2
    assert deal.activities.filter(verb="guidelines_reasked").exists()


def test_a_stale_change_of_the_question_is_refused(deal):
    _ask(deal)
    guidelines_ask(deal=deal, by=deal.owner, questions="Changed in one window", revision=0)
    with pytest.raises(Stale, match="changed in another window"):
        guidelines_ask(deal=deal, by=deal.owner, questions="Changed in another", revision=0)
    with pytest.raises(Stale, match="changed in another window"):
        guidelines_ask(deal=deal, by=deal.owner, questions="Asked anew from an old page")
    assert Guideline.objects.get().questions == "Changed in one window"


def test_a_change_of_a_question_answered_meanwhile_is_refused(deal, manager):
    asked = _ask(deal)
    guidelines_give(deal=deal, by=manager, guidelines="Volume first, then price.", answering=asked)
    with pytest.raises(Stale, match=f"{manager} gave guidelines on your question"):
        guidelines_ask(deal=deal, by=deal.owner, questions="Overwrite", revision=0)
    asked.refresh_from_db()
    assert asked.questions == "How far may I go on price for the volume?"


def test_a_closed_deal_takes_no_guidelines(deal, manager):
    deal.status = "won"
    deal.save()
    with pytest.raises(Invalid, match="won"):
        _ask(deal)
    with pytest.raises(Invalid, match="won"):
        guidelines_give(deal=deal, by=manager, guidelines="Too late")


# Giving -------------------------------------------------------------------------------


def test_a_manager_answers_and_the_rep_is_told(
    deal, rep, manager, django_capture_on_commit_callbacks, mailoutbox
):
    asked = _ask(deal)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        given = guidelines_give(
            deal=deal, by=manager, guidelines="Volume first, then price.", answering=asked
        )
    assert given.pk == asked.pk
    assert (given.status, given.given_by, given.guidelines) == (
        GuidelineStatus.GIVEN,
        manager,
        "Volume first, then price.",
    )
    told = Notification.objects.get(kind="guidelines_given")
    assert (told.recipient, told.url) == (rep, f"/deals/{deal.pk}/#guidelines")
    assert [mail.to for mail in mailoutbox] == [[rep.email]]
    assert "gave guidelines" in mailoutbox[0].subject
    assert "Volume first, then price." in mailoutbox[0].body


def test_guidelines_nobody_asked_for_are_a_new_entry_beside_the_waiting_question(deal, manager):
    asked = _ask(deal)
    given = guidelines_give(deal=deal, by=manager, guidelines="Keep the warranty out of it.")
    assert given.pk != asked.pk
    asked.refresh_from_db()
    assert asked.is_asked
    assert given.questions == ""


def test_a_second_manager_answering_the_same_question_is_refused_and_nothing_is_overwritten(
    deal, world, manager
):
    deputy = UserFactory(username="deputy_manager")
    MembershipFactory(user=deputy, team=world.team, role=Role.MANAGER)
    asked = _ask(deal)
    guidelines_give(deal=deal, by=manager, guidelines="First answer.", answering=asked)
    with pytest.raises(Stale, match=f"{manager} answered this question while you were writing"):
        guidelines_give(deal=deal, by=deputy, guidelines="Second answer.", answering=asked)
    asked.refresh_from_db()
    assert (asked.guidelines, asked.given_by) == ("First answer.", manager)


def test_a_delegate_gives_guidelines_on_behalf_of_the_manager_away(deal, world, manager):
    deputy = UserFactory(username="deputy_manager")
    MembershipFactory(user=deputy, team=world.team, role=Role.MANAGER)
    today = timezone.localdate()
    ApprovalDelegationFactory(
        team=world.team, manager=manager, delegate=deputy, starts_on=today, ends_on=today + timedelta(days=3)
    )
    given = guidelines_give(deal=deal, by=deputy, guidelines="Hold the price.", answering=_ask(deal))
    assert (given.given_by, given.on_behalf_of) == (deputy, manager)
    assert "on behalf of" in deal.activities.get(verb="guidelines_given").summary


@pytest.mark.parametrize("who", ["rep", "production", "supply_chain", "finance", "outsider"])
def test_only_another_manager_gives_guidelines(deal, world, who):
    asked = _ask(deal)
    with pytest.raises(NotAllowed):
        guidelines_give(deal=deal, by=world.user(who), guidelines="Mine", answering=asked)
    asked.refresh_from_db()
    assert asked.is_asked


def test_a_manager_never_gives_guidelines_on_their_own_deal(world, manager):
    MembershipFactory(user=manager, team=world.team, role=Role.REP)
    MembershipFactory(user=UserFactory(username="deputy_manager"), team=world.team, role=Role.MANAGER)
    deal = DealFactory(team=world.team, owner=manager, customer=world.objects["customer"])
    with pytest.raises(NotAllowed, match="another manager gives"):
        guidelines_give(deal=deal, by=manager, guidelines="I approve myself")
    assert not Guideline.objects.exists()


def test_the_guidelines_are_required_and_bounded(deal, manager):
    asked = _ask(deal)
    with pytest.raises(Invalid, match="Write your guidelines"):
        guidelines_give(deal=deal, by=manager, guidelines=" ", answering=asked)
    with pytest.raises(Invalid, match="under 6,000"):
        guidelines_give(deal=deal, by=manager, guidelines="x" * 6001, answering=asked)
    asked.refresh_from_db()
    assert asked.is_asked


# The card: guidelines and the decision in one answer -----------------------------------


def test_the_manager_answers_the_question_and_approves_in_one_step(deal, rep, manager):
    asked = _ask(deal)
    _submit(deal)
    approval, given = boss_decide(
        deal=deal, by=manager, approve=True, guidelines="Go ahead; hold the walk-away.", answering=asked
    )
    assert approval.is_approved
    assert given.pk == asked.pk and given.is_given
    kinds = set(Notification.objects.filter(recipient=rep).values_list("kind", flat=True))
    assert {"guidelines_given", "briefing_approved"} <= kinds


def test_a_refused_decision_saves_no_guidelines_either(deal, manager):
    asked = _ask(deal)
    _submit(deal)
    with pytest.raises(Invalid, match="comment is required"):
        boss_decide(deal=deal, by=manager, approve=False, guidelines="Lower the discount.", answering=asked)
    asked.refresh_from_db()
    assert asked.is_asked
    assert not Approval.objects.exists()


def test_a_decision_without_guidelines_leaves_the_question_waiting(deal, manager):
    asked = _ask(deal)
    _submit(deal)
    approval, given = boss_decide(deal=deal, by=manager, approve=True)
    assert approval.is_approved and given is None
    asked.refresh_from_db()
    assert asked.is_asked


# The manager's queue -----------------------------------------------------------------


def test_a_question_puts_the_briefing_in_the_managers_queue_before_it_is_submitted(deal, world, manager):
    assert not approval_queue_briefings(user=manager).exists()
    asked = _ask(deal)
    (item,) = approval_queue_for(user=manager)
    assert (item.version, item.question) == (None, asked)
    _submit(deal)
    (item,) = approval_queue_for(user=manager)
    assert item.version.number == 1 and item.question == asked
    guidelines_give(deal=deal, by=manager, guidelines="Volume first.", answering=asked)
    (item,) = approval_queue_for(user=manager)
    assert item.question is None and [g.guidelines for g in item.given] == ["Volume first."]
    assert not approval_queue_briefings(user=world.members["rep"]).exists()


def test_the_queue_shows_the_longest_waiting_first(world, deal, rep, manager):
    second = DealFactory(team=world.team, owner=rep, customer=world.objects["customer"])
    MeetingFactory(deal=second)
    _submit(second)
    _ask(deal)
    BriefingVersion.objects.filter(briefing=second.briefing).update(
        submitted_at=timezone.now() - timedelta(hours=2)
    )
    assert [item.deal for item in approval_queue_for(user=manager)] == [second, deal]
    Guideline.objects.update(asked_at=timezone.now() - timedelta(hours=3))
    assert [item.deal for item in approval_queue_for(user=manager)] == [deal, second]


def test_a_question_on_a_closed_deal_leaves_the_queue(deal, manager):
    _ask(deal)
    deal.status = "lost"
    deal.save()
    assert not approval_queue_briefings(user=manager).exists()
