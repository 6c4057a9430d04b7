"""Templates hold no business rules: they ask the models (``briefing.is_approved``,
``consultation.is_overdue``, ``on_call.covers_meeting``) instead of comparing raw strings,
so that renaming a status cannot silently change what a page or an e-mail says."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

_TAG = re.compile(r"\{%-?\s*(?:if|elif)\b(.*?)-?%\}", re.S)
_LITERAL = r"""(?<!:)(?:"[^"]*"|'[^']*')"""  # not a filter's argument (date:"Ymd")
_EXPRESSION = r"[A-Za-z_][\w.]*"
_COMPARISONS = [
    # c.status == "answered", "answered" != c.status
    re.compile(rf"(?P<expression>{_EXPRESSION})\s*(?:==|!=)\s*{_LITERAL}"),
    re.compile(rf"{_LITERAL}\s*(?:==|!=)\s*(?P<expression>{_EXPRESSION})"),
    # c.status in "open requested" (a substring test on a literal)
    re.compile(rf"(?P<expression>{_EXPRESSION})\s+(?:not\s+)?in\s+{_LITERAL}"),
]

# Comparisons of the page's own state, not of a model's value: which URL matched, which formset
# field is drawn, which way a column sorts, which tab is open.
ALLOWED = {
    ("partials/navbar.html", "match.url_name"),
    ("partials/navbar.html", "match.app_name"),
    ("deals/partials/formset_row.html", "field.name"),
    ("deals/partials/sort_link.html", "column.state"),
    ("deals/cover_requests.html", "kind"),
}


def raw_comparisons(source: str) -> list[str]:
    """The expressions a template compares with a string literal in its {% if %} and {% elif %} tags."""
    found = []
    for condition in _TAG.findall(source):
        for pattern in _COMPARISONS:
            found += [match["expression"] for match in pattern.finditer(condition)]
    return found


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.suffix in {".html", ".txt"})


def test_the_scan_finds_a_raw_comparison_in_every_form():
    assert raw_comparisons('{% if c.status == "answered" %}') == ["c.status"]
    assert raw_comparisons("{% elif 'final' != meeting.stage %}") == ["meeting.stage"]
    assert raw_comparisons('{% if report.outcome in "won lost" and x %}') == ["report.outcome"]
    assert raw_comparisons("{% if c.is_answered and not c.is_overdue %}") == []
    assert raw_comparisons('{% if a|date:"Ymd" == b|date:"Ymd" %}') == []


def test_no_template_compares_a_value_with_a_raw_string():
    templates = _templates()
    assert len(templates) > 100  # the scan reads the real templates
    offending = [
        f"{path.relative_to(TEMPLATES)}: {expression}"
        for path in templates
        for expression in raw_comparisons(path.read_text())
        if (str(path.relative_to(TEMPLATES)), expression) not in ALLOWED
    ]
    assert offending == [], "Ask the model (e.g. briefing.is_approved) instead of comparing strings"


def test_every_allowed_comparison_is_still_there():
    """An entry of ALLOWED whose template no longer needs it goes, so the list stays short."""
    used = {
        (str(path.relative_to(TEMPLATES)), expression)
        for path in _templates()
        for expression in raw_comparisons(path.read_text())
    }
    assert ALLOWED - used == set()
