"""A home panel's first rows and its exact count come from one query, and the count stays exact
beyond the rows shown."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import Consultation, ConsultationStatus, Department, PaymentTermRequest, PaymentTermStatus
from deals.selectors.home import HOME_PANEL_ROWS
from deals.selectors.lists import first_rows_and_count
from teams.models import Role
from tests.factories import DealFactory, MembershipFactory, UserFactory


def _consultations(deal, count, *, status=ConsultationStatus.REQUESTED, **fields):
    now = timezone.now()
    return Consultation.objects.bulk_create(
        Consultation(
            deal=deal,
            department=Department.PRODUCTION,
            status=status,
            questions=f"Question {number}",
            due_at=now + timedelta(hours=number + 1),
            requested_by=deal.owner,
            requested_at=now,
            **fields,
        )
        for number in range(count)
    )


def test_the_first_rows_and_the_count_of_all_come_from_one_query(world):
    made = _consultations(world.objects["deal"], 7)
    rows = Consultation.objects.filter(pk__in=[c.pk for c in made]).order_by("due_at")
    with CaptureQueriesContext(connection) as queries:
        first, count = first_rows_and_count(rows, limit=5)
    assert len(queries) == 1
    assert first == made[:5]
    assert count == 7
    assert first_rows_and_count(rows, limit=10) == (made, 7)
    assert first_rows_and_count(rows.filter(questions="nothing like this"), limit=5) == ([], 0)
    assert first_rows_and_count(rows, limit=0) == ([], 7)


def test_the_home_counts_every_recent_answer_beyond_those_shown(client, world):
    production = world.members[Role.PRODUCTION]
    deal = world.objects["deal"]
    recent = _consultations(deal, HOME_PANEL_ROWS + 3)
    long_ago = _consultations(deal, 2)
    Consultation.objects.filter(pk__in=[c.pk for c in recent]).update(
        status=ConsultationStatus.ANSWERED, answered_by=production, answered_at=timezone.now()
    )
    Consultation.objects.filter(pk__in=[c.pk for c in long_ago]).update(
        status=ConsultationStatus.ANSWERED,
        answered_by=production,
        answered_at=timezone.now() - timedelta(days=30),
    )
    client.force_login(production)
    response = client.get(reverse("home"))
    assert len(response.context["answered_recently"]) == HOME_PANEL_ROWS
    assert response.context["answered_recently_count"] == HOME_PANEL_ROWS + 3
    assert f"all {HOME_PANEL_ROWS + 3} answers of the last two weeks" in response.content.decode()


def _waiting_requests(deal, count):
    return PaymentTermRequest.objects.bulk_create(
        PaymentTermRequest(
            deal=deal,
            requested_by=deal.owner,
            net_days=90,
            deposit_pct=Decimal("0"),
            customer_reason="Cash flow",
            outside_policy=True,
            status=PaymentTermStatus.SUBMITTED,
        )
        for _ in range(count)
    )


def test_the_finance_home_counts_every_waiting_request_of_its_teams(client, world):
    finance = world.members[Role.FINANCE]
    rep = world.members[Role.REP]
    _waiting_requests(DealFactory(team=world.team, owner=rep), HOME_PANEL_ROWS + 2)
    other_rep = UserFactory()
    MembershipFactory(user=other_rep, team=world.other_team, role=Role.REP)
    _waiting_requests(DealFactory(team=world.other_team, owner=other_rep), 3)
    client.force_login(finance)
    response = client.get(reverse("home"))
    assert len(response.context["payment_queue"]) == HOME_PANEL_ROWS
    assert response.context["payment_queue_count"] == HOME_PANEL_ROWS + 2
    client.force_login(rep)
    assert "payment_queue_count" not in client.get(reverse("home")).context
