from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.models import Briefing, FinancePolicy, PaymentTermRequest, PaymentTermStatus
from deals.selectors.home import HOME_PANEL_ROWS
from deals.services.payment_changes import payment_request_update
from deals.services.payments import payment_request_decide, payment_request_submit
from negprep.errors import Invalid
from teams.models import Notification, Role
from tests.factories import DealFactory, FinancePolicyFactory, MembershipFactory
from tests.stale import revision_in, two_clients

OUTSIDE = {
    "net_days": "60",
    "deposit_pct": "0",
    "instalments": "1",
    "other_conditions": "",
    "customer_reason": "Budget released after the summer",
    "justification": "Strategic account",
}


@pytest.fixture
def policy(world):
    return FinancePolicyFactory(
        team=world.team,
        standard_net_days=30,
        max_net_days=60,
        min_deposit_pct=Decimal("10"),
        max_instalments=3,
        early_payment_discount_allowed=True,
    )


def _pending(deal, rep, net_days=60):
    return payment_request_submit(
        deal=deal,
        by=rep,
        net_days=net_days,
        deposit_pct=Decimal("0"),
        instalments=1,
        early_payment_discount=False,
        other_conditions="",
        customer_reason="Budget released after the summer",
        justification="Strategic account",
    )


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# The rep's request form --------------------------------------------------------------


def test_the_form_shows_the_teams_policy_beside_it(client, rep, deal, policy):
    client.force_login(rep)
    response = client.get(reverse("deals:payment_request_new", args=[deal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="finance-policy"' in html
    assert "Most net days finance may grant" in html
    assert "Within the finance policy: approved automatically" in html
    assert response.context["form"]["net_days"].value() == 30


def test_a_request_within_policy_is_approved_at_once(client, rep, deal, meeting, policy):
    client.force_login(rep)
    data = {**OUTSIDE, "net_days": "30", "deposit_pct": "10", "justification": ""}
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), data)
    assert response.status_code == 302
    # Nobody on call for the next meeting yet: on to that step (tests/deals/test_views_next_step.py).
    assert response["Location"] == reverse("deals:on_call_new", args=[meeting.pk])
    assert "approved automatically" in _messages(response)[0]
    payment_request = PaymentTermRequest.objects.get(deal=deal)
    assert payment_request.status == PaymentTermStatus.APPROVED
    assert payment_request.auto_approved


def test_the_form_says_which_part_is_outside_policy_and_requires_a_justification(client, rep, deal, policy):
    client.force_login(rep)
    data = {**OUTSIDE, "justification": ""}
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), data)
    assert response.status_code == 400
    errors = response.context["form"].errors["justification"][0]
    assert "60 net days exceed the standard 30" in errors
    assert "deposit 0 % is below the minimum 10 %" in errors
    html = response.content.decode()
    assert html.count('data-testid="policy-breach"') == 2
    assert not PaymentTermRequest.objects.exists()


def test_a_request_outside_policy_goes_to_finance(client, rep, deal, policy):
    client.force_login(rep)
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), OUTSIDE)
    assert response.status_code == 302
    assert "Sent to finance" in _messages(response)[0]
    payment_request = PaymentTermRequest.objects.get(deal=deal)
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.justification == "Strategic account"


def test_posted_status_approval_and_reviewer_are_ignored(client, rep, deal, policy, finance):
    client.force_login(rep)
    data = {**OUTSIDE, "status": "approved", "auto_approved": "on", "reviewer": str(finance.pk)}
    client.post(reverse("deals:payment_request_new", args=[deal.pk]), data)
    payment_request = PaymentTermRequest.objects.get(deal=deal)
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert not payment_request.auto_approved
    assert payment_request.reviewer is None


def test_bad_numbers_give_field_errors_not_a_server_error(client, rep, deal, policy):
    client.force_login(rep)
    data = {**OUTSIDE, "net_days": "-5", "deposit_pct": "120", "instalments": "0", "customer_reason": ""}
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {
        "net_days",
        "deposit_pct",
        "instalments",
        "customer_reason",
    }
    assert not PaymentTermRequest.objects.exists()


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("net_days", "99999999999999", "Net days are at most 365 (one year)."),
        ("net_days", "366", "Net days are at most 365 (one year)."),
        ("instalments", "99999999999999", "At most 60 instalments."),
        ("instalments", "61", "At most 60 instalments."),
        ("deposit_pct", "100.01", "The deposit is at most 100 %."),
    ],
)
def test_terms_beyond_any_sensible_bound_get_a_clear_field_error(
    client, rep, deal, policy, finance, field, value, error
):
    client.force_login(rep)
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), {**OUTSIDE, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert error in response.content.decode()
    assert not PaymentTermRequest.objects.exists()


def test_the_form_names_the_policy_limits_beside_each_term(client, rep, deal, policy):
    client.force_login(rep)
    response = client.get(reverse("deals:payment_request_new", args=[deal.pk]))
    form = response.context["form"]
    assert "Standard 30; finance may grant up to 60." in form["net_days"].help_text
    assert "Policy minimum: 10 %." in form["deposit_pct"].help_text
    assert "Policy maximum: 3." in form["instalments"].help_text
    html = response.content.decode()
    for text in ("finance may grant up to 60", "Policy minimum: 10 %", "Policy maximum: 3"):
        assert text in html
    assert 'max="365"' in html
    assert 'max="60"' in html


def test_the_live_check_says_when_finance_cannot_grant_the_net_days_at_all(client, rep, deal, policy):
    client.force_login(rep)
    query = {"net_days": "75", "deposit_pct": "10", "instalments": "1"}
    response = client.get(reverse("deals:payment_request_check", args=[deal.pk]), query)
    assert (
        "75 net days exceed the standard 30 and the most finance may grant (60)" in response.content.decode()
    )


def test_the_live_check_treats_absurd_numbers_as_incomplete(client, rep, deal, policy):
    client.force_login(rep)
    query = {"net_days": "99999999999999", "deposit_pct": "10", "instalments": "1"}
    response = client.get(reverse("deals:payment_request_check", args=[deal.pk]), query)
    assert response.status_code == 200
    assert "Enter net days, deposit and instalments" in response.content.decode()


def test_the_form_sends_the_rep_back_while_a_request_is_pending(client, rep, deal, policy):
    _pending(deal, rep)
    client.force_login(rep)
    response = client.post(
        reverse("deals:payment_request_new", args=[deal.pk]), {**OUTSIDE, "net_days": "45"}
    )
    assert response.status_code == 302
    assert "already waiting for finance" in _messages(response)[0]
    assert PaymentTermRequest.objects.count() == 1


def test_a_manager_may_not_request_terms_on_the_reps_deal(client, manager, deal, policy):
    client.force_login(manager)
    response = client.post(reverse("deals:payment_request_new", args=[deal.pk]), OUTSIDE)
    assert response.status_code == 403
    assert not PaymentTermRequest.objects.exists()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("net_days=60&deposit_pct=0&instalments=1", ["60 net days exceed the standard 30", "Deposit 0 %"]),
        ("net_days=30&deposit_pct=10&instalments=3", ["Within the finance policy"]),
        ("net_days=30&deposit_pct=&instalments=1", ["Enter net days, deposit and instalments"]),
    ],
)
def test_the_live_check_lists_what_is_outside_policy(client, rep, deal, policy, query, expected):
    client.force_login(rep)
    response = client.get(
        reverse("deals:payment_request_check", args=[deal.pk]) + "?" + query, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="policy-check"')
    for text in expected:
        assert text in html


def test_the_live_check_highlights_the_breached_policy_row(client, rep, deal, policy):
    client.force_login(rep)
    url = reverse("deals:payment_request_check", args=[deal.pk]) + "?net_days=30&deposit_pct=10&instalments=4"
    html = client.get(url).content.decode()
    assert html.count("table-danger") == 1
    assert "4 instalments exceed the maximum 3" in html


# Finance's decision ----------------------------------------------------------------------


def test_finance_sees_the_request_beside_the_policy_with_the_excess_highlighted(
    client, rep, deal, policy, finance
):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    response = client.get(reverse("deals:payment_request", args=[payment_request.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-exceeds="net_days"' in html
    assert 'data-exceeds="deposit_pct"' in html
    assert 'data-exceeds="instalments"' not in html
    assert "Budget released after the summer" in html
    assert deal.customer.name in html  # the deal's summary
    assert 'value="counter"' in html


def test_the_decision_page_offers_no_approval_beyond_the_most_net_days(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep, net_days=75)
    client.force_login(finance)
    html = client.get(reverse("deals:payment_request", args=[payment_request.pk])).content.decode()
    assert 'value="approve"' not in html
    assert "more than finance may grant (60)" in html


def test_finance_counters_with_a_note(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    response = client.post(
        reverse("deals:payment_request_decide", args=[payment_request.pk]),
        {
            "revision": "0",
            "decision": "counter",
            "note": "45 days is our limit here",
            "counter_net_days": "45",
            "counter_deposit_pct": "10",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:finance_queue")
    assert "Counter-offer sent" in _messages(response)[0]
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.COUNTERED
    assert payment_request.counter_net_days == 45
    assert payment_request.counter_deposit_pct == Decimal("10")
    assert Briefing.objects.get(deal=deal).payment_terms.startswith("45 days net, 10 % deposit")


@pytest.mark.parametrize(
    "data, error",
    [
        ({"decision": "approve", "note": ""}, "every decision needs one"),
        ({"decision": "counter", "note": "Less", "counter_net_days": ""}, "needs at least the net days"),
        (
            {"decision": "counter", "note": "Less", "counter_net_days": "61"},
            "61 net days exceed the most finance may grant (60)",
        ),
        ({"decision": "counter", "note": "Less", "counter_net_days": "abc"}, "Enter a whole number"),
        ({"decision": "maybe", "note": "Hmm"}, "Choose whether to approve, counter or reject"),
    ],
)
def test_a_bad_decision_is_refused_with_a_message_and_changes_nothing(
    client, rep, deal, policy, finance, data, error
):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    response = client.post(
        reverse("deals:payment_request_decide", args=[payment_request.pk]), {**data, "revision": "0"}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.reviewer is None


def test_finance_can_grant_an_early_payment_discount_in_a_counter(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    page = client.get(reverse("deals:payment_request", args=[payment_request.pk])).content.decode()
    assert "Early-payment discount" in page and "Leave it out" in page
    client.post(
        reverse("deals:payment_request_decide", args=[payment_request.pk]),
        {
            "revision": "0",
            "decision": "counter",
            "note": "45 days with skonto",
            "counter_net_days": "45",
            "counter_deposit_pct": "10",
            "counter_early_payment_discount": "yes",
        },
    )
    payment_request.refresh_from_db()
    assert payment_request.counter_early_payment_discount is True
    assert payment_request.early_payment_discount is False


@pytest.mark.parametrize(
    "data, field, error",
    [
        (
            {"counter_instalments": "4", "counter_deposit_pct": "10"},
            "counter_instalments",
            "4 instalments exceed the policy's maximum of 3",
        ),
        (
            {"counter_deposit_pct": "9.99"},
            "counter_deposit_pct",
            "A deposit of 9.99 % is below the policy's minimum deposit of 10 %",
        ),
        ({"counter_instalments": "99999999999999"}, "counter_instalments", "At most 60 instalments."),
        ({"counter_net_days": "99999999999999"}, "counter_net_days", "Net days are at most 365"),
    ],
)
def test_a_counter_outside_the_policy_gets_a_field_error_and_changes_nothing(
    client, rep, deal, policy, finance, data, field, error
):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    response = client.post(
        reverse("deals:payment_request_decide", args=[payment_request.pk]),
        {"revision": "0", "decision": "counter", "note": "Our offer", "counter_net_days": "45", **data},
    )
    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors[field])
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert payment_request.counter_net_days is None
    assert Briefing.objects.get(deal=deal).payment_terms == ""


def test_a_counter_keeping_a_requested_deposit_below_the_minimum_is_refused_on_the_deposit_field(
    client, rep, deal, policy, finance
):
    payment_request = _pending(deal, rep)  # asks for no deposit; the policy wants 10 %
    client.force_login(finance)
    response = client.post(
        reverse("deals:payment_request_decide", args=[payment_request.pk]),
        {"revision": "0", "decision": "counter", "note": "Our offer", "counter_net_days": "45"},
    )
    assert response.status_code == 400
    # The form cannot know the requested deposit: the service refuses, and its message is the field's.
    assert response.context["form"].errors["counter_deposit_pct"] == [
        "A deposit of 0 % (as requested) is below the policy's minimum deposit of 10 %. "
        "Counter with a deposit of at least 10 %."
    ]
    assert "A deposit of 0 % (as requested) is below the policy&#x27;s minimum deposit of 10 %" in (
        response.content.decode()
    )
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED


def test_the_decision_form_names_the_policy_limits_for_a_counter(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    response = client.get(reverse("deals:payment_request", args=[payment_request.pk]))
    form = response.context["form"]
    assert form["counter_deposit_pct"].help_text.startswith("At least 10 % (policy minimum)")
    assert form["counter_instalments"].help_text.startswith("At most 3 (policy maximum)")
    # A counter-offer without net days is refused, so the form says they are needed.
    assert form["counter_net_days"].help_text.startswith("Needed for a counter-offer.")


def test_approving_beyond_the_most_net_days_is_refused_with_a_message(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep, net_days=75)
    client.force_login(finance)
    response = client.post(
        reverse("deals:payment_request_decide", args=[payment_request.pk]),
        {"revision": "0", "decision": "approve", "note": "OK"},
    )
    assert response.status_code == 400
    assert "75 net days exceed the most finance may grant (60)" in response.content.decode()
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED


@pytest.mark.parametrize(
    "who, status", [("rep", 403), ("manager", 403), ("production", 404), ("outsider", 404)]
)
def test_no_one_but_finance_decides_and_nothing_changes(client, world, rep, deal, policy, who, status):
    payment_request = _pending(deal, rep)
    client.force_login(world.user(who))
    response = client.post(
        reverse("deals:payment_request_decide", args=[payment_request.pk]),
        {"revision": "0", "decision": "approve", "note": "Fine"},
    )
    assert response.status_code == status
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.SUBMITTED
    assert Briefing.objects.get(deal=deal).payment_terms == ""


def test_a_decided_request_shows_the_decision_instead_of_the_form(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    payment_request_decide(request=payment_request, by=finance, decision="reject", note="Too risky")
    client.force_login(finance)
    html = client.get(reverse("deals:payment_request", args=[payment_request.pk])).content.decode()
    assert 'data-testid="payment-decided"' in html
    assert "Too risky" in html
    assert 'value="approve"' not in html


# Finance's queue, policy and home ------------------------------------------------------------


def _queue_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["deals:finance_queue", "home"])
def test_the_queue_takes_the_same_number_of_queries_however_long_it_is(
    client, world, rep, deal, policy, finance, django_assert_max_num_queries, url_name
):
    _pending(deal, rep)
    client.force_login(finance)
    url = reverse(url_name)
    one = _queue_queries(client, url)
    for _ in range(5):
        _pending(DealFactory(team=world.team, owner=rep), rep)
    with django_assert_max_num_queries(one):
        response = client.get(url)
    # The home panel shows the oldest few, the queue page a whole page; both count all six.
    assert len(response.context["payment_queue"]) == (HOME_PANEL_ROWS if url_name == "home" else 6)
    assert response.context["payment_queue_count"] == 6


def test_the_queue_lists_requests_oldest_first_with_a_decide_button(
    client, world, rep, deal, policy, finance
):
    first = _pending(deal, rep)
    second = _pending(DealFactory(team=world.team, owner=rep, title="Second deal"), rep, net_days=40)
    client.force_login(finance)
    response = client.get(reverse("deals:finance_queue"))
    assert [item.request for item in response.context["payment_queue"]] == [first, second]
    html = response.content.decode()
    assert reverse("deals:payment_request", args=[first.pk]) in html
    assert html.index(deal.title) < html.index("Second deal")


def test_finances_home_shows_the_queue_two_clicks_from_the_decision(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="payment-queue"' in html
    assert f'href="{reverse("deals:payment_request", args=[payment_request.pk])}"' in html
    assert 'data-exceeds="net_days"' in html
    assert 'data-testid="nav-finance"' in html


def test_the_payment_panel_is_not_on_other_roles_home(client, rep, manager, deal, policy):
    _pending(deal, rep)
    for user in (rep, manager):
        client.force_login(user)
        response = client.get(reverse("home"))
        assert "payment_queue" not in response.context
        assert 'data-testid="payment-queue"' not in response.content.decode()
        assert 'data-testid="nav-finance"' not in response.content.decode()


def test_finance_reads_its_teams_policy(client, policy, finance):
    client.force_login(finance)
    response = client.get(reverse("deals:finance_policy"))
    assert response.status_code == 200
    assert response.context["finance_policies"] == [policy]
    html = response.content.decode()
    assert "Northwind" in html
    assert "<td>60</td>" in html
    assert "<td>10 %</td>" in html


def test_a_team_without_a_policy_shows_the_defaults_without_creating_one(client, world, finance):
    client.force_login(finance)
    response = client.get(reverse("deals:finance_policy"))
    assert "The default policy" in response.content.decode()
    assert not FinancePolicy.objects.filter(team=world.team).exists()


# The deal page ---------------------------------------------------------------------------------


def test_the_deal_page_lists_the_requests_with_their_decision(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    payment_request_decide(
        request=payment_request,
        by=finance,
        decision="counter",
        note="Meet halfway",
        counter_net_days=45,
        counter_deposit_pct=Decimal("10"),
    )
    client.force_login(rep)
    response = client.get(reverse("deals:detail", args=[deal.pk]))
    assert response.context["payment_requests"] == [payment_request]
    html = response.content.decode()
    assert "Countered" in html
    assert "Meet halfway" in html
    assert "45 days net, 10 % deposit" in html
    assert "60 net days exceed the standard 30" in html
    assert 'data-testid="payment-terms-source"' in html
    assert "set by finance" in html
    assert "Request payment terms" in html


def test_the_owner_cannot_ask_again_while_a_request_is_pending(client, rep, deal, policy):
    _pending(deal, rep)
    client.force_login(rep)
    html = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert "Waiting for finance" in html
    assert "Request payment terms" not in html


def test_finance_opens_the_deal_of_a_request_and_finds_the_decide_button(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    response = client.get(reverse("deals:detail", args=[deal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("deals:payment_request", args=[payment_request.pk]) in html
    assert "Request payment terms" not in html


def test_an_automatic_approval_is_marked_on_the_deal_and_in_the_briefing(client, rep, deal, policy):
    client.force_login(rep)
    client.post(
        reverse("deals:payment_request_new", args=[deal.pk]),
        {**OUTSIDE, "net_days": "30", "deposit_pct": "10", "justification": ""},
    )
    html = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert 'data-testid="auto-approved"' in html
    assert "within finance policy" in html


def test_the_briefing_warns_when_its_terms_differ_from_what_finance_granted(
    client, rep, deal, policy, finance
):
    payment_request = _pending(deal, rep)
    payment_request_decide(request=payment_request, by=finance, decision="approve", note="OK")
    Briefing.objects.filter(deal=deal).update(payment_terms="90 days net")
    client.force_login(rep)
    html = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert "differs from what finance granted" in html


# Changing a request while it waits, and decisions racing it or each other ------------------------


def _change_data(payment_request, **overrides):
    data = {
        "net_days": str(payment_request.net_days),
        "deposit_pct": str(payment_request.deposit_pct),
        "instalments": str(payment_request.instalments),
        "other_conditions": payment_request.other_conditions,
        "customer_reason": payment_request.customer_reason,
        "justification": payment_request.justification,
        "revision": str(payment_request.revision),
    }
    data.update(overrides)
    return data


def test_the_owner_changes_a_waiting_request_and_finance_decides_on_the_new_terms(
    client, rep, deal, policy, finance
):
    payment_request = _pending(deal, rep)
    client.force_login(rep)
    url = reverse("deals:payment_request_edit", args=[payment_request.pk])
    assert url in client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="60"' in page.content.decode()
    response = client.post(url, _change_data(payment_request, net_days="55", revision=revision_in(page)))
    assert response.status_code == 302
    assert "finance was told" in _messages(response)[0]
    payment_request.refresh_from_db()
    assert (payment_request.net_days, payment_request.status) == (55, PaymentTermStatus.SUBMITTED)
    assert payment_request.policy_breaches[0] == "55 net days exceed the standard 30"
    assert payment_request.revision == 1
    changed = deal.activities.get(verb="payment_terms_changed")
    assert changed.changes["Net days"] == {"old": 60, "new": 55}
    told = Notification.objects.filter(recipient=finance, kind="payment_request_submitted").order_by("pk")
    assert told.count() == 2
    assert "changed their request" in told.last().email_text


def test_a_change_within_the_policy_is_approved_at_once(client, rep, deal, policy):
    payment_request = _pending(deal, rep)
    client.force_login(rep)
    response = client.post(
        reverse("deals:payment_request_edit", args=[payment_request.pk]),
        _change_data(payment_request, net_days="30", deposit_pct="10", justification=""),
    )
    assert "approved automatically" in _messages(response)[0]
    payment_request.refresh_from_db()
    assert payment_request.status == PaymentTermStatus.APPROVED
    assert payment_request.auto_approved
    assert Briefing.objects.get(deal=deal).payment_terms.startswith("30 days net, 10 % deposit")


def test_a_stale_request_change_changes_nothing_shows_what_differs_and_can_be_reapplied(rep, deal, policy):
    payment_request = _pending(deal, rep)
    url = reverse("deals:payment_request_edit", args=[payment_request.pk])
    first, second = two_clients(rep)
    loaded = revision_in(second.get(url))
    assert first.post(url, _change_data(payment_request, net_days="55", revision=loaded)).status_code == 302

    response = second.post(url, _change_data(payment_request, instalments="2", revision=loaded))
    assert response.status_code == 409
    page = response.content.decode()
    assert "saved this payment-term request at " in page and "after you opened it" in page
    assert str(rep) in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "55" in differences and "60" in differences
    payment_request.refresh_from_db()
    assert (payment_request.net_days, payment_request.instalments) == (55, 1)

    reapplied = revision_in(response)
    data = _change_data(payment_request, net_days="60", instalments="2", revision=reapplied)
    response = second.post(url, data)
    assert response.status_code == 302
    payment_request.refresh_from_db()
    assert (payment_request.net_days, payment_request.instalments) == (60, 2)


def test_a_request_finance_decided_can_no_longer_be_changed(client, rep, deal, policy, finance):
    payment_request = _pending(deal, rep)
    client.force_login(rep)
    url = reverse("deals:payment_request_edit", args=[payment_request.pk])
    loaded = revision_in(client.get(url))
    payment_request_decide(request=payment_request, by=finance, decision="reject", note="Too risky")

    response = client.post(url, _change_data(payment_request, net_days="45", revision=loaded))
    assert response.status_code == 302
    (told,) = _messages(response)
    assert told.startswith(f"{finance} already rejected this request on ")
    assert told.endswith("so it can no longer be changed.")
    payment_request.refresh_from_db()
    assert (payment_request.net_days, payment_request.status) == (60, PaymentTermStatus.REJECTED)
    # The same when the decision comes while the change is being saved.
    with pytest.raises(Invalid, match=f"{finance} already rejected this request"):
        payment_request_update(request=payment_request, by=rep, revision=1, **_terms(payment_request))


def test_a_decision_on_terms_the_rep_changed_since_is_refused_and_shows_the_new_terms(
    client, rep, deal, policy, finance
):
    payment_request = _pending(deal, rep)
    client.force_login(finance)
    page = client.get(reverse("deals:payment_request", args=[payment_request.pk]))
    seen = revision_in(page)
    terms = _terms(payment_request, net_days=50)
    payment_request_update(request=payment_request, by=rep, revision=0, **terms)

    decide = reverse("deals:payment_request_decide", args=[payment_request.pk])
    data = {"decision": "counter", "note": "45 is our limit", "counter_net_days": "45"}
    data["counter_deposit_pct"] = "10"
    response = client.post(decide, {**data, "revision": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert f"{rep} changed the request after you opened it" in html
    table = html[html.index('data-testid="request-vs-policy"') : html.index("</table>")]
    assert ">50<" in table.replace(" ", "")  # the new terms
    assert "45 is our limit" in html  # what finance typed stays
    payment_request.refresh_from_db()
    assert (payment_request.status, payment_request.reviewer) == (PaymentTermStatus.SUBMITTED, None)

    response = client.post(decide, {**data, "revision": revision_in(response)})
    assert response.status_code == 302
    payment_request.refresh_from_db()
    assert (payment_request.status, payment_request.counter_net_days) == (PaymentTermStatus.COUNTERED, 45)


def _terms(payment_request, **overrides):
    terms = {
        name: getattr(payment_request, name)
        for name in (
            "net_days",
            "deposit_pct",
            "instalments",
            "early_payment_discount",
            "other_conditions",
            "customer_reason",
            "justification",
        )
    }
    return {**terms, **overrides}


@pytest.mark.parametrize(
    "first, second, told",
    [
        ({"decision": "approve"}, {"decision": "reject"}, "already approved this request"),
        (
            {"decision": "counter", "counter_net_days": "45", "counter_deposit_pct": "10"},
            {"decision": "approve"},
            "already countered this request",
        ),
        (
            {"decision": "reject"},
            {"decision": "counter", "counter_net_days": "45"},
            "already rejected this request",
        ),
    ],
)
def test_two_finance_decisions_racing_one_wins_and_the_other_is_told_who_decided_what(
    rep, deal, policy, finance, world, first, second, told
):
    payment_request = _pending(deal, rep)
    colleague = MembershipFactory(team=world.team, role=Role.FINANCE).user
    fiona, frank = Client(), Client()
    fiona.force_login(finance)
    frank.force_login(colleague)
    page = reverse("deals:payment_request", args=[payment_request.pk])
    seen_fiona, seen_frank = revision_in(fiona.get(page)), revision_in(frank.get(page))
    decide = reverse("deals:payment_request_decide", args=[payment_request.pk])
    assert fiona.post(decide, {**first, "note": "Mine", "revision": seen_fiona}).status_code == 302

    response = frank.post(decide, {**second, "note": "Theirs", "revision": seen_frank})
    assert response.status_code == 400
    html = response.content.decode()
    refused = html[html.index('data-testid="decision-refused"') :]
    assert f"{finance} {told}" in refused
    assert "Nothing was saved" in refused
    payment_request.refresh_from_db()
    assert payment_request.reviewer == finance
    assert payment_request.decision_note == "Mine"
    # The rep is told once, of the decision that won.
    assert Notification.objects.filter(kind="payment_request_decided").count() == 1
