import datetime
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from deals.models import (
    Approval,
    BriefingStatus,
    BriefingVersion,
    CoNegotiatorRequest,
    CoNegotiatorStatus,
    Consultation,
    ConsultationStatus,
    Deal,
    DealStatus,
    FinancePolicy,
    Guideline,
    Meeting,
    MeetingStage,
    NegotiationReport,
    OnCall,
    OnCallStatus,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.scale import ScalePlan, ScaleSeedError, scale_seed, scale_seeded_with
from deals.selectors.readiness import readiness_for_deals
from deals.selectors.reports import report_breaches
from deals.services.briefings import LIMIT_FIELDS
from deals.services.reports import REPORT_FIELDS
from teams.models import Membership, Notification, Role, Team, User

DEALS = 300


def seed(deals: int = DEALS) -> None:
    call_command("seed_scale", deals=deals, stdout=open("/dev/null", "w"))  # noqa: SIM115


def generated_team() -> Team:
    return Team.objects.filter(description__contains="seed_scale").order_by("pk").first()


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_scale", deals=DEALS)
    assert not User.objects.exists()
    assert not Deal.objects.exists()


@pytest.mark.django_db
def test_it_builds_the_company_on_top_of_the_demo_data(debug_on, rf):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo_users = set(User.objects.values_list("pk", "username", "password"))
    demo_rita = Deal.objects.filter(owner__username="rita").count()
    demo_northwind = Deal.objects.filter(team__name="Northwind Industrial Sales").count()
    demo_deals = Deal.objects.count()
    seed()
    plan = ScalePlan.for_deals(DEALS)
    assert demo_users <= set(User.objects.values_list("pk", "username", "password"))
    generated = Team.objects.filter(description__contains="seed_scale")
    assert generated.count() == plan.new_teams
    assert Team.objects.count() == plan.new_teams + 2
    assert Deal.objects.exclude(
        team__name__in=["Northwind Industrial Sales", "Southpeak Components"]
    ).exists()
    # The demo users keep their roles; rita's share and her team's follow the plan.
    rita = User.objects.get(username="rita")
    assert Membership.objects.filter(
        user=rita, role=Role.REP, team__name="Northwind Industrial Sales"
    ).exists()
    assert Deal.objects.filter(owner=rita).count() == demo_rita + plan.rita_deals
    northwind = Deal.objects.filter(team__name="Northwind Industrial Sales").count()
    assert northwind == demo_northwind + plan.northwind_deals
    assert Deal.objects.count() == demo_deals + DEALS
    # Every team is a whole team with a finance policy.
    for team in Team.objects.all():
        roles = set(team.memberships.values_list("role", flat=True))
        if team in generated:
            assert roles == set(Role.values), team
        assert FinancePolicy.objects.filter(team=team).exists(), team
    user = Membership.objects.filter(team=generated.first(), role=Role.REP).first().user
    assert authenticate(rf.post("/"), username=user.username, password="demo1234") == user


@pytest.mark.django_db
def test_every_state_is_present(debug_on):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo_notifications = Notification.objects.order_by("pk").values_list("pk", flat=True).last()
    seed()

    def values(model, name):
        return set(model.objects.values_list(name, flat=True))

    assert values(Deal, "status") == set(DealStatus.values)
    assert values(Deal.briefing.related.related_model, "status") == set(BriefingStatus.values)
    assert values(Consultation, "status") == set(ConsultationStatus.values)
    assert values(Consultation, "department") == {"production", "supply_chain", "finance"}
    assert not Consultation.objects.filter(department="finance", required=True).exists()
    assert values(Guideline, "status") == {"asked", "given"}
    assert Consultation.objects.filter(status="requested", assignee__isnull=True).exists()
    assert Consultation.objects.filter(status="requested", assignee__isnull=False).exists()
    assert values(PaymentTermRequest, "status") == set(PaymentTermStatus.values)
    assert values(OnCall, "status") == set(OnCallStatus.values)
    assert values(CoNegotiatorRequest, "status") == set(CoNegotiatorStatus.values)
    assert values(Meeting, "stage") == set(MeetingStage.values)
    assert Meeting.objects.filter(cancelled=True).exists()
    assert Meeting.objects.filter(co_negotiators__isnull=False).exists()
    assert Meeting.objects.filter(contacts__isnull=False).exists()
    meetings = Meeting.objects.filter(cancelled=False)
    assert meetings.filter(starts_at__lt=Meeting.objects.order_by("pk").last().created_at).exists()
    assert values(Approval, "decision") == {"approved", "changes_requested"}
    assert NegotiationReport.objects.exclude(breaches=[]).exists()
    assert NegotiationReport.objects.exclude(corrected_breaches=[]).exists()
    assert Notification.objects.filter(read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=False).exists()
    # Nothing is left for the e-mail outbox to send.
    generated = Notification.objects.filter(pk__gt=demo_notifications)
    assert generated.exists()
    assert not generated.filter(email_status="pending").exists()


@pytest.mark.django_db
def test_the_rows_hold_every_constraint_and_the_services_rules(debug_on):
    seed()
    # Check, unique and foreign-key constraints (SQLite checks foreign keys only here).
    connection.check_constraints()

    # The snapshots have the shape the submit and decide services write.
    for version in BriefingVersion.objects.select_related("approval"):
        assert set(version.snapshot) == {"text", "limits", "pitch_points", "objections", "concessions"}
        assert set(version.snapshot["limits"]) == set(LIMIT_FIELDS)
        approval = getattr(version, "approval", None)
        if approval is not None:
            assert approval.snapshot == {
                "limits": version.snapshot["limits"],
                "pitch_points": version.snapshot["pitch_points"],
            }

    # A deal is ready exactly when every readiness check applies, as readiness_refresh leaves it.
    open_deals = list(Deal.objects.filter(status__in=["preparing", "ready"]))
    readiness = readiness_for_deals(open_deals)
    for deal in open_deals:
        assert readiness[deal.pk].is_ready == (deal.status == DealStatus.READY), deal.pk
        if deal.status == DealStatus.READY:
            entry = deal.activities.get(verb="deal_readiness")
            assert f"all {readiness[deal.pk].total} checks that apply are done" in entry.summary, deal.pk
    assert any(deal.status == DealStatus.READY for deal in open_deals)

    # The breaches on each report are what the report service finds in its figures.
    checked = 0
    for report in NegotiationReport.objects.filter(corrected_breaches=[]).select_related(
        "meeting__deal__team"
    ):
        data = {name: getattr(report, name) for name in REPORT_FIELDS}
        assert report.breaches == report_breaches(meeting=report.meeting, data=data), report.pk
        checked += 1
    assert checked


@pytest.mark.django_db
def test_the_same_number_of_deals_gives_the_same_data_at_any_hour(debug_on):
    def picture():
        counts = {
            model.__name__: model.objects.count()
            for model in (Deal, Meeting, Consultation, PaymentTermRequest, BriefingVersion, NegotiationReport)
        }
        deals = Deal.objects.order_by("pk").values_list("title", "status", "owner__username", "team__name")
        return counts, list(deals)

    morning = timezone.now().replace(hour=7)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    scale_seed(deals=DEALS, now=morning)
    first = picture()
    call_command("flush", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    scale_seed(deals=DEALS, now=morning + datetime.timedelta(hours=9))
    assert picture() == first


@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers are used with COPY on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_forked_workers_write_the_same_data_as_one_process(settings):
    settings.DEBUG = True

    def fresh_demo():
        # An empty database with its sequences back at 1, then the demo data.
        call_command("flush", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    def generated(model, team):
        # The demo data's times follow the clock to the minute; the company's are pinned to ``now``.
        return model.objects.filter(**{f"{team}__description__contains": "seed_scale"}).order_by("pk")

    def rows():
        return (
            list(Deal.objects.order_by("pk").values_list("pk", "title", "status", "owner_id", "customer_id")),
            list(generated(Meeting, "deal__team").values_list("pk", "deal_id", "starts_at", "stage")),
            list(BriefingVersion.objects.order_by("pk").values_list("pk", "briefing__deal_id", "snapshot")),
            list(NegotiationReport.objects.order_by("pk").values_list("pk", "meeting_id", "breaches")),
            list(generated(Notification, "team").values_list("pk", "recipient_id", "title")),
        )

    now = timezone.now()
    fresh_demo()
    scale_seed(deals=DEALS, workers=1, now=now)
    one = rows()
    fresh_demo()
    scale_seed(deals=DEALS, workers=2, now=now)
    assert rows() == one
    assert len(one[0]) > DEALS


@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers are used with COPY on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_failing_worker_leaves_nothing_behind(settings, monkeypatch):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    deals, users = Deal.objects.count(), User.objects.count()
    written = []

    def fail_in_the_second_team(story):
        written.append(story.team.id)
        if len(set(written)) > 1:
            raise RuntimeError("generator broke")

    monkeypatch.setattr("deals.scale.company.DealStory.write", fail_in_the_second_team)
    with pytest.raises(ScaleSeedError, match="generator broke"):
        scale_seed(deals=DEALS, workers=2)
    assert (Deal.objects.count(), User.objects.count()) == (deals, users)
    assert scale_seeded_with() is None


@pytest.mark.django_db
def test_it_refuses_a_second_run_and_changes_nothing(debug_on):
    seed()
    deals = Deal.objects.count()
    with pytest.raises(CommandError, match="already ran"):
        seed()
    assert Deal.objects.count() == deals


@pytest.mark.django_db
def test_the_pages_render_for_generated_people(debug_on, client):
    seed()
    team = generated_team()
    manager = Membership.objects.filter(team=team, role=Role.MANAGER).first().user
    rep = Deal.objects.filter(team=team).values_list("owner", flat=True).first()
    rep = User.objects.get(pk=rep)
    consultation = (
        Consultation.objects.filter(deal__team=team, department="production", assignee__isnull=False)
        .select_related("assignee")
        .first()
    )
    production = consultation.assignee

    def ok(user, urls):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url, response.status_code)

    home = [reverse("home"), reverse("deals:list"), reverse("notifications")]
    deal = Deal.objects.filter(owner=rep, briefing__versions__isnull=False).first()
    meeting = deal.meetings.order_by("pk").first()
    deal_pages = [
        reverse("deals:detail", args=[deal.pk]),
        reverse("deals:briefing_history", args=[deal.pk]),
        reverse("deals:meeting_brief", args=[meeting.pk]),
        reverse("deals:meeting_ics", args=[meeting.pk]),
    ]
    ok(rep, [*home, *deal_pages, reverse("deals:briefing_edit", args=[deal.pk])])
    ok(manager, [*home, *deal_pages, reverse("deals:approvals"), reverse("deals:team_results")])
    ok(production, [*home, reverse("deals:detail", args=[consultation.deal_id])])
    finance = Membership.objects.filter(team=team, role=Role.FINANCE).first().user
    ok(finance, [*home, reverse("deals:finance_queue")])
    report = NegotiationReport.objects.filter(meeting__deal__team=team).exclude(breaches=[]).first()
    ok(manager, [reverse("deals:report_detail", args=[report.pk])])
    counts = Counter(Deal.objects.filter(team=team).values_list("status", flat=True))
    assert len(counts) >= 4
