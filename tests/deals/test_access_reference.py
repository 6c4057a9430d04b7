"""``deals.access`` against the access rules written out plainly (tests/deals/access_world.py),
on random worlds: every user, every deal, every gate and predicate."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from deals import access
from deals.models import Consultation, ConsultationStatus, Deal
from teams.models import Role, User
from tests.deals import access_world as reference

SEEDS = [1, 2, 3, 4]


def _outcome(gate, **kwargs) -> str:
    """What a gate answers: the object (200), 404 or 403."""
    try:
        gate(**kwargs)
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    return "200"


def _expected(visible: bool, allowed: bool) -> str:
    return "200" if visible and allowed else "403" if visible else "404"


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS)
def test_deals_for_user_is_the_reference_rule_for_every_user(seed):
    people, rows = reference.build_world(seed)
    for person in people:
        # A fresh object per user, as every request loads one.
        user = User.objects.get(pk=person.pk)
        expected = {deal for deal in rows.deals if reference.may_see(rows, user.pk, deal)}
        assert set(access.deals_for_user(user=user).values_list("pk", flat=True)) == expected, user
        assert access.deals_for_user(user=user).count() == len(expected)


def _check(gate, user: User, pk: int, visible: bool, allowed: bool = True):
    """The gate answers 404 to whoever may not see, 403 to whoever sees but may not, else the object."""
    assert _outcome(gate, user=user, pk=pk) == _expected(visible, allowed), (gate.__name__, user.username, pk)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_every_gate_and_predicate_is_the_reference_rule(seed):
    people, rows = reference.build_world(seed, users=8, deals=12)
    deals = {deal.pk: deal for deal in Deal.objects.all()}
    consultations = {c.pk: c for c in Consultation.objects.select_related("deal")}
    for person in people:
        user = User.objects.get(pk=person.pk)
        for deal_id, deal in deals.items():
            visible = reference.may_see(rows, user.pk, deal_id)
            editable = reference.may_edit(rows, user.pk, deal_id)
            decides = reference.another_manager(rows, user.pk, deal_id)
            roles = reference.roles_in(rows, user.pk, deal.team_id)
            where = (user.username, deal_id)
            _check(access.deal_for_user, user, deal_id, visible)
            _check(access.deal_for_owner, user, deal_id, visible, editable)
            assert access.can_edit_deal(user=user, deal=deal) == editable, where
            assert access.sees_whole_deal(user=user, deal=deal) == reference.sees_all_of(
                rows, user.pk, deal_id
            )
            assert access.can_decide_briefing(user=user, deal=deal) == decides, where
            assert access.can_waive_consultation(user=user, deal=deal) == decides, where
            # The boss's thread: the owner asks, whoever decides on the briefing gives guidelines.
            assert access.can_ask_guidelines(user=user, deal=deal) == editable, where
            assert access.can_give_guidelines(user=user, deal=deal) == decides, where
            _check(access.deal_for_guidelines, user, deal_id, visible, decides)
            assert access.is_manager(user=user, team_id=deal.team_id) == (Role.MANAGER in roles), where
            assert access.is_finance(user=user, team_id=deal.team_id) == (Role.FINANCE in roles), where
        for meeting_id, deal_id in rows.meetings.items():
            visible = reference.may_see(rows, user.pk, deal_id)
            _check(
                access.meeting_for_owner,
                user,
                meeting_id,
                visible,
                reference.may_edit(rows, user.pk, deal_id),
            )
        for row in rows.consultations:
            consultation_id, deal_id = row[0], row[1]
            visible = reference.may_see(rows, user.pk, deal_id)
            answers = reference.may_answer(rows, user.pk, row)
            _check(access.consultation_for_answer, user, consultation_id, visible, answers)
            consultation = consultations[consultation_id]
            assert access.can_answer_consultation(user=user, consultation=consultation) == answers, row
        for request_id, deal_id in rows.payment_requests.items():
            visible = reference.may_see(rows, user.pk, deal_id)
            finance = Role.FINANCE in reference.roles_in(rows, user.pk, rows.deals[deal_id][0])
            _check(access.payment_request_for_finance, user, request_id, visible, finance)


@pytest.mark.django_db
def test_the_reference_world_has_every_kind_of_visibility():
    """The random worlds are rich enough: each rule lets someone see a deal nobody else's rule would."""
    people, rows = reference.build_world(SEEDS[0])
    reasons = set()
    for person in people:
        for deal_id, (team, owner) in rows.deals.items():
            roles = reference.roles_in(rows, person.pk, team)
            if not reference.may_see(rows, person.pk, deal_id) or Role.MANAGER in roles:
                continue
            if owner == person.pk and Role.REP in roles:
                reasons.add("owner")
            elif Role.FINANCE in roles and deal_id in rows.payment_deals:
                reasons.add("payment request")
            else:
                reasons.add("consultation or meeting")
    assert reasons == {"owner", "payment request", "consultation or meeting"}
    assert {status for *_, status, _ in rows.consultations} == set(ConsultationStatus.values)


@pytest.mark.django_db
def test_rows_among_no_deals_are_none_rather_than_an_error():
    """A user in no team has no deals: a query among them matches nothing (it used to be invalid SQL)."""
    from deals.access import among_deals
    from deals.models import Consultation, Deal
    from tests.factories import ConsultationFactory

    ConsultationFactory()
    assert list(Consultation.objects.filter(among_deals(Deal.objects.none()))) == []
