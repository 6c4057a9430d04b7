from decimal import Decimal

import pytest

from deals.domain.payment_policy import policy_breaches
from deals.domain.readiness import NOT_NEEDED, WAITING
from deals.models import (
    Activity,
    Briefing,
    BriefingStatus,
    Deal,
    DealStatus,
    FinancePolicy,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.selectors.consultations import consultations_asked_of
from deals.selectors.payments import approved_payment_terms, payment_queue_for
from deals.selectors.readiness import readiness_for_deal
from deals.services.briefings import briefing_save
from deals.services.payments import payment_request_decide, payment_request_submit
from deals.services.required_consultations import consultations_derive
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import Notification, Role
from tests.deals.briefing_helpers import PITCH, approve_briefing, fill_briefing
from tests.factories import (
    DealFactory,
    FinancePolicyFactory,
    MembershipFactory,
    PaymentTermRequestFactory,
    UserFactory,
)

WITHIN = {
    "net_days": 30,
    "deposit_pct": Decimal("20"),
    "instalments": 2,
    "early_payment_discount": False,
    "other_conditions": "",
    "customer_reason": "Their fiscal year starts in March",
    "justification": "",
}
OUTSIDE = {
    **WITHIN,
    "net_days": 60,
    "deposit_pct": Decimal("0"),
    "justification": "Strategic account, always paid on time",
}


@pytest.fixture
def policy(world):
    return FinancePolicyFactory(
        team=world.team,
        standard_net_days=30,
        max_net_days=60,
        min_deposit_pct=Decimal("20"),
        max_instalments=2,
        early_payment_discount_allowed=False,
    )


def _submit(deal, rep, **overrides):
    return payment_request_submit(deal=deal, by=rep, **{**OUTSIDE, **overrides})


def _breaches(policy, **terms):
    values = {"net_days": 30, "deposit_pct": Decimal("20"), "instalments": 2, "early_payment_discount": False}
    return policy_breaches(policy=policy, **{**values, **terms})


# The policy check -----------------------------------------------------------------


def test_terms_exactly_at_every_limit_are_within_policy(policy):
    assert _breaches(policy) == []


@pytest.mark.parametrize(
    "terms, reason",
    [
        ({"net_days": 31}, "31 net days exceed the standard 30"),
        ({"deposit_pct": Decimal("19.99")}, "deposit 19.99 % is below the minimum 20 %"),
        ({"instalments": 3}, "3 instalments exceed the maximum 2"),
        ({"early_payment_discount": True}, "early-payment discount is not allowed"),
    ],
)
def test_one_step_past_a_limit_is_outside_policy(policy, terms, reason):
    assert _breaches(policy, **terms) == [reason]


def test_it_names_every_term_outside_policy(policy):
    assert _breaches(
        policy, net_days=60, deposit_pct=Decimal("0"), instalments=4, early_payment_discount=True
    ) == [
        "60 net days exceed the standard 30",
        "deposit 0 % is below the minimum 20 %",
        "4 instalments exceed the maximum 2",
        "early-payment discount is not allowed",
    ]


def test_an_allowed_early_payment_discount_is_within_policy(policy):
    policy.early_payment_discount_allowed = True
    assert _breaches(policy, early_payment_discount=True) == []


def test_a_team_without_a_policy_gets_the_default_one_on_first_use(world, deal, rep):
    assert not FinancePolicy.objects.filter(team=world.team).exists()
    payment_request = _submit(deal, rep, **{**WITHIN, "deposit_pct": Decimal("0"), "instalments": 1})
    policy = FinancePolicy.objects.get(team=world.team)
    assert (policy.standard_net_days, policy.max_net_days, policy.max_instalments) == (30, 90, 1)
    assert policy.min_deposit_pct == Decimal("0")
    payment_request.refresh_from_db()
    assert payment_request.auto_approved


# Submitting ------------------------------------------------------------------------


def test_it_approves_a_request_within_policy_automatically(policy, deal, rep):
    payment_request = _submit(deal, rep, **WITHIN)
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.APPROVED
    assert payment_request.auto_approved
    assert not payment_request.outside_policy
    assert payment_request.policy_breaches == []
    assert payment_request.decided_at is not None
    assert payment_request.reviewer is None
    assert not Notification.objects.filter(kind="payment_request_submitted").exists()
    assert Activity.objects.filter(deal=deal, verb="payment_terms_approved").exists()


def test_an_automatic_approval_becomes_the_briefings_payment_terms(policy, deal, rep):
    before = Briefing.objects.get(deal=deal).revision
    _submit(deal, rep, **WITHIN)
    briefing = Briefing.objects.get(deal=deal)
    assert briefing.payment_terms == (
        "30 days net, 20 % deposit, 2 instalments — within the finance policy (approved automatically)"
    )
    assert briefing.revision == before + 1


def test_it_sends_a_request_outside_policy_to_finance(policy, deal, rep, finance, world):
    payment_request = _submit(deal, rep)
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.outside_policy
    assert not payment_request.auto_approved
    assert payment_request.policy_breaches == [
        "60 net days exceed the standard 30",
        "deposit 0 % is below the minimum 20 %",
    ]
    notification = Notification.objects.get(kind="payment_request_submitted")
    assert notification.recipient == finance
    assert notification.url == f"/deals/payment-terms/{payment_request.pk}/"
    assert "decide on 60 days net, no deposit" in notification.title
    assert " by " in notification.title  # the next meeting's start
    assert "60 net days exceed the standard 30" in notification.email_text
    assert Briefing.objects.get(deal=deal).payment_terms == ""


def test_it_notifies_no_one_outside_the_finance_role(policy, deal, rep, world):
    _submit(deal, rep)
    recipients = set(
        Notification.objects.filter(kind="payment_request_submitted").values_list("recipient", flat=True)
    )
    assert recipients == {world.members[Role.FINANCE].pk}


def test_a_request_outside_policy_needs_a_justification(policy, deal, rep):
    with pytest.raises(Invalid, match="60 net days exceed the standard 30"):
        _submit(deal, rep, justification="  ")
    assert not PaymentTermRequest.objects.filter(deal=deal).exists()
    assert not Notification.objects.exists()


def test_a_request_within_policy_needs_no_justification(policy, deal, rep):
    payment_request = _submit(deal, rep, **WITHIN)
    assert payment_request.justification == ""


@pytest.mark.parametrize(
    "terms, message",
    [
        ({"net_days": 99_999_999_999_999}, "Net days must be between 0 and 365"),
        ({"net_days": 366}, "Net days must be between 0 and 365"),
        ({"net_days": -1}, "Net days must be between 0 and 365"),
        ({"instalments": 99_999_999_999_999}, "Instalments must be between 1 and 60"),
        ({"instalments": 61}, "Instalments must be between 1 and 60"),
        ({"instalments": 0}, "Instalments must be between 1 and 60"),
        ({"deposit_pct": Decimal("100.01")}, "between 0 and 100 %"),
        ({"deposit_pct": Decimal("-0.01")}, "between 0 and 100 %"),
        ({"deposit_pct": Decimal("12.345")}, "at most two decimals"),
        ({"deposit_pct": Decimal("NaN")}, "between 0 and 100 %"),
        ({"deposit_pct": "lots"}, "between 0 and 100 %"),
    ],
)
def test_it_refuses_terms_beyond_any_sensible_bound_and_tells_no_one(
    policy, deal, rep, finance, terms, message
):
    with pytest.raises(Invalid, match=message):
        _submit(deal, rep, **terms)
    assert not PaymentTermRequest.objects.exists()
    assert not Notification.objects.filter(kind="payment_request_submitted").exists()
    assert not Activity.objects.filter(deal=deal, verb__startswith="payment_terms").exists()


def test_terms_at_the_bounds_still_go_to_finance(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, net_days=365, instalments=60, deposit_pct=Decimal("100"))
    assert payment_request.status == PaymentTermStatus.SUBMITTED


def test_a_request_beyond_the_most_finance_may_grant_says_so(policy):
    assert _breaches(policy, net_days=61) == [
        "61 net days exceed the standard 30 and the most finance may grant (60)"
    ]


def test_it_refuses_a_second_request_while_one_is_pending(policy, deal, rep):
    _submit(deal, rep)
    with pytest.raises(Invalid, match="already waiting for finance"):
        _submit(deal, rep, **WITHIN)
    assert PaymentTermRequest.objects.filter(deal=deal).count() == 1


def test_a_new_request_is_possible_once_finance_decided(policy, deal, rep, finance):
    first = _submit(deal, rep)
    payment_request_decide(request=first, by=finance, decision="reject", note="Not for this customer")
    second = _submit(deal, rep, **WITHIN)
    assert second.status == PaymentTermStatus.APPROVED


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE, Role.PRODUCTION])
def test_only_the_owner_requests_payment_terms(policy, deal, world, role):
    with pytest.raises(NotAllowed):
        _submit(deal, world.members[role])
    assert not PaymentTermRequest.objects.exists()


def test_it_refuses_a_request_on_a_closed_deal(policy, deal, rep):
    deal.status = DealStatus.LOST
    deal.save()
    with pytest.raises(Invalid, match="lost"):
        _submit(deal, rep, **WITHIN)
    assert not PaymentTermRequest.objects.exists()


def test_it_refuses_a_request_outside_policy_when_the_team_has_no_finance(policy, deal, rep, finance):
    finance.memberships.all().delete()
    with pytest.raises(Invalid, match="no finance member"):
        _submit(deal, rep)
    assert not PaymentTermRequest.objects.exists()


# Readiness item 5 ----------------------------------------------------------------------


def test_a_pending_request_waits_for_finance_until_it_decides(policy, deal, rep, finance):
    assert readiness_for_deal(deal).checks["payment_terms"].state == NOT_NEEDED
    payment_request = _submit(deal, rep)
    assert readiness_for_deal(deal).checks["payment_terms"].state == WAITING
    payment_request_decide(request=payment_request, by=finance, decision="reject", note="Too risky")
    assert readiness_for_deal(deal).checks["payment_terms"].done


def test_an_automatic_approval_leaves_readiness_item_5_done(policy, deal, rep):
    _submit(deal, rep, **WITHIN)
    assert readiness_for_deal(deal).checks["payment_terms"].done


def test_the_request_is_finances_one_item_for_the_deal_no_consultation_beside_it(policy, deal, rep, finance):
    Deal.objects.filter(pk=deal.pk).update(special_payment_terms=True)
    deal.refresh_from_db()
    consultations_derive(deal=deal)
    payment_request = _submit(deal, rep)
    assert not deal.consultations.exists()
    assert consultations_asked_of(user=finance).count() == 0
    assert [item.request for item in payment_queue_for(user=finance)] == [payment_request]
    payment_request_decide(request=payment_request, by=finance, decision="approve", note="Fine")
    assert not deal.consultations.exists()


# Deciding --------------------------------------------------------------------------------


def test_finance_approves_a_request_and_its_terms_become_the_briefings_limit(policy, deal, rep, finance):
    payment_request = _submit(deal, rep)
    revision = Briefing.objects.get(deal=deal).revision
    payment_request_decide(request=payment_request, by=finance, decision="approve", note="Good customer")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.APPROVED
    assert payment_request.reviewer == finance
    assert payment_request.decision_note == "Good customer"
    assert payment_request.decided_at is not None
    assert not payment_request.auto_approved
    briefing = Briefing.objects.get(deal=deal)
    assert (
        briefing.payment_terms == f"60 days net, no deposit, 2 instalments — approved by finance ({finance})"
    )
    assert briefing.revision == revision + 1
    entry = Activity.objects.get(deal=deal, verb="payment_terms_approved")
    assert entry.changes["Payment terms we may offer"]["new"] == briefing.payment_terms


def test_finance_counters_with_their_own_terms(policy, deal, rep, finance):
    payment_request = _submit(deal, rep)
    payment_request_decide(
        request=payment_request,
        by=finance,
        decision="counter",
        note="45 days is what we can carry",
        counter_net_days=45,
        counter_deposit_pct=Decimal("25"),
        counter_conditions="Retention of title until paid",
    )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.COUNTERED
    assert payment_request.counter_net_days == 45
    assert payment_request.counter_deposit_pct == Decimal("25")
    assert payment_request.counter_instalments == 2  # as requested
    assert Briefing.objects.get(deal=deal).payment_terms == (
        "45 days net, 25 % deposit, 2 instalments; Retention of title until paid "
        f"— countered by finance ({finance})"
    )
    assert approved_payment_terms(deal=deal) == payment_request


def test_a_rejection_leaves_the_briefing_alone(policy, deal, rep, finance):
    payment_request = _submit(deal, rep)
    before = Briefing.objects.get(deal=deal)
    payment_request_decide(request=payment_request, by=finance, decision="reject", note="Too risky")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.REJECTED
    after = Briefing.objects.get(deal=deal)
    assert (after.payment_terms, after.revision) == (before.payment_terms, before.revision)
    assert approved_payment_terms(deal=deal) is None


def test_the_rep_is_notified_of_the_decision(policy, deal, rep, finance):
    payment_request = _submit(deal, rep)
    payment_request_decide(
        request=payment_request,
        by=finance,
        decision="counter",
        note="Meet halfway",
        counter_net_days=45,
        counter_deposit_pct=Decimal("20"),
    )
    notification = Notification.objects.get(kind="payment_request_decided")
    assert notification.recipient == rep
    assert notification.url == f"/deals/{deal.pk}/#payment-terms"
    assert "countered" in notification.title
    assert "45 days net" in notification.title
    assert "Meet halfway" in notification.email_text


@pytest.mark.parametrize("decision", ["approve", "counter", "reject"])
def test_every_decision_needs_a_note(policy, deal, rep, finance, decision):
    payment_request = _submit(deal, rep)
    with pytest.raises(Invalid, match="note"):
        payment_request_decide(
            request=payment_request, by=finance, decision=decision, note="  ", counter_net_days=45
        )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.reviewer is None


def test_a_counter_offer_needs_net_days(policy, deal, rep, finance):
    payment_request = _submit(deal, rep)
    with pytest.raises(Invalid, match="net days"):
        payment_request_decide(request=payment_request, by=finance, decision="counter", note="Less")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED


def test_finance_cannot_counter_beyond_the_most_net_days_it_may_grant(policy, deal, rep, finance):
    payment_request = _submit(deal, rep)
    with pytest.raises(Invalid, match="61 net days exceed the most finance may grant"):
        payment_request_decide(
            request=payment_request, by=finance, decision="counter", note="Long", counter_net_days=61
        )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.counter_net_days is None


def test_finance_may_counter_with_exactly_the_most_net_days(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, net_days=75)
    payment_request_decide(
        request=payment_request,
        by=finance,
        decision="counter",
        note="The most we do",
        counter_net_days=60,
        counter_deposit_pct=Decimal("20"),
    )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.COUNTERED


def test_finance_cannot_approve_more_net_days_than_it_may_grant(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, net_days=61)
    with pytest.raises(Invalid, match="Counter with 60 days or fewer"):
        payment_request_decide(request=payment_request, by=finance, decision="approve", note="OK")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert Briefing.objects.get(deal=deal).payment_terms == ""


def test_finance_may_approve_exactly_the_most_net_days(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, net_days=60)
    payment_request_decide(request=payment_request, by=finance, decision="approve", note="OK")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.APPROVED


def _counter(payment_request, finance, **terms):
    return payment_request_decide(
        request=payment_request, by=finance, decision="counter", note="Our offer", **terms
    )


def _unchanged(payment_request, deal):
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.reviewer is None
    assert (payment_request.counter_net_days, payment_request.counter_instalments) == (None, None)
    assert payment_request.counter_deposit_pct is None
    assert Briefing.objects.get(deal=deal).payment_terms == ""
    assert not Notification.objects.filter(kind="payment_request_decided").exists()


@pytest.mark.parametrize(
    "terms, message",
    [
        (
            {"counter_instalments": 3, "counter_deposit_pct": Decimal("20")},
            "3 instalments exceed the policy's maximum of 2 instalments",
        ),
        (
            {"counter_instalments": 99_999_999_999_999, "counter_deposit_pct": Decimal("20")},
            "Instalments must be between 1 and 60",
        ),
        ({"counter_deposit_pct": Decimal("19.99")}, "below the policy's minimum deposit of 20 %"),
        ({"counter_deposit_pct": Decimal("0")}, "below the policy's minimum deposit of 20 %"),
        ({"counter_deposit_pct": Decimal("100.5")}, "between 0 and 100 %"),
        ({"counter_net_days": 99_999_999_999_999}, "Net days must be between 0 and 365"),
    ],
)
def test_a_counter_offer_keeps_to_every_limit_of_the_policy(policy, deal, rep, finance, terms, message):
    payment_request = _submit(deal, rep)
    with pytest.raises(Invalid, match=message):
        _counter(payment_request, finance, **{"counter_net_days": 45, **terms})
    _unchanged(payment_request, deal)


def test_a_counter_keeping_a_requested_deposit_below_the_minimum_is_refused(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, deposit_pct=Decimal("5"))
    with pytest.raises(Invalid, match=r"5 % \(as requested\) is below the policy's minimum deposit of 20 %"):
        _counter(payment_request, finance, counter_net_days=45)
    _unchanged(payment_request, deal)


def test_a_counter_keeping_requested_instalments_above_the_maximum_is_refused(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, instalments=4)
    with pytest.raises(Invalid, match=r"4 instalments \(as requested\) exceed the policy's maximum of 2"):
        _counter(payment_request, finance, counter_net_days=45, counter_deposit_pct=Decimal("20"))
    _unchanged(payment_request, deal)


def test_a_counter_exactly_at_the_policy_limits_is_accepted(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, instalments=4)
    _counter(
        payment_request,
        finance,
        counter_net_days=60,
        counter_deposit_pct=Decimal("20"),
        counter_instalments=2,
    )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.COUNTERED
    assert (payment_request.counter_deposit_pct, payment_request.counter_instalments) == (Decimal("20"), 2)


def test_finance_may_still_approve_a_deposit_and_instalments_outside_policy_after_review(
    policy, deal, rep, finance
):
    # Such requests go to finance precisely so that finance can grant them; only net days have a ceiling.
    payment_request = _submit(deal, rep, deposit_pct=Decimal("0"), instalments=4)
    payment_request_decide(request=payment_request, by=finance, decision="approve", note="Trusted customer")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.APPROVED


def test_finance_cannot_approve_an_old_request_beyond_any_sensible_bound(policy, deal, rep, finance):
    payment_request = PaymentTermRequestFactory(
        deal=deal,
        requested_by=rep,
        net_days=45,
        instalments=2_000_000_000,
        customer_reason="Typed before the bounds existed",
        outside_policy=True,
    )
    with pytest.raises(Invalid, match="Instalments must be between 1 and 60"):
        payment_request_decide(request=payment_request, by=finance, decision="approve", note="OK")
    _unchanged(payment_request, deal)


@pytest.mark.parametrize("who", ["rep", "manager", "production", "supply_chain", "outsider", "staff"])
def test_only_finance_of_the_team_decides(policy, deal, rep, world, who):
    payment_request = _submit(deal, rep)
    with pytest.raises(NotAllowed):
        payment_request_decide(request=payment_request, by=world.user(who), decision="approve", note="Fine")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.reviewer is None
    assert Briefing.objects.get(deal=deal).payment_terms == ""
    assert not Notification.objects.filter(kind="payment_request_decided").exists()


def test_finance_of_another_team_cannot_decide(policy, deal, rep, world):
    other_finance = UserFactory()
    MembershipFactory(user=other_finance, team=world.other_team, role=Role.FINANCE)
    payment_request = _submit(deal, rep)
    with pytest.raises(NotAllowed):
        payment_request_decide(request=payment_request, by=other_finance, decision="approve", note="Fine")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED


def test_finance_does_not_decide_on_its_own_request(policy, world, finance):
    MembershipFactory(user=finance, team=world.team, role=Role.REP)
    own_deal = DealFactory(team=world.team, owner=finance)
    second_finance = UserFactory()
    MembershipFactory(user=second_finance, team=world.team, role=Role.FINANCE)
    payment_request = _submit(own_deal, finance)
    with pytest.raises(NotAllowed, match="another finance member"):
        payment_request_decide(request=payment_request, by=finance, decision="approve", note="Mine")
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert set(
        Notification.objects.filter(kind="payment_request_submitted").values_list("recipient", flat=True)
    ) == {second_finance.pk}


def test_a_decided_request_cannot_be_decided_again(policy, deal, rep, finance):
    payment_request = _submit(deal, rep)
    payment_request_decide(request=payment_request, by=finance, decision="reject", note="No")
    with pytest.raises(Invalid, match="already rejected"):
        payment_request_decide(
            request=payment_request, by=finance, decision="approve", note="Changed my mind"
        )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.REJECTED
    assert payment_request.decision_note == "No"


# The briefing ---------------------------------------------------------------------------


def test_an_editor_who_loaded_the_briefing_before_finance_decided_gets_the_stale_message(
    policy, deal, rep, finance
):
    payment_request = _submit(deal, rep)
    loaded = Briefing.objects.get(deal=deal).revision
    payment_request_decide(request=payment_request, by=finance, decision="approve", note="OK")
    with pytest.raises(Stale):
        briefing_save(
            briefing=deal.briefing,
            by=rep,
            revision=loaded,
            fields={"payment_terms": "90 days net"},
            pitch_points=PITCH,
            objections=[],
            concessions=[],
        )
    assert Briefing.objects.get(deal=deal).payment_terms.startswith("60 days net")


def test_terms_finance_grants_after_approval_keep_the_limits_approved(policy, deal, rep, finance, manager):
    approve_briefing(deal, rep, manager)
    assert readiness_for_deal(deal).checks["limits"]
    payment_request = _submit(deal, rep)
    payment_request_decide(request=payment_request, by=finance, decision="approve", note="OK")
    briefing = Briefing.objects.get(deal=deal)
    assert briefing.status == BriefingStatus.APPROVED
    assert "approved by finance" in briefing.payment_terms
    # Payment terms are finance's to grant: no new round with the manager.
    assert readiness_for_deal(deal).checks["limits"].done
    assert readiness_for_deal(deal).checks["payment_terms"].done


def test_payment_terms_the_rep_types_over_finances_still_need_approval(policy, deal, rep, finance, manager):
    approve_briefing(deal, rep, manager)
    payment_request_decide(request=_submit(deal, rep), by=finance, decision="approve", note="OK")
    fill_briefing(deal.briefing, rep, payment_terms="120 days net")
    assert not readiness_for_deal(deal).checks["limits"].done


def test_the_latest_granted_terms_are_the_ones_in_force(policy, deal, rep, finance):
    first = _submit(deal, rep, **WITHIN)
    second = _submit(deal, rep)
    assert approved_payment_terms(deal=deal) == first
    payment_request_decide(
        request=second, by=finance, decision="counter", note="OK", counter_net_days=40, counter_deposit_pct=20
    )
    assert approved_payment_terms(deal=deal) == second


# The queue ---------------------------------------------------------------------------------


def test_the_queue_holds_pending_requests_of_the_finance_teams_oldest_first(
    policy, world, deal, rep, finance
):
    second_deal = DealFactory(team=world.team, owner=rep)
    first = _submit(deal, rep)
    second = _submit(second_deal, rep, net_days=45)
    _submit(DealFactory(team=world.team, owner=rep), rep, **WITHIN)
    other_rep = UserFactory()
    MembershipFactory(user=other_rep, team=world.other_team, role=Role.REP)
    MembershipFactory(user=UserFactory(), team=world.other_team, role=Role.FINANCE)
    _submit(DealFactory(team=world.other_team, owner=other_rep), other_rep)

    queue = payment_queue_for(user=finance)
    assert [item.request for item in queue] == [first, second]
    assert queue[0].breached == {"net_days", "deposit_pct"}
    assert queue[0].policy == policy
    assert queue[0].due is not None
    assert payment_queue_for(user=world.members[Role.MANAGER]) == []
    assert payment_queue_for(user=rep) == []


# The early-payment discount in a counter-offer --------------------------------------


def test_a_counter_cannot_keep_an_early_payment_discount_the_policy_forbids(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, early_payment_discount=True)
    with pytest.raises(Invalid, match="allows no early-payment discount"):
        payment_request_decide(
            request=payment_request,
            by=finance,
            decision="counter",
            note="45 days",
            counter_net_days=45,
            counter_deposit_pct=Decimal("20"),
        )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED


def test_a_counter_leaves_the_early_payment_discount_out(policy, deal, rep, finance):
    payment_request = _submit(deal, rep, early_payment_discount=True)
    decided = payment_request_decide(
        request=payment_request,
        by=finance,
        decision="counter",
        note="45 days, no skonto",
        counter_net_days=45,
        counter_deposit_pct=Decimal("20"),
        counter_early_payment_discount=False,
    )
    assert decided.counter_early_payment_discount is False
    assert "discount" not in Briefing.objects.get(deal=deal).payment_terms.split("—")[0].lower()


def test_finances_queue_leaves_out_the_requests_of_archived_deals(policy, deal, rep, finance):
    from django.utils import timezone

    from deals.models import Deal, DealStatus
    from deals.selectors.payments import payment_requests_waiting_for

    _submit(deal, rep)
    assert list(payment_requests_waiting_for(user=finance)) != []
    Deal.objects.filter(pk=deal.pk).update(
        status=DealStatus.LOST, closed_at=timezone.now(), archived_at=timezone.now()
    )
    assert list(payment_requests_waiting_for(user=finance)) == []
