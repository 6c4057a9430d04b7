"""Webhooks: which events the services emit, to which endpoints, with what payload."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.domain.webhooks import EVENT_TYPES
from deals.models import ConsultationStatus, DeliveryStatus, WebhookDelivery, WebhookEvent
from deals.services.briefings import briefing_decide, briefing_submit
from deals.services.closing import deal_close, deal_reopen
from deals.services.consultations import consultation_answer
from deals.services.live import answer_give, question_ask
from deals.services.payments import payment_request_decide
from deals.services.reports import report_file
from deals.services.webhooks import endpoint_create, webhook_emit
from teams.models import Role
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import (
    ConsultationFactory,
    DealFactory,
    FinancePolicyFactory,
    MeetingFactory,
    OnCallFactory,
    PaymentTermRequestFactory,
)

ALL = list(EVENT_TYPES)


@pytest.fixture
def endpoint(world, manager):
    return endpoint_create(team=world.team, by=manager, url="http://127.0.0.1:9/hooks", events=ALL)


def _types(world):
    return list(
        WebhookEvent.objects.filter(team=world.team).order_by("created_at").values_list("type", flat=True)
    )


def test_submitting_and_approving_a_briefing_emit_their_events(endpoint, deal, rep, manager, world):
    fill_briefing(deal.briefing, rep)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    briefing_decide(briefing=deal.briefing, by=manager, approve=True)
    types = _types(world)
    assert types[:2] == ["briefing.submitted", "briefing.approved"]
    approved = WebhookEvent.objects.get(type="briefing.approved")
    assert approved.payload["data"]["briefing"] == {
        "id": deal.briefing.pk,
        "status": "approved",
        "version": 1,
    }
    assert approved.payload["data"]["deal"] == {
        "id": deal.pk,
        "name": deal.title,
        "url": f"http://testserver/deals/{deal.pk}/",
    }
    assert approved.payload["id"] == str(approved.id)
    assert approved.payload["team"] == {"id": world.team.pk}
    # Each event is one delivery to the endpoint, waiting in the outbox.
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).count() == len(
        types
    )


def test_returning_a_briefing_emits_briefing_returned(endpoint, deal, rep, manager, world):
    fill_briefing(deal.briefing, rep)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    briefing_decide(briefing=deal.briefing, by=manager, approve=False, comment="Lower the discount")
    assert "briefing.returned" in _types(world)
    assert "briefing.approved" not in _types(world)


def test_a_deal_becoming_ready_and_not_ready_emits_both(endpoint, deal, world):
    from deals.models import Deal, DealStatus
    from deals.services.readiness import readiness_refresh

    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.READY)
    deal.refresh_from_db()
    readiness_refresh(deal=deal)  # nothing is done, so it is no longer ready
    event = WebhookEvent.objects.get(type="deal.not_ready")
    assert event.payload["data"]["status"] == DealStatus.PREPARING


def test_an_answered_consultation_emits_its_event(endpoint, deal, world):
    production = world.members[Role.PRODUCTION]
    consultation = ConsultationFactory(
        deal=deal, status=ConsultationStatus.REQUESTED, requested_by=deal.owner, requested_at=timezone.now()
    )
    consultation_answer(
        consultation=consultation,
        by=production,
        can_fulfil="yes",
        lead_time_days=5,
        committed_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    event = WebhookEvent.objects.get(type="consultation.answered")
    assert event.payload["data"]["consultation"]["id"] == consultation.pk
    assert event.payload["data"]["consultation"]["status"] == "answered"


def test_a_payment_decision_emits_its_event(endpoint, deal, world):
    FinancePolicyFactory(team=world.team, max_net_days=90)
    request = PaymentTermRequestFactory(deal=deal, status="submitted")
    payment_request_decide(request=request, by=world.members[Role.FINANCE], decision="reject", note="No")
    event = WebhookEvent.objects.get(type="payment_request.decided")
    assert event.payload["data"]["payment_request"] == {"id": request.pk, "status": "rejected"}


def test_a_report_beyond_the_limits_emits_filed_and_breach(endpoint, approved, past_meeting, rep, world):
    report = report_file(meeting=past_meeting, by=rep, outcome="continue", agreed_price=Decimal("200.00"))
    filed = WebhookEvent.objects.get(type="report.filed")
    breach = WebhookEvent.objects.get(type="report.breach")
    assert filed.payload["data"]["report"]["id"] == report.pk
    assert breach.payload["data"]["report"]["breaches"]


def test_closing_and_reopening_a_deal_emit_their_events(endpoint, deal, rep, world):
    deal_close(deal=deal, by=rep, outcome="won", reason="Signed at 212 EUR")
    deal_reopen(deal=deal, by=rep, reason="The order was cancelled")
    closed = WebhookEvent.objects.get(type="deal.closed")
    reopened = WebhookEvent.objects.get(type="deal.reopened")
    assert (closed.payload["data"]["status"], closed.payload["data"]["by_report"]) == ("won", None)
    assert reopened.payload["data"]["status"] == "preparing"
    # The reason may name a price: it stays in NegPrep.
    assert "212" not in str(closed.payload)


def test_a_reports_final_outcome_closes_the_deal_and_correcting_it_reopens_it(
    endpoint, past_meeting, rep, world
):
    report = report_file(meeting=past_meeting, by=rep, outcome="won", agreed_price=Decimal("212.00"))
    closed = WebhookEvent.objects.get(type="deal.closed")
    assert (closed.payload["data"]["status"], closed.payload["data"]["by_report"]) == ("won", report.pk)
    report_file(
        meeting=past_meeting,
        by=rep,
        outcome="continue",
        agreed_price=Decimal("212.00"),
        revision=report.revision,
    )
    reopened = WebhookEvent.objects.get(type="deal.reopened")
    assert reopened.payload["data"] == {
        "deal": closed.payload["data"]["deal"],
        "status": "negotiating",
        "by_report": report.pk,
    }
    # Talks that go on after talks that went on: nothing closed or opened.
    report_file(
        meeting=past_meeting,
        by=rep,
        outcome="no_decision",
        agreed_price=Decimal("212.00"),
        revision=report.revision + 1,
    )
    assert WebhookEvent.objects.filter(type__in=["deal.closed", "deal.reopened"]).count() == 2


def test_live_questions_and_answers_emit_their_events(endpoint, deal, rep, world):
    starts_at = timezone.now() - datetime.timedelta(minutes=5)
    meeting = MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1))
    on_call = OnCallFactory(meeting=meeting, member=world.members[Role.PRODUCTION])
    question = question_ask(meeting=meeting, by=rep, text="Can we deliver by Friday?")
    answer_give(question=question, by=on_call.member, reply="yes")
    asked = WebhookEvent.objects.get(type="live.question.asked")
    answered = WebhookEvent.objects.get(type="live.question.answered")
    assert asked.payload["data"]["question"]["id"] == question.pk
    assert answered.payload["data"]["answer"]["reply"] == "yes"
    # The question's words stay in NegPrep: only ids and states go out.
    assert "Friday" not in str(asked.payload) + str(answered.payload)


def test_only_the_teams_own_endpoints_get_its_events(world, manager, deal):
    own = endpoint_create(team=world.team, by=manager, url="http://127.0.0.1:9/own", events=ALL)
    other = endpoint_create(
        team=world.other_team, by=world.outsider, url="http://127.0.0.1:9/other", events=ALL
    )
    other_deal = DealFactory(team=world.other_team)
    webhook_emit(type="deal.ready", deal=deal, data={"status": "ready"})
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [own.pk]
    webhook_emit(type="deal.ready", deal=other_deal, data={"status": "ready"})
    assert WebhookDelivery.objects.filter(endpoint=other).count() == 1
    assert WebhookDelivery.objects.filter(endpoint=own).count() == 1


def test_an_endpoint_gets_only_the_events_it_chose(world, manager, deal):
    endpoint_create(team=world.team, by=manager, url="http://127.0.0.1:9/hooks", events=["report.breach"])
    assert webhook_emit(type="deal.ready", deal=deal, data={}) is None
    assert not WebhookEvent.objects.exists()


def test_an_endpoint_turned_off_gets_nothing(endpoint, world, manager, deal):
    from deals.services.webhooks import endpoint_update

    endpoint_update(
        endpoint=endpoint, by=manager, url=endpoint.url, events=ALL, active=False, revision=endpoint.revision
    )
    assert webhook_emit(type="deal.ready", deal=deal, data={}) is None
