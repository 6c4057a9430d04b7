import importlib
from datetime import timedelta

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from deals.models import (
    Activity,
    Consultation,
    ConsultationStatus,
    DealStatus,
    OnCallStatus,
    PaymentTermStatus,
)
from deals.selectors.readiness import readiness_for_deal, readiness_for_deals
from deals.services.cover import (
    co_negotiator_request,
    co_negotiator_respond,
    on_call_request,
    on_call_respond,
)
from deals.services.readiness import readiness_refresh
from tests.deals.briefing_helpers import approve_briefing, fill_briefing
from tests.factories import ConsultationFactory, DealFactory, MeetingFactory, PaymentTermRequestFactory


def _cover(meeting, rep, member):
    on_call = on_call_request(meeting=meeting, by=rep, member=member, topic="technical specs")
    on_call_respond(on_call=on_call, by=member, accept=True)
    return on_call


def _make_ready(world, deal):
    rep, manager = world.members["rep"], world.members["manager"]
    approve_briefing(deal, rep, manager)
    Consultation.objects.filter(deal=deal).update(status=ConsultationStatus.ANSWERED)
    _cover(world.objects["meeting"], rep, world.members["production"])


def test_a_new_deal_misses_what_nobody_has_done_yet(deal):
    readiness = readiness_for_deal(deal)
    assert readiness.checks == {
        "meeting": True,
        "limits": False,
        "pitch": False,
        "consultations": True,
        "payment_terms": True,
        "on_call": False,
        "co_negotiator": True,
    }
    assert str(readiness) == "4 of 7"
    assert "Limits approved (current version)" in readiness.missing


def test_a_meeting_without_contacts_does_not_count(world, deal):
    world.objects["meeting"].contacts.clear()
    assert readiness_for_deal(deal).checks["meeting"] is False


def test_a_cancelled_or_past_meeting_does_not_count(world, deal):
    meeting = world.objects["meeting"]
    meeting.cancelled = True
    meeting.save()
    assert readiness_for_deal(deal).checks["meeting"] is False
    past = MeetingFactory(deal=deal, starts_at=timezone.now() - timedelta(days=2))
    past.contacts.set([world.objects["contact"]])
    assert readiness_for_deal(deal).checks["meeting"] is False


def test_without_a_meeting_there_is_no_co_negotiator_to_miss_but_no_cover_either(world, deal):
    world.objects["meeting"].delete()
    readiness = readiness_for_deal(deal)
    assert readiness.checks["meeting"] is False
    assert readiness.checks["on_call"] is False
    assert readiness.checks["co_negotiator"] is True
    assert not any("co-negotiator" in item for item in readiness.missing)


def test_limits_and_pitch_count_only_while_they_match_the_approval(world, deal):
    rep, manager = world.members["rep"], world.members["manager"]
    approve_briefing(deal, rep, manager)
    assert readiness_for_deal(deal).checks["limits"] and readiness_for_deal(deal).checks["pitch"]
    fill_briefing(deal.briefing, rep, target_price="235.00")
    checks = readiness_for_deal(deal).checks
    assert checks["limits"] is False
    assert checks["pitch"] is True


def test_an_unsettled_required_consultation_is_missing_and_names_its_department(deal):
    ConsultationFactory(deal=deal, department="production", required=True)
    readiness = readiness_for_deal(deal)
    assert readiness.checks["consultations"] is False
    assert readiness.missing_consultations == ["Production"]
    Consultation.objects.filter(deal=deal).update(status=ConsultationStatus.WAIVED)
    assert readiness_for_deal(deal).checks["consultations"] is True


def test_an_optional_consultation_does_not_block(deal):
    ConsultationFactory(deal=deal, department="finance", required=False)
    assert readiness_for_deal(deal).checks["consultations"] is True


def test_a_pending_payment_term_request_is_missing(world, deal):
    request = PaymentTermRequestFactory(
        deal=deal, requested_by=world.members["rep"], net_days=60, customer_reason="Cash flow"
    )
    assert readiness_for_deal(deal).checks["payment_terms"] is False
    request.status = PaymentTermStatus.COUNTERED
    request.save()
    assert readiness_for_deal(deal).checks["payment_terms"] is True


def test_on_call_counts_once_accepted_and_covering_the_meeting(world, deal):
    meeting = world.objects["meeting"]
    on_call = on_call_request(
        meeting=meeting, by=world.members["rep"], member=world.members["production"], topic="specs"
    )
    assert readiness_for_deal(deal).checks["on_call"] is False
    on_call_respond(on_call=on_call, by=world.members["production"], accept=True)
    assert readiness_for_deal(deal).checks["on_call"] is True
    on_call.available_to = meeting.ends_at - timedelta(minutes=30)
    on_call.save()
    assert readiness_for_deal(deal).checks["on_call"] is False


def test_a_final_meeting_needs_an_accepted_co_negotiator(world, deal):
    meeting = world.objects["meeting"]
    meeting.stage = "final"
    meeting.save()
    assert readiness_for_deal(deal).checks["co_negotiator"] is False
    asked = co_negotiator_request(
        meeting=meeting, by=world.members["rep"], member=world.members["manager"]
    )
    assert readiness_for_deal(deal).checks["co_negotiator"] is False
    co_negotiator_respond(request=asked, by=world.members["manager"], accept=True)
    assert readiness_for_deal(deal).checks["co_negotiator"] is True


def test_the_deal_becomes_ready_and_drops_back(world, deal):
    _make_ready(world, deal)
    deal.refresh_from_db()
    assert deal.status == DealStatus.READY
    assert readiness_for_deal(deal).is_ready
    fill_briefing(deal.briefing, world.members["rep"], walk_away_price="200.00")
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert deal.activities.filter(verb="deal_readiness").count() == 2
    assert list(deal.readiness_changes.order_by("at", "pk").values_list("ready", flat=True)) == [True, False]


def test_a_declined_on_call_drops_readiness(world, deal):
    _make_ready(world, deal)
    on_call = world.objects["meeting"].on_calls.get()
    on_call_respond(on_call=on_call, by=world.members["production"], accept=False)
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING
    assert on_call.__class__.objects.get(pk=on_call.pk).status == OnCallStatus.DECLINED


def test_refresh_leaves_negotiating_and_closed_deals_alone(world, deal):
    deal.status = DealStatus.WON
    deal.save()
    readiness_refresh(deal=deal)
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def test_readiness_of_a_list_takes_a_constant_number_of_queries(world, django_assert_num_queries):
    deals = [world.objects["deal"]]
    for _ in range(8):
        deal = DealFactory(team=world.team, owner=world.members["rep"], customer=world.objects["customer"])
        MeetingFactory(deal=deal, contacts=[world.objects["contact"]])
        deals.append(deal)
    with django_assert_num_queries(5):
        result = readiness_for_deals(deals)
    assert len(result) == 9


def test_the_deal_page_reads_the_same_readiness_from_the_rows_it_has_already(client, world, deal):
    """The deal page hands its briefing, consultations, granted terms and meetings to the check;
    the answer is the one the check reads on its own, on the way to ready and once there."""
    rep = world.members["rep"]
    client.force_login(rep)
    url = reverse("deals:detail", args=[deal.pk])
    for step in range(3):
        if step == 1:
            approve_briefing(deal, rep, world.members["manager"])
        if step == 2:
            Consultation.objects.filter(deal=deal).update(status=ConsultationStatus.ANSWERED)
            _cover(world.objects["meeting"], rep, world.members["production"])
        shown = client.get(url).context["readiness"]
        expected = readiness_for_deal(deal)
        assert shown.checks == expected.checks, step
        assert shown.next_meeting == expected.next_meeting
        assert shown.missing_consultations == expected.missing_consultations
    assert shown.checks["on_call"] and shown.checks["limits"]


def test_the_migration_turns_the_timelines_readiness_entries_into_readiness_changes(deal):
    migration = importlib.import_module("deals.migrations.0015_readiness_changes")
    start = timezone.now() - timedelta(days=3)
    for hours, verb, changes in [
        (0, "deal_readiness", {"Status": {"old": "Preparing", "new": "Ready"}}),
        (1, "deal_updated", {"Status": {"old": "Ready", "new": "Negotiating"}}),
        (2, "deal_readiness", {"Status": {"old": "Ready", "new": "Preparing"}}),
        (3, "deal_readiness", {}),
    ]:
        entry = Activity.objects.create(deal=deal, verb=verb, summary="…", changes=changes)
        Activity.objects.filter(pk=entry.pk).update(created_at=start + timedelta(hours=hours))
    migration.from_the_timelines(apps, None)
    assert list(deal.readiness_changes.order_by("at").values_list("ready", "at")) == [
        (True, start),
        (False, start + timedelta(hours=2)),
    ]
