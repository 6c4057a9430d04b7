"""Figures read the same on every page: a template shows a money field of a model only through the
``money`` filter (1,150.00) and a percentage field only through ``pct`` (11.5), never raw (1150.00,
11.50), as ``deals.formatting`` writes them in e-mails, messages and the timeline."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.models import DecimalField

TEMPLATES = Path(settings.BASE_DIR) / "templates"
_OUTPUT = re.compile(r"\{\{\s*(?P<expression>[\w.]+)\s*(?P<filters>(?:\|[^}]*)?)\}\}")


def _decimal_fields() -> set[str]:
    return {
        field.name
        for model in apps.get_app_config("deals").get_models()
        for field in model._meta.fields
        if isinstance(field, DecimalField)
    }


def figures_shown_raw(source: str, fields: set[str]) -> list[str]:
    """The outputs of a template that show one of these fields without its formatting filter."""
    raw = []
    for match in _OUTPUT.finditer(source):
        name = match["expression"].rsplit(".", 1)[-1]
        filters = match["filters"].replace(" ", "")
        if name not in fields or "as_crispy_field" in filters:
            continue  # not a figure, or a form's input
        wanted = "|pct" if name.endswith("_pct") else "|money"
        if not filters.startswith(wanted):
            raw.append(match.group(0))
    return raw


def test_the_scan_finds_a_figure_shown_raw():
    fields = {"agreed_price", "discount_pct"}
    assert figures_shown_raw("{{ report.agreed_price }} EUR", fields) == ["{{ report.agreed_price }}"]
    assert figures_shown_raw('{{ report.discount_pct|floatformat:"-2" }}', fields) != []
    assert figures_shown_raw("{{ report.agreed_price|money }} {{ report.discount_pct|pct }}", fields) == []
    assert figures_shown_raw("{{ form.agreed_price|as_crispy_field }}", fields) == []


def test_every_page_and_email_writes_money_and_percentages_the_same_way():
    fields = _decimal_fields()
    assert {"agreed_price", "list_price", "estimated_value", "discount_pct"} <= fields
    offending = [
        f"{path.relative_to(TEMPLATES)}: {output}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.suffix in {".html", ".txt"}
        for output in figures_shown_raw(path.read_text(), fields)
    ]
    assert offending == [], "Show money with |money and percentages with |pct ({% load formatting %})"
