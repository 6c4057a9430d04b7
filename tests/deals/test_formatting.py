"""Money, percentages and the concession plan read the same in pages, e-mails and messages."""

from decimal import Decimal

from django.template import Context, Template

from deals import formatting
from deals.formatting import concession, money, pct
from deals.models import Concession


def _render(source: str, **context) -> str:
    return Template("{% load formatting %}" + source).render(Context(context))


def test_money_has_thousands_separators_and_cents():
    assert money(Decimal("870000")) == "870,000.00"
    assert money(Decimal("1234.5")) == "1,234.50"
    assert money(Decimal("1234567.5"), places=0) == "1,234,568"


def test_a_percentage_is_written_as_people_write_it():
    assert pct(Decimal("20.00")) == "20"
    assert pct(Decimal("12.50")) == "12.5"
    assert pct(Decimal("19.99")) == "19.99"
    assert pct(Decimal("100")) == "100"  # not 1E+2


def test_the_filters_write_what_the_python_functions_write():
    value, share = Decimal("885000.5"), Decimal("12.50")
    assert _render("{{ v|money }}", v=value) == money(value)
    assert _render("{{ v|money:0 }}", v=value) == money(value, places=0)
    assert _render("{{ v|pct }}", v=share) == pct(share)


def test_an_empty_value_leaves_room_for_a_default():
    assert _render('{{ v|money|default:"—" }} {{ v|pct|default:"—" }}', v=None) == "— —"


def test_a_trade_reads_the_same_from_a_row_and_from_a_snapshot():
    row = Concession(give="2 % discount", get="a 3-year term")
    snapshot = {"give": "2 % discount", "get": "a 3-year term"}
    html = "Give <strong>2 % discount</strong> only for <strong>a 3-year term</strong>"
    assert _render("{{ c|concession }}", c=row) == html
    assert _render("{{ c|concession }}", c=snapshot) == html
    assert str(row) == concession(row.give, row.get) == "Give 2 % discount only for a 3-year term"


def test_a_trade_is_escaped_in_the_pages():
    assert "&lt;b&gt;" in _render("{{ c|concession }}", c={"give": "<b>", "get": "x"})


def test_money_with_a_currency_quantities_and_days_read_as_people_write_them():
    from datetime import date

    assert formatting.money("209.999", "EUR") == "210.00 EUR"
    assert formatting.quantity(1200) == "1,200"
    assert formatting.day(date(2026, 12, 1)) == "1 Dec 2026"
