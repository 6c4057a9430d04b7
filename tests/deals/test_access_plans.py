"""The visibility query is answered from indexes for every role (PostgreSQL only).

A test database is tiny, so the planner would rightly read every table whole. With sequential
scans disabled it still falls back to one wherever no index can answer a condition; so a plan
without a sequential scan, and without an index scan that has no condition, shows that every
read of a large table is keyed: by the user's teams, the owner, the user, or a deal id. That is
what makes the cost follow what the user sees at 100,000 deals (where the planner then chooses
those paths on its own; the benchmark measures them).
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import ConsultationStatus, Deal
from teams.models import Role
from tests.factories import (
    ConsultationFactory,
    CustomerFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    OnCallFactory,
    PaymentTermRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")

LARGE_TABLES = {
    "deals_deal",
    "deals_consultation",
    "deals_meeting",
    "deals_paymenttermrequest",
    "deals_oncall",
    "deals_conegotiatorrequest",
    "deals_meeting_co_negotiators",
}


def _plan(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def unkeyed_reads(sql: str) -> list[str]:
    """The reads of a large table that are not keyed by an index condition."""
    found = []
    for node in _nodes(_plan(sql)):
        table = node.get("Relation Name")
        if table not in LARGE_TABLES:
            continue
        if node["Node Type"] == "Seq Scan" or (
            node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
        ):
            found.append(f"{node['Node Type']} on {table}")
    return found


def _deal_queries(client, user, urls) -> list[str]:
    """The queries of these pages that read deals: the visibility query and the gate among them."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert client.get(url).status_code == 200, url
    return [query["sql"] for query in queries if '"deals_deal"' in query["sql"]]


@pytest.fixture
def company(world):
    """The world's team with deals in every role's reach, among deals of another team."""
    team, rep = world.team, world.members[Role.REP]
    deal = world.objects["deal"]
    others = [DealFactory(team=world.other_team, owner=world.outsider) for _ in range(5)]
    customer = CustomerFactory(team=team)
    queued = []
    for department in ("production", "supply_chain", "finance"):
        asked = DealFactory(team=team, owner=rep, customer=customer)
        ConsultationFactory(deal=asked, department=department, status=ConsultationStatus.REQUESTED)
        queued.append(asked)
    PaymentTermRequestFactory(deal=queued[-1], requested_by=rep, net_days=60, customer_reason="cash")
    colleague = UserFactory(username="colleague")
    MembershipFactory(user=colleague, team=team, role=Role.REP)
    meeting = MeetingFactory(deal=deal, starts_at=timezone.now() + timedelta(days=2))
    OnCallFactory(
        meeting=meeting,
        member=colleague,
        topic="specs",
        phone="+49 30 1234567",
        available_from=meeting.starts_at,
        available_to=meeting.ends_at,
        status="accepted",
    )
    return {"deal": deal, "queued": queued, "others": others, "colleague": colleague}


def test_the_checker_finds_an_unkeyed_read(db):
    """The check can fail: a filter no index answers is reported."""
    sql = str(Deal.objects.filter(estimated_value__gt=0).query)
    assert unkeyed_reads(sql) == ["Seq Scan on deals_deal"]


@pytest.mark.parametrize(
    "who", [Role.REP, Role.MANAGER, Role.PRODUCTION, Role.SUPPLY_CHAIN, Role.FINANCE, "colleague"]
)
def test_every_visibility_query_of_every_role_reads_only_through_indexes(client, world, company, who):
    user = company["colleague"] if who == "colleague" else world.members[who]
    deal = company["deal"] if who in (Role.REP, Role.MANAGER, "colleague") else company["queued"][0]
    if who == Role.SUPPLY_CHAIN:
        deal = company["queued"][1]
    if who == Role.FINANCE:
        deal = company["queued"][2]
    urls = [
        reverse("deals:list"),
        reverse("deals:list") + "?sort=-value",
        reverse("deals:detail", args=[deal.pk]),
    ]
    queries = _deal_queries(client, user, urls)
    # The list's page, its count and its owners (twice), and the deal page's gate at least.
    assert len(queries) >= 7
    for sql in queries:
        assert unkeyed_reads(sql) == [], sql
