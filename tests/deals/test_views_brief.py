import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import (
    CanFulfil,
    CoNegotiatorStatus,
    ConsultationStatus,
    Department,
    OnCallStatus,
)
from deals.services.briefings import briefing_save, briefing_submit
from deals.services.guidelines import guidelines_ask, guidelines_give
from deals.services.payments import payment_request_submit
from teams.models import Role
from tests.deals.briefing_helpers import COMPLETE_FIELDS, PITCH, approve_briefing, fill_briefing
from tests.factories import (
    CoNegotiatorRequestFactory,
    ConsultationFactory,
    ContactFactory,
    MeetingFactory,
    MembershipFactory,
    OnCallFactory,
    PaymentTermRequestFactory,
    UserFactory,
)


def _brief(client, meeting):
    return client.get(reverse("deals:meeting_brief", args=[meeting.pk]))


def _words(markup: str) -> str:
    """Markup as a reader sees it: tags dropped, whitespace collapsed."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    return re.sub(r"\s+([:.,;])", r"\1", text)


def _text(response) -> str:
    return _words(response.content.decode())


def _section(response, testid) -> str:
    content = response.content.decode()
    start = content.index(f'data-testid="{testid}"')
    return _words(content[start : content.index("</section>", start)])


def _on_call(
    meeting, member, *, status=OnCallStatus.ACCEPTED, topic="technical specs", phone="+49 30 1234567"
):
    return OnCallFactory(meeting=meeting, member=member, status=status, topic=topic, phone=phone)


# Approved content only --------------------------------------------------------


def test_it_shows_the_approved_limits_and_not_the_changed_draft(client, deal, meeting, rep, manager):
    approve_briefing(deal, rep, manager)
    fill_briefing(deal.briefing, rep, walk_away_price=Decimal("205.00"))
    deal.briefing.refresh_from_db()
    assert deal.briefing.version == 2

    client.force_login(rep)
    response = _brief(client, meeting)

    assert response.status_code == 200
    limits = _section(response, "brief-limits")
    assert "Walk-away price 210.00 EUR" in limits
    assert "205" not in _text(response)
    assert "Version 1, approved by" in limits
    warning = _text(response)
    assert (
        "Version 2 is a draft that has not been submitted: the limits below are those approved in version 1."
        in warning
    )


def test_a_submitted_new_version_is_named_as_waiting_for_approval(client, deal, meeting, rep, manager):
    approve_briefing(deal, rep, manager)
    fill_briefing(deal.briefing, rep, walk_away_price=Decimal("205.00"))
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)

    client.force_login(manager)
    response = _brief(client, meeting)

    assert "Version 2 is waiting for approval: the limits below are those approved in version 1." in _text(
        response
    )
    assert "Walk-away price 210.00 EUR" in _section(response, "brief-limits")


def test_it_says_plainly_when_nothing_is_approved(client, deal, meeting, rep):
    fill_briefing(deal.briefing, rep)

    client.force_login(rep)
    response = _brief(client, meeting)

    page = _text(response)
    assert "Nothing is approved yet: version 1 is a draft that has not been submitted." in page
    assert "Not approved yet." in _section(response, "brief-limits")
    assert "Not approved yet." in _section(response, "brief-pitch-points")
    assert "Not approved yet." in _section(response, "brief-concessions")
    # The draft's numbers and pitch points stay off the brief.
    assert "210.00" not in page
    assert PITCH[0]["feature"] not in page
    assert "2 % discount" not in page
    # Its objectives are shown, marked as a draft.
    assert "Objectives draft, not approved Sign a 3-year frame contract" in _section(response, "brief-texts")


def test_an_approved_briefing_shows_no_warning_and_the_approved_plan(client, deal, meeting, rep, manager):
    approve_briefing(deal, rep, manager)

    client.force_login(rep)
    response = _brief(client, meeting)

    assert 'data-testid="approval-warning"' not in response.content.decode()
    assert 'data-testid="draft-mark"' not in response.content.decode()
    assert PITCH[0]["feature"] in _section(response, "brief-pitch-points")
    assert "Give 2 % discount only for 3-year term" in _section(response, "brief-concessions")
    assert "Too expensive" in _section(response, "brief-objections")
    assert "Maximum discount 12 %" in _section(response, "brief-limits")


def test_text_and_trades_changed_after_approval_are_not_passed_off_as_approved(
    client, deal, meeting, rep, manager
):
    approve_briefing(deal, rep, manager)
    # Objectives and the concession plan change without touching limits or pitch points:
    # the briefing stays approved (same version), but this wording was never approved.
    deal.briefing.refresh_from_db()
    briefing_save(
        briefing=deal.briefing,
        by=rep,
        revision=deal.briefing.revision,
        fields={**COMPLETE_FIELDS, "objectives": "Sign a 5-year contract"},
        pitch_points=PITCH,
        objections=[{"objection": "Too expensive", "answer": "Lower total cost"}],
        concessions=[{"give": "free installation", "get": "nothing"}],
    )

    client.force_login(rep)
    response = _brief(client, meeting)

    texts = _section(response, "brief-texts")
    assert "Objectives draft, not approved Sign a 5-year contract" in texts
    assert "Approach and agenda Open with the reliability data" in texts  # unchanged: approved
    concessions = _section(response, "brief-concessions")
    assert "2 % discount" in concessions
    assert "free installation" not in concessions


def test_payment_terms_granted_by_finance_stand_in_the_limits(client, deal, meeting, rep, manager, world):
    approve_briefing(deal, rep, manager)
    payment_request_submit(
        deal=deal,
        by=rep,
        net_days=30,
        deposit_pct=Decimal("0"),
        instalments=1,
        early_payment_discount=False,
        other_conditions="",
        customer_reason="Their standard",
        justification="",
    )

    client.force_login(rep)
    response = _brief(client, meeting)

    terms = _section(response, "brief-limits")
    assert "30 days net, no deposit — within the finance policy (approved automatically)" in terms


# People --------------------------------------------------------------------------


def test_it_shows_who_we_meet_and_what_they_care_about(client, meeting, rep, world):
    ContactFactory(
        customer=world.objects["customer"],
        name="Omar Plant",
        title="Plant Manager",
        buying_role="decision_maker",
        cares_about="Uptime",
    )

    client.force_login(rep)
    contacts = _section(_brief(client, meeting), "brief-contacts")

    assert "Dana Buyer, Head of Purchasing Economic buyer Cares about: Total cost of ownership" in contacts
    assert "Omar Plant" not in contacts  # not invited to this meeting


def test_on_call_phone_numbers_and_co_negotiators_appear(client, meeting, rep, world):
    production, supply_chain, manager = (world.members[r] for r in ("production", "supply_chain", "manager"))
    _on_call(meeting, production, phone="+49 30 5550103")
    _on_call(meeting, supply_chain, status=OnCallStatus.REQUESTED, topic="delivery")
    _on_call(meeting, world.members["finance"], status=OnCallStatus.DECLINED, topic="payment")
    meeting.co_negotiators.add(manager)
    CoNegotiatorRequestFactory(meeting=meeting, member=manager, status=CoNegotiatorStatus.ACCEPTED)
    CoNegotiatorRequestFactory(meeting=meeting, member=world.members["finance"])

    client.force_login(rep)
    response = _brief(client, meeting)

    assert 'href="tel:+49305550103"' in response.content.decode()
    on_call = _section(response, "brief-on-call")
    assert f"{production} · technical specs · +49 30 5550103" in on_call
    assert f"{supply_chain} · delivery — not confirmed" in on_call
    assert "payment" not in on_call  # declined
    co_negotiators = _section(response, "brief-co-negotiators")
    assert f"{manager} comes along." in co_negotiators
    assert f"{world.members['finance']} — asked, not confirmed" in co_negotiators


def test_a_final_meeting_without_a_co_negotiator_says_one_is_needed(client, meeting, rep):
    meeting.stage = "final"
    meeting.save()

    client.force_login(rep)
    response = _brief(client, meeting)

    assert "Nobody comes along: the final round needs a co-negotiator." in _section(
        response, "brief-co-negotiators"
    )
    assert "Nobody has confirmed to be on call." in _section(response, "brief-on-call")


# Departments ---------------------------------------------------------------------


def test_it_shows_the_departments_answers_and_what_is_still_owed(client, deal, meeting, rep, world):
    committed = timezone.localdate() + timedelta(days=40)
    ConsultationFactory(
        deal=deal,
        department=Department.PRODUCTION,
        required=True,
        status=ConsultationStatus.ANSWERED,
        can_fulfil=CanFulfil.PARTLY,
        lead_time_days=14,
        committed_date=committed,
        missing="Food-grade seals",
        support="Paul joins by phone",
        answered_by=world.members["production"],
        answered_at=timezone.now(),
    )
    ConsultationFactory(
        deal=deal,
        department=Department.SUPPLY_CHAIN,
        required=True,
        status=ConsultationStatus.REQUESTED,
        due_at=timezone.now() + timedelta(days=1),
    )
    ConsultationFactory(deal=deal, department=Department.PRODUCTION, required=False)  # never asked
    ConsultationFactory(deal=deal, department=Department.FINANCE, required=False)  # never asked

    client.force_login(rep)
    answers = _section(_brief(client, meeting), "brief-consultations")

    assert (
        f"Production ({world.members['production']}): can fulfil partly · lead time 14 days · "
        f"commits to {committed:%-d %b %Y}" in answers
    )
    assert "Missing: Food-grade seals" in answers
    assert "Support: Paul joins by phone" in answers
    assert "Supply chain: not answered yet (due" in answers
    assert "Finance" not in answers
    assert answers.count("Production") == 1


# Header, time zone, readiness ---------------------------------------------------------


def test_times_are_shown_in_the_viewers_time_zone(client, meeting, rep):
    year = timezone.now().year + 1
    meeting.starts_at = datetime(year, 1, 15, 14, 0, tzinfo=UTC)
    meeting.ends_at = datetime(year, 1, 15, 15, 30, tzinfo=UTC)
    meeting.save()
    rep.time_zone = "America/New_York"
    rep.save()

    client.force_login(rep)
    page = _text(_brief(client, meeting))

    assert f"15 January {year}, 09:00–10:30 (America/New_York)" in page


def test_it_shows_readiness_for_this_meeting_with_what_is_missing(client, meeting, rep):
    client.force_login(rep)
    page = _text(_brief(client, meeting))

    assert re.search(r"Readiness for this meeting: 1 of 4 — not done yet: limits approved", page)
    assert "Not needed: consultations (the deal involves neither production nor delivery)" in page


def test_it_says_what_waits_for_someone_else_and_what_is_not_needed(client, world, deal, meeting, rep):
    PaymentTermRequestFactory(deal=deal, requested_by=rep, net_days=60, customer_reason="Cash flow")
    client.force_login(rep)
    page = _text(_brief(client, meeting))

    assert re.search(
        r"Readiness for this meeting: 1 of 5 — not done yet: .*payment terms decided by finance "
        r"\(waiting for finance\)",
        page,
    )
    assert "co-negotiator (only the final round needs one)" in page


def test_it_shows_the_guidelines_given_and_not_the_question_still_waiting(
    client, deal, meeting, rep, manager
):
    given = guidelines_ask(deal=deal, by=rep, questions="How far may I go?")
    guidelines_give(deal=deal, by=manager, guidelines="Volume first, then price.", answering=given)
    guidelines_ask(deal=deal, by=rep, questions="And the delivery date?")
    client.force_login(rep)
    section = _section(_brief(client, meeting), "brief-guidelines")

    assert f"{manager}" in section and "Volume first, then price." in section
    assert "delivery date" not in section


def test_a_cancelled_meeting_says_so(client, meeting, rep):
    meeting.cancelled = True
    meeting.cancelled_reason = "Customer postponed"
    meeting.save()

    client.force_login(rep)
    response = _brief(client, meeting)

    assert "This meeting was cancelled: Customer postponed." in _text(response)


def test_it_has_a_print_button_and_the_calendar_link(client, meeting, rep):
    client.force_login(rep)
    content = _brief(client, meeting).content.decode()

    # Printed by static/js/negprep.js: the Content-Security-Policy refuses an onclick attribute.
    assert '<button type="button" class="btn btn-primary" data-print>Print</button>' in content
    assert reverse("deals:meeting_ics", args=[meeting.pk]) in content


# Access and cost ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "production", "staff"])
def test_it_returns_404_to_those_who_may_not_see_the_deal(client, meeting, world, who):
    client.force_login(world.user(who))
    assert _brief(client, meeting).status_code == 404
    assert client.get(reverse("deals:meeting_ics", args=[meeting.pk])).status_code == 404


def test_a_department_that_sees_only_the_summary_may_not_read_the_brief_or_its_calendar(
    client, deal, meeting, world
):
    production = world.members["production"]
    ConsultationFactory(
        deal=deal, department=Department.PRODUCTION, status=ConsultationStatus.WAIVED, waive_reason="Stock"
    )
    client.force_login(production)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200
    brief = _brief(client, meeting)
    assert brief.status_code == 403
    assert "Walk-away" not in brief.content.decode()
    assert client.get(reverse("deals:meeting_ics", args=[meeting.pk])).status_code == 403


def test_a_colleague_who_declined_the_cover_no_longer_reads_the_brief(client, meeting, world):
    _on_call(meeting, world.members["production"], status=OnCallStatus.DECLINED)
    client.force_login(world.members["production"])
    assert _brief(client, meeting).status_code == 403


def test_a_colleague_on_call_may_read_the_brief(client, meeting, world):
    _on_call(meeting, world.members["production"], status=OnCallStatus.REQUESTED)
    client.force_login(world.members["production"])
    assert _brief(client, meeting).status_code == 200


def _grow(meeting, deal, world, n):
    """``n`` more of everything the brief lists: contacts, people on call, consultations, co-negotiators."""
    for i in range(n):
        user = UserFactory()
        MembershipFactory(user=user, team=world.team, role=Role.PRODUCTION)
        _on_call(meeting, user, topic=f"topic {i}")
        meeting.co_negotiators.add(user)
        CoNegotiatorRequestFactory(meeting=meeting, member=user)
        meeting.contacts.add(ContactFactory(customer=world.objects["customer"]))
        ConsultationFactory(
            deal=deal,
            department=Department.PRODUCTION,
            status=ConsultationStatus.ANSWERED,
            can_fulfil=CanFulfil.YES,
            answered_by=user,
        )


def test_the_brief_takes_a_constant_number_of_queries(
    client, deal, meeting, rep, manager, world, django_assert_max_num_queries
):
    approve_briefing(deal, rep, manager)
    _grow(meeting, deal, world, 1)
    client.force_login(rep)
    with django_assert_max_num_queries(100) as few:
        assert _brief(client, meeting).status_code == 200

    _grow(meeting, deal, world, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = _brief(client, meeting)
    assert response.status_code == 200
    assert _section(response, "brief-on-call").count("topic ") == 6


def test_the_deal_page_links_every_meeting_that_is_not_cancelled_to_its_brief(
    client, deal, meeting, rep, manager
):
    cancelled = MeetingFactory(
        deal=deal,
        starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1),
        cancelled=True,
    )
    for viewer in (rep, manager):
        client.force_login(viewer)
        content = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
        assert reverse("deals:meeting_brief", args=[meeting.pk]) in content
        assert reverse("deals:meeting_ics", args=[meeting.pk]) in content
        assert reverse("deals:meeting_brief", args=[cancelled.pk]) not in content


def test_the_consultations_panel_offers_the_due_time_as_a_calendar_file(client, deal, rep):
    consultation = ConsultationFactory(
        deal=deal,
        department=Department.PRODUCTION,
        required=True,
        status=ConsultationStatus.REQUESTED,
        due_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(rep)
    content = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert reverse("deals:consultation_ics", args=[consultation.pk]) in content
