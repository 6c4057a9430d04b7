"""The finance policy is written once: the forms and the payments service refuse in the same words."""

from decimal import Decimal

import pytest

from deals.forms.payments import PaymentDecisionForm, PaymentRequestForm
from deals.models import FinancePolicy
from deals.services.payments import payment_request_decide, payment_request_submit
from negprep.errors import Invalid

REQUEST = {
    "net_days": 60,
    "deposit_pct": Decimal("20"),
    "instalments": 1,
    "early_payment_discount": False,
    "other_conditions": "",
    "customer_reason": "Their fiscal year starts in March",
    "justification": "Strategic account",
}


@pytest.fixture
def policy(world):
    return FinancePolicy.objects.create(
        team=world.team,
        standard_net_days=30,
        max_net_days=60,
        min_deposit_pct=Decimal("20"),
        max_instalments=2,
        early_payment_discount_allowed=False,
    )


@pytest.mark.parametrize(
    "counter, field",
    [
        ({"counter_net_days": 61}, "counter_net_days"),
        ({"counter_deposit_pct": Decimal("19.99")}, "counter_deposit_pct"),
        ({"counter_instalments": 3}, "counter_instalments"),
        ({"counter_early_payment_discount": True}, "counter_early_payment_discount"),
    ],
)
def test_the_decision_form_and_the_service_refuse_a_counter_in_the_same_words(
    policy, deal, rep, finance, counter, field
):
    terms = {"counter_net_days": 45, "counter_deposit_pct": Decimal("20"), **counter}
    form_data = {name: "yes" if value is True else str(value) for name, value in terms.items()}
    form = PaymentDecisionForm({"decision": "counter", "note": "Our offer", **form_data}, policy=policy)
    assert not form.is_valid()

    payment_request = payment_request_submit(deal=deal, by=rep, **REQUEST)
    with pytest.raises(Invalid) as refused:
        payment_request_decide(
            request=payment_request, by=finance, decision="counter", note="Our offer", **terms
        )

    assert form.errors[field] == refused.value.field_messages[field]


def test_the_request_form_and_the_service_ask_for_a_justification_in_the_same_words(policy, deal, rep):
    form = PaymentRequestForm({**REQUEST, "justification": ""}, policy=policy)
    assert not form.is_valid()

    with pytest.raises(Invalid) as refused:
        payment_request_submit(deal=deal, by=rep, **{**REQUEST, "justification": ""})

    assert form.errors["justification"] == refused.value.field_messages["justification"]
    assert "60 net days exceed the standard 30" in form.errors["justification"][0]
