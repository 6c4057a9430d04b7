"""The manager's pages read the large tables only through indexes (PostgreSQL only).

As in test_access_plans: with sequential scans disabled, a plan that still reads a large table
whole, or walks a whole index, shows a condition no index answers. The manager's panels and
pages start from the teams they manage (their deals, then those deals' rows), so each read is
keyed by a team, a deal, a meeting or the user.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import ConsultationStatus, Department, Meeting, NegotiationReport
from deals.services.briefings import briefing_submit
from deals.services.guidelines import guidelines_ask
from tests.deals import test_access_plans as plans
from tests.deals.briefing_helpers import fill_briefing
from tests.factories import ConsultationFactory, DealFactory, MeetingFactory, NegotiationReportFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")

LARGE_TABLES = plans.LARGE_TABLES | {
    "deals_negotiationreport",
    "deals_briefing",
    "deals_briefingversion",
    "deals_guideline",
}


# What a read of a large table may be keyed by: a team, a deal, a meeting, a briefing or a row
# (deal by deal, meeting by meeting), or the user. A read keyed only by a date or a status (the
# meetings starting soon, every consultation asked of a queue) reads the whole company.
KEYS = re.compile(
    r"\b(team_id|deal_id|meeting_id|briefing_id|id|owner_id|assignee_id|answered_by_id|member_id|user_id)"
    r" = "
)


def unkeyed_reads(sql: str) -> list[str]:
    """The reads of a large table that no index condition keys by a team, a deal, a row or the user."""
    found = []
    for node in plans._nodes(plans._plan(sql)):
        table = node.get("Relation Name")
        if table not in LARGE_TABLES:
            continue
        if node["Node Type"] == "Seq Scan":
            found.append(f"Seq Scan on {table}")
        elif node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
            condition = node.get("Index Cond") or node.get("Recheck Cond") or ""
            if not KEYS.search(condition):
                found.append(f"{node['Node Type']} on {table} by {condition or 'nothing'}")
    return found


@pytest.fixture
def busy_team(world, rep):
    """Something in every panel of the manager: a briefing waiting, another with a question for
    guidelines, a meeting soon that misses a required answer, a report overdue and one with breaches."""
    now = timezone.now()
    waiting = DealFactory(team=world.team, owner=rep)
    fill_briefing(waiting.briefing, rep)
    waiting.briefing.refresh_from_db()
    briefing_submit(briefing=waiting.briefing, by=rep)
    asking = DealFactory(team=world.team, owner=rep)
    MeetingFactory(deal=asking)
    guidelines_ask(deal=asking, by=rep, questions="How far may I go?")
    ConsultationFactory(
        deal=waiting, department=Department.PRODUCTION, required=True, status=ConsultationStatus.REQUESTED
    )
    MeetingFactory(deal=waiting, starts_at=now + timedelta(hours=2))
    past = DealFactory(team=world.team, owner=rep)
    four_days_ago = now - timedelta(days=4)
    MeetingFactory(deal=past, starts_at=four_days_ago, ends_at=four_days_ago + timedelta(hours=1))
    held = MeetingFactory(
        deal=past, starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=5, hours=-1)
    )
    NegotiationReportFactory(
        meeting=held,
        filed_by=rep,
        outcome="won",
        ready_at_meeting=True,
        breaches=[{"code": "discount_over_max", "message": "Too much off"}],
    )
    DealFactory(team=world.other_team, owner=world.outsider)


def _sql(rows) -> str:
    with connection.cursor() as cursor:
        return cursor.mogrify(*rows.query.sql_with_params()).decode()


def test_the_checker_finds_unkeyed_reads(db):
    """The check can fail: a filter no index answers, or one that only a date answers, is reported."""
    sql = _sql(NegotiationReport.objects.filter(quantity__gt=0))
    assert unkeyed_reads(sql) == ["Seq Scan on deals_negotiationreport"]
    soon = timezone.now() + timedelta(hours=1)
    sql = _sql(Meeting.objects.filter(cancelled=False, starts_at__lte=soon))
    assert [read.split(" by ")[0].split(" on ")[1] for read in unkeyed_reads(sql)] == ["deals_meeting"]
    assert unkeyed_reads(_sql(Meeting.objects.filter(deal_id=1))) == []


def test_the_managers_pages_read_large_tables_only_through_indexes(client, world, manager, busy_team):
    client.force_login(manager)
    urls = [
        reverse("home"),
        reverse("deals:approvals"),
        reverse("deals:team_results"),
        reverse("deals:reports") + "?breaches=on",
        reverse("deals:escalations"),
        reverse("deals:escalations") + "?show=reports",
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
    home = client.get(reverse("home")).context
    # Every panel had a row to show, so each of their queries was planned with rows behind it.
    assert home["queue_count"] == 2
    assert home["escalated_meetings_count"] == 1
    assert home["overdue_reports_count"] == 1
    assert home["breach_reports_count"] == 1
    for query in queries:
        assert unkeyed_reads(query["sql"]) == [], query["sql"]
