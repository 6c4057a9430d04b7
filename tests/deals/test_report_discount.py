"""The report's agreed price and stated discount must agree off the approved list price (within
rounding), or the rep says why they differ; and the report writes its figures as every page does."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deals.domain.report_check import ReportReferences, discount_disagreement
from deals.domain.snapshot import LimitsSnapshot
from deals.models import NegotiationReport
from deals.services.reports import report_file
from negprep.errors import Invalid
from tests.deals.briefing_helpers import approve_briefing
from tests.deals.test_views_reports import FORM


def _references(list_price="1300.00") -> ReportReferences:
    limits = LimitsSnapshot.from_json({"currency": "EUR", "list_price": list_price})
    return ReportReferences(
        currency="EUR",
        limits=limits,
        approved_version_number=1,
        terms={},
        terms_source="the finance policy allows",
        terms_granted=False,
    )


# The rule ------------------------------------------------------------------------------------


def test_a_price_and_a_discount_that_disagree_are_named_with_the_discount_the_price_means():
    message = discount_disagreement(
        references=_references(), data={"agreed_price": Decimal("1150"), "discount_pct": Decimal("15")}
    )
    assert message == (
        "An agreed price of 1,150.00 is 11.54 % off the list price of 1,300.00 EUR, not 15 %: "
        "correct the price or the discount, or say why they differ."
    )


@pytest.mark.parametrize("stated", ["11.54", "11.5", "12", "11.04", "12.04"])
def test_a_discount_rounded_within_half_a_point_agrees(stated):
    data = {"agreed_price": Decimal("1150"), "discount_pct": Decimal(stated)}
    assert discount_disagreement(references=_references(), data=data) is None


@pytest.mark.parametrize("stated", ["11", "12.1"])
def test_more_than_half_a_point_off_disagrees(stated):
    data = {"agreed_price": Decimal("1150"), "discount_pct": Decimal(stated)}
    assert discount_disagreement(references=_references(), data=data) is not None


def test_a_price_above_the_list_price_is_no_discount():
    data = {"agreed_price": Decimal("1365"), "discount_pct": Decimal("5")}
    message = discount_disagreement(references=_references(), data=data)
    assert message.startswith("An agreed price of 1,365.00 is 5 % above the list price of 1,300.00 EUR")


@pytest.mark.parametrize(
    "data",
    [
        {"agreed_price": None, "discount_pct": Decimal("15")},
        {"agreed_price": Decimal("1150"), "discount_pct": None},
        {"agreed_price": "", "discount_pct": ""},
    ],
)
def test_nothing_is_compared_without_both_figures(data):
    assert discount_disagreement(references=_references(), data=data) is None


def test_nothing_is_compared_without_an_approved_list_price():
    data = {"agreed_price": Decimal("1150"), "discount_pct": Decimal("15")}
    assert discount_disagreement(references=_references(list_price=None), data=data) is None
    no_limits = ReportReferences(
        currency="EUR",
        limits=None,
        approved_version_number=None,
        terms={},
        terms_source="",
        terms_granted=False,
    )
    assert discount_disagreement(references=no_limits, data=data) is None


# Filing -------------------------------------------------------------------------------------


def test_filing_figures_that_disagree_is_refused_on_the_discount_and_saves_nothing(
    approved, past_meeting, rep
):
    with pytest.raises(Invalid) as refused:
        report_file(
            meeting=past_meeting,
            by=rep,
            outcome="continue",
            agreed_price=Decimal("230.00"),
            discount_pct=Decimal("12"),
        )
    assert list(refused.value.field_messages) == ["discount_pct"]
    assert "is 8 % off the list price of 250.00 EUR, not 12 %" in refused.value.messages[0]
    assert not NegotiationReport.objects.exists()


def test_the_reps_reason_lets_figures_that_disagree_through_and_is_kept(approved, past_meeting, rep):
    report = report_file(
        meeting=past_meeting,
        by=rep,
        outcome="continue",
        agreed_price=Decimal("230.00"),
        discount_pct=Decimal("12"),
        discount_note="  8 % off the price plus a 4 % bonus on the yearly volume  ",
    )
    report.refresh_from_db()
    assert report.discount_note == "8 % off the price plus a 4 % bonus on the yearly volume"
    assert report.discount_pct == Decimal("12.00")


def test_figures_that_agree_need_no_reason(approved, past_meeting, rep):
    report = report_file(
        meeting=past_meeting, by=rep, outcome="won", agreed_price=Decimal("230.00"), discount_pct=Decimal("8")
    )
    assert report.discount_note == ""


def test_a_reason_too_long_is_refused_on_its_field(approved, past_meeting, rep):
    with pytest.raises(Invalid) as refused:
        report_file(meeting=past_meeting, by=rep, outcome="continue", discount_note="x" * 501)
    assert list(refused.value.field_messages) == ["discount_note"]


# The pages ----------------------------------------------------------------------------------


def _url(meeting):
    return reverse("deals:report_file", args=[meeting.pk])


def test_the_form_states_the_list_price_the_discount_is_checked_against(client, rep, approved, past_meeting):
    client.force_login(rep)
    page = client.get(_url(past_meeting)).content.decode()
    assert "Off the approved list price of 250.00 EUR" in page
    assert 'name="discount_note"' in page


def test_without_approved_limits_there_is_no_reason_to_give(client, rep, past_meeting):
    client.force_login(rep)
    assert 'name="discount_note"' not in client.get(_url(past_meeting)).content.decode()


def test_the_refusal_shows_on_the_discount_field_and_keeps_what_was_typed(
    client, rep, approved, past_meeting
):
    client.force_login(rep)
    data = {**FORM, "agreed_price": "230", "discount_pct": "15", "lessons": "Typed before the refusal"}
    response = client.post(_url(past_meeting), data)
    assert response.status_code == 400
    assert response.context["form"].errors["discount_pct"] == [
        "An agreed price of 230.00 is 8 % off the list price of 250.00 EUR, not 15 %: "
        "correct the price or the discount, or say why they differ."
    ]
    assert "Typed before the refusal" in response.content.decode()
    assert not NegotiationReport.objects.exists()


def test_the_report_page_shows_the_reason_and_writes_figures_as_every_page_does(
    client, deal, rep, manager, past_meeting
):
    approve_briefing(
        deal,
        rep,
        manager,
        list_price=Decimal("1300.00"),
        target_price=Decimal("1200.00"),
        walk_away_price=Decimal("1100.00"),
        max_discount_pct=Decimal("15.00"),
        quantity_max=2000,
    )
    client.force_login(rep)
    data = {
        **FORM,
        "agreed_price": "1150",
        "discount_pct": "15",
        "quantity": "1200",
        "discount_note": "15 % off the 2025 price list, which the customer holds us to",
    }
    response = client.post(_url(past_meeting), data)
    assert response.status_code == 302
    client.force_login(manager)
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="report-price">1,150.00 EUR<' in page
    assert "1150.00" not in page
    assert "15 % off the 2025 price list, which the customer holds us to" in page
    assert "1,200" in page
