import importlib
from datetime import timedelta

from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from deals.domain.readiness import DONE, MISSING, NOT_NEEDED, WAITING
from deals.models import (
    Activity,
    Consultation,
    ConsultationStatus,
    Deal,
    DealStatus,
    OnCallStatus,
    PaymentTermStatus,
)
from deals.selectors.readiness import readiness_for_deal, readiness_for_deals
from deals.services.briefings import briefing_submit
from deals.services.cover import (
    co_negotiator_request,
    co_negotiator_respond,
    on_call_request,
    on_call_respond,
)
from deals.services.guidelines import guidelines_ask
from deals.services.readiness import readiness_refresh, readiness_resync
from deals.services.required_consultations import consultations_derive
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


def _states(readiness) -> dict[str, str]:
    return {key: check.state for key, check in readiness.checks.items()}


def test_a_new_deal_counts_only_what_applies_to_it(deal):
    readiness = readiness_for_deal(deal)
    assert _states(readiness) == {
        "meeting": DONE,
        "limits": MISSING,
        "pitch": MISSING,
        "consultations": NOT_NEEDED,
        "payment_terms": NOT_NEEDED,
        "on_call": MISSING,
        "co_negotiator": NOT_NEEDED,
    }
    assert str(readiness) == "1 of 4"
    assert "Limits approved (current version)" in readiness.missing
    assert readiness.missing_short == ["limits", "pitch", "on-call cover"]
    assert [check.note for check in readiness.not_needed] == [
        "the deal involves neither production nor delivery",
        "no special payment terms asked for",
        "only the final round needs one",
    ]


def test_a_deal_that_involves_production_counts_its_consultations(deal):
    deal.involves_production = True
    deal.save()
    consultations_derive(deal=deal)
    readiness = readiness_for_deal(deal)
    assert readiness.checks["consultations"].state == MISSING
    assert readiness.checks["consultations"].note == "not asked yet: production"
    assert str(readiness) == "1 of 5"


def test_a_meeting_without_contacts_does_not_count(world, deal):
    world.objects["meeting"].contacts.clear()
    check = readiness_for_deal(deal).checks["meeting"]
    assert (check.state, check.note) == (MISSING, "no customer contacts named")


def test_a_cancelled_or_past_meeting_does_not_count(world, deal):
    meeting = world.objects["meeting"]
    meeting.cancelled = True
    meeting.save()
    assert readiness_for_deal(deal).checks["meeting"].state == MISSING
    past = MeetingFactory(deal=deal, starts_at=timezone.now() - timedelta(days=2))
    past.contacts.set([world.objects["contact"]])
    assert readiness_for_deal(deal).checks["meeting"].state == MISSING


def test_without_a_meeting_no_co_negotiator_is_needed_but_cover_is_missing(world, deal):
    world.objects["meeting"].delete()
    readiness = readiness_for_deal(deal)
    assert readiness.checks["meeting"].state == MISSING
    assert readiness.checks["on_call"].state == MISSING
    assert readiness.checks["co_negotiator"].state == NOT_NEEDED
    assert not any("co-negotiator" in item.lower() for item in readiness.missing)
    assert str(readiness) == "0 of 4"


def test_limits_and_pitch_count_only_while_they_match_the_approval(world, deal):
    rep, manager = world.members["rep"], world.members["manager"]
    approve_briefing(deal, rep, manager)
    assert readiness_for_deal(deal).checks["limits"].done and readiness_for_deal(deal).checks["pitch"].done
    fill_briefing(deal.briefing, rep, target_price="235.00")
    checks = readiness_for_deal(deal).checks
    assert checks["limits"].state == MISSING
    assert checks["pitch"].done


def test_a_submitted_briefing_waits_for_the_approval(world, deal):
    rep = world.members["rep"]
    fill_briefing(deal.briefing, rep)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    readiness = readiness_for_deal(deal)
    assert readiness.checks["limits"].state == WAITING
    assert readiness.checks["limits"].summary == "waiting for approval"
    assert str(readiness) == "1 of 4"


def test_an_unsettled_required_consultation_is_missing_then_waiting_and_names_its_department(deal):
    consultation = ConsultationFactory(deal=deal, department="production", required=True)
    readiness = readiness_for_deal(deal)
    assert readiness.checks["consultations"].state == MISSING
    assert readiness.missing_consultations == ["Production"]
    consultation.status = ConsultationStatus.REQUESTED
    consultation.save()
    check = readiness_for_deal(deal).checks["consultations"]
    assert (check.state, check.summary) == (WAITING, "waiting for production")
    Consultation.objects.filter(deal=deal).update(status=ConsultationStatus.WAIVED)
    assert readiness_for_deal(deal).checks["consultations"].state == NOT_NEEDED
    deal.involves_production = True
    deal.save()
    assert readiness_for_deal(deal).checks["consultations"].done


def test_an_optional_consultation_does_not_count(deal):
    ConsultationFactory(deal=deal, department="finance", required=False)
    assert readiness_for_deal(deal).checks["consultations"].state == NOT_NEEDED


def test_a_pending_payment_term_request_waits_for_finance_and_loses_no_point(world, deal):
    before = readiness_for_deal(deal)
    request = PaymentTermRequestFactory(
        deal=deal, requested_by=world.members["rep"], net_days=60, customer_reason="Cash flow"
    )
    readiness = readiness_for_deal(deal)
    assert readiness.checks["payment_terms"].state == WAITING
    assert "waiting for finance" in readiness.missing_short
    assert readiness.done == before.done
    assert readiness.payment_terms_pending
    request.status = PaymentTermStatus.COUNTERED
    request.save()
    assert readiness_for_deal(deal).checks["payment_terms"].done
    request.status = PaymentTermStatus.REJECTED
    request.save()
    assert readiness_for_deal(deal).checks["payment_terms"].done


def test_special_payment_terms_without_a_request_are_missing(deal):
    deal.special_payment_terms = True
    deal.save()
    check = readiness_for_deal(deal).checks["payment_terms"]
    assert (check.state, check.note) == (MISSING, "not requested yet")


def test_on_call_counts_once_accepted_and_covering_the_meeting(world, deal):
    meeting = world.objects["meeting"]
    on_call = on_call_request(
        meeting=meeting, by=world.members["rep"], member=world.members["production"], topic="specs"
    )
    assert readiness_for_deal(deal).checks["on_call"].state == WAITING
    on_call_respond(on_call=on_call, by=world.members["production"], accept=True)
    assert readiness_for_deal(deal).checks["on_call"].done
    on_call.available_to = meeting.ends_at - timedelta(minutes=30)
    on_call.save()
    assert readiness_for_deal(deal).checks["on_call"].state == MISSING


def test_a_final_meeting_needs_an_accepted_co_negotiator(world, deal):
    meeting = world.objects["meeting"]
    meeting.stage = "final"
    meeting.save()
    assert readiness_for_deal(deal).checks["co_negotiator"].state == MISSING
    asked = co_negotiator_request(meeting=meeting, by=world.members["rep"], member=world.members["manager"])
    assert readiness_for_deal(deal).checks["co_negotiator"].state == WAITING
    co_negotiator_respond(request=asked, by=world.members["manager"], accept=True)
    assert readiness_for_deal(deal).checks["co_negotiator"].done


def test_the_boss_is_consulted_once_the_current_version_is_approved_whatever_the_guidelines(world, deal):
    rep, manager = world.members["rep"], world.members["manager"]
    guidelines_ask(deal=deal, by=rep, questions="How far may I go?")
    readiness = readiness_for_deal(deal)
    assert readiness.checks["limits"].state == MISSING
    approve_briefing(deal, rep, manager)
    readiness = readiness_for_deal(deal)
    assert readiness.checks["limits"].done and readiness.checks["pitch"].done


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


def test_ready_says_how_many_checks_apply(world, deal):
    _make_ready(world, deal)
    entry = deal.activities.get(verb="deal_readiness")
    assert entry.summary == "The deal is ready for the next meeting: all 4 checks that apply are done"


def test_the_resync_moves_each_deal_to_the_status_its_checklist_says(world, deal, capsys):
    _make_ready(world, deal)
    stale_ready = DealFactory(team=world.team, owner=world.members["rep"], customer=world.objects["customer"])
    MeetingFactory(deal=stale_ready, contacts=[world.objects["contact"]])
    Deal.objects.filter(pk=stale_ready.pk).update(status=DealStatus.READY)
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.PREPARING)
    won = DealFactory(team=world.team, owner=world.members["rep"], status=DealStatus.WON)

    assert readiness_resync(batch=1) == 2

    assert Deal.objects.get(pk=deal.pk).status == DealStatus.READY
    assert Deal.objects.get(pk=stale_ready.pk).status == DealStatus.PREPARING
    assert Deal.objects.get(pk=won.pk).status == DealStatus.WON
    assert readiness_resync() == 0
    call_command("refresh_readiness")
    assert "0 deals changed status." in capsys.readouterr().out


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
    assert shown.checks["on_call"].done and shown.checks["limits"].done


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
