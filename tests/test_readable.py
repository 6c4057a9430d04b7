"""Values are written one way, in Python and in templates alike."""

from datetime import date
from decimal import Decimal

from django.template import Context, Template

from negprep import readable


def _render(source: str, **context) -> str:
    return Template("{% load negprep_tags %}" + source).render(Context(context))


def test_money_percentages_quantities_and_days_read_as_people_write_them():
    assert readable.money(Decimal("885000")) == "885,000.00"
    assert readable.money("209.999", "EUR") == "210.00 EUR"
    assert readable.pct(Decimal("12.50")) == "12.5"
    assert readable.pct(Decimal("100.00")) == "100"
    assert readable.quantity(1200) == "1,200"
    assert readable.day(date(2026, 12, 1)) == "1 Dec 2026"


def test_the_template_filters_write_the_same_and_nothing_for_none():
    assert _render("{{ v|money:'EUR' }} · {{ d|pct }} %", v=Decimal("870000"), d=Decimal("8.00")) == (
        "870,000.00 EUR · 8 %"
    )
    assert _render("[{{ v|money:'EUR' }}][{{ v|pct }}]", v=None) == "[][]"


def test_a_trade_of_the_concession_plan_is_escaped_and_bold_on_both_sides():
    html = _render("{{ trade|concession }}", trade={"give": "<script>", "get": "3-year term"})
    assert html == "Give <strong>&lt;script&gt;</strong> only for <strong>3-year term</strong>"
