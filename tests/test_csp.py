"""The Content-Security-Policy: what it allows, that no template needs more, and the report endpoint."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
REPORT_URL = "/csp-report/"

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "report-uri": REPORT_URL,
    "report-to": "csp",
}

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://negprep.example.com/deals/12/",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "inline",
        "line-number": 41,
        "column-number": 3,
        "source-file": "https://negprep.example.com/deals/12/",
        "status-code": 200,
        "script-sample": "",
    }
}


def _policy(response) -> dict[str, str]:
    directives = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    return dict(directive.split(" ", 1) for directive in directives if directive)


# The policy


def test_the_report_url_is_the_endpoint():
    assert reverse("csp_report") == REPORT_URL


@pytest.mark.django_db
def test_it_sends_the_policy_with_the_login_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert _policy(response) == POLICY
    assert "Content-Security-Policy-Report-Only" not in response


def test_it_sends_the_policy_with_a_signed_in_page_and_an_htmx_fragment(client, world):
    client.force_login(world.members["rep"])
    page = client.get(reverse("deals:detail", args=[world.objects["deal"].pk]))
    fragment = client.get(reverse("deals:list"), {"q": "Acme"}, headers={"HX-Request": "true"})
    assert page.status_code == fragment.status_code == 200
    assert _policy(page) == POLICY
    assert _policy(fragment) == POLICY


@pytest.mark.django_db
def test_it_sends_the_policy_with_error_pages_and_the_admin(client):
    assert _policy(client.get("/no-such-page/")) == POLICY
    assert _policy(client.get(reverse("admin:login"))) == POLICY


@pytest.mark.django_db
def test_the_layout_turns_off_htmx_eval_its_inline_indicator_style_and_its_history_copies(client):
    page = client.get(reverse("login")).content.decode()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", page)
    assert config, "base.html configures htmx"
    assert json.loads(config[1]) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        # Pages whose address htmx pushed are not copied into localStorage, where they would
        # outlive the session.
        "historyCacheSize": 0,
        "refreshOnHistoryMiss": True,
    }


# What no template may contain under the policy. E-mails are read in mail clients, not under it.
FORBIDDEN = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "an hx-on attribute": re.compile(r"\s(?:data-)?hx-on", re.I),
    "a js: value for htmx": re.compile(r"""hx-(?:vals|vars|headers)\s*=\s*["']\s*(?:js|javascript):""", re.I),
    "a trigger filter, which htmx evaluates": re.compile(r"""hx-trigger\s*=\s*["'][\w:.-]+\[""", re.I),
}


def _page_templates() -> list[Path]:
    emails = {TEMPLATES / "emails", TEMPLATES / "registration" / "password_reset_email.html"}
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if not any(path == skip or skip in path.parents for skip in emails)
    )


def test_the_scan_finds_what_the_policy_refuses():
    found = {
        name
        for sample in [
            "<script>alert(1)</script>",
            "<style>p{}</style>",
            '<p style="color:red">',
            '<button onclick="go()">',
            '<a href="javascript:go()">',
            '<div hx-on::after-request="go()">',
            """<div hx-vals='js:{a: 1}'>""",
            "<input hx-trigger=\"keyup[key=='Enter']\">",
        ]
        for name, pattern in FORBIDDEN.items()
        if pattern.search(sample)
    }
    assert found == set(FORBIDDEN)
    harmless = (
        '<script src="/static/js/negprep.js" defer></script><div hx-trigger="change from:input[type=search]">'
    )
    assert not any(pattern.search(harmless) for pattern in FORBIDDEN.values())


_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def test_no_page_template_needs_more_than_the_policy_allows():
    found = [
        f"{path.relative_to(TEMPLATES)}: {name}"
        for path in _page_templates()
        for name, pattern in FORBIDDEN.items()
        if pattern.search(_COMMENT.sub("", path.read_text()))
    ]
    assert found == []


# The report endpoint


def _post(client, body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    # The test client leaves out the content type of an empty body; a browser would send it.
    return client.post(REPORT_URL, data, content_type=content_type, CONTENT_TYPE=content_type, **extra)


@pytest.fixture
def csp_log(caplog):
    caplog.set_level(logging.WARNING, logger="negprep.csp")
    return caplog


def _logged(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "negprep.csp"]


@pytest.mark.django_db
def test_it_logs_a_report_uri_report_and_answers_204(csp_log):
    # Browsers send no CSRF token and are often not signed in.
    response = _post(Client(enforce_csrf_checks=True), REPORT_URI_BODY)

    assert response.status_code == 204
    [record] = _logged(csp_log)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Content-Security-Policy violation: script-src-elem refused inline on "
        "https://negprep.example.com/deals/12/ (source https://negprep.example.com/deals/12/:41:3, "
        "sample -, enforce)"
    )
    assert record.csp_violation["directive"] == "script-src-elem"


@pytest.mark.django_db
def test_it_logs_each_violation_of_a_reporting_api_batch(client, csp_log):
    batch = [
        {
            "type": "csp-violation",
            "age": 10,
            "url": "https://negprep.example.com/",
            "user_agent": "Chrome",
            "body": {
                "documentURL": "https://negprep.example.com/",
                "effectiveDirective": "style-src-attr",
                "blockedURL": "inline",
                "sourceFile": "https://negprep.example.com/static/js/negprep.js",
                "lineNumber": 7,
                "columnNumber": 12,
                "sample": "color: red",
                "disposition": "enforce",
            },
        },
        {"type": "deprecation", "url": "https://negprep.example.com/", "body": {"id": "x"}},
        {
            "type": "csp-violation",
            "body": {"effectiveDirective": "img-src", "blockedURL": "https://evil.example/"},
        },
    ]

    response = _post(client, batch, content_type="application/reports+json")

    assert response.status_code == 204
    assert [record.csp_violation["directive"] for record in _logged(csp_log)] == ["style-src-attr", "img-src"]
    assert "sample color: red" in _logged(csp_log)[0].getMessage()


@pytest.mark.django_db
def test_it_logs_fields_without_control_characters_and_shortened(client, csp_log):
    body = {"csp-report": {"document-uri": "https://x/\nFAKE LOG LINE", "blocked-uri": "b" * 5000}}

    assert _post(client, body).status_code == 204

    [record] = _logged(csp_log)
    assert "\n" not in record.getMessage()
    assert "https://x/?FAKE LOG LINE" in record.getMessage()
    assert record.csp_violation["blocked"] == "b" * 300


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "not json",
        b"\xff\xfe\x00",
        "",
        "null",
        "42",
        "[]",
        "[1, 2]",
        '{"something": "else"}',
        '{"csp-report": "a string"}',
        "[" * 5000 + "]" * 5000,
    ],
    ids=[
        "text",
        "not-utf8",
        "empty",
        "null",
        "number",
        "empty-list",
        "list-of-numbers",
        "other-object",
        "report-not-an-object",
        "deeply-nested",
    ],
)
def test_it_answers_garbage_with_400_and_logs_nothing(client, csp_log, body):
    response = _post(client, body)

    assert response.status_code == 400
    assert _logged(csp_log) == []


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/html"])
def test_it_refuses_other_content_types(client, csp_log, content_type):
    response = _post(client, REPORT_URI_BODY, content_type=content_type)

    assert response.status_code == 415
    assert _logged(csp_log) == []


@pytest.mark.django_db
def test_it_refuses_a_multipart_form(client, csp_log):
    assert client.post(REPORT_URL, {"csp-report": "x"}).status_code == 415


@pytest.mark.django_db
def test_it_refuses_a_body_over_the_size_limit_unread(client, csp_log, settings):
    settings.NEGPREP_CSP_REPORT_MAX_BYTES = 1024
    big = {"csp-report": {**REPORT_URI_BODY["csp-report"], "script-sample": "x" * 1024}}

    response = _post(client, big)

    assert response.status_code == 413
    assert _logged(csp_log) == []
    # Just under the limit is read.
    fits = {"csp-report": {**REPORT_URI_BODY["csp-report"], "script-sample": "x" * 500}}
    assert len(json.dumps(fits)) <= 1024
    assert _post(client, fits).status_code == 204


@pytest.mark.django_db
def test_it_stops_logging_an_address_that_sends_too_many(client, csp_log, settings):
    settings.NEGPREP_CSP_REPORT_LIMIT = 2

    answers = [_post(client, REPORT_URI_BODY).status_code for _ in range(3)]
    other_address = _post(client, REPORT_URI_BODY, REMOTE_ADDR="198.51.100.9").status_code

    assert answers == [204, 204, 429]
    assert other_address == 204
    assert len(_logged(csp_log)) == 3


@pytest.mark.django_db
def test_it_answers_only_posts(client):
    assert client.get(REPORT_URL).status_code == 405
