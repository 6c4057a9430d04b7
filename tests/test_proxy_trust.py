"""X-Forwarded-Proto and X-Forwarded-For are trusted only behind a proxy that NEGPREP_PROXY_COUNT names.

Any client can send those headers. Without a proxy in front, a forged X-Forwarded-Proto must not
pass a plain-HTTP request off as HTTPS, and a forged X-Forwarded-For must not give a client a new
address for every sign-in attempt.
"""

import json

from tests.production_settings import load_production_settings

_PRINT_REQUEST = """
import json, django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
from teams.throttle import client_ip

request = RequestFactory().get(
    "/deals/", HTTP_HOST="negprep.example.com", HTTP_X_FORWARDED_PROTO="https",
    HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.2",
)
response = SecurityMiddleware(lambda request: HttpResponse())(request)
print(json.dumps({
    "header": settings.SECURE_PROXY_SSL_HEADER,
    "secure": request.is_secure(),
    "status": response.status_code,
    "hsts": response.has_header("Strict-Transport-Security"),
    "client": client_ip(request),
}))
"""


def _request_seen(tmp_path, **variables):
    loaded = load_production_settings(tmp_path, _PRINT_REQUEST, **variables)
    assert loaded.returncode == 0, loaded.stderr
    return json.loads(loaded.stdout.strip().splitlines()[-1])


def test_without_a_proxy_forwarded_headers_are_ignored(tmp_path):
    seen = _request_seen(tmp_path)
    assert seen == {
        "header": None,
        "secure": False,
        "status": 301,  # plain HTTP is sent to HTTPS, whatever the header claims
        "hsts": False,
        "client": "10.0.0.2",
    }


def test_behind_a_proxy_its_forwarded_headers_say_the_scheme_and_the_client(tmp_path):
    seen = _request_seen(tmp_path, NEGPREP_PROXY_COUNT="1")
    assert seen == {
        "header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "secure": True,
        "status": 200,
        "hsts": True,
        "client": "198.51.100.7",
    }


def test_a_negative_proxy_count_stops_the_app_naming_it(tmp_path):
    loaded = load_production_settings(tmp_path, "import django; django.setup()", NEGPREP_PROXY_COUNT="-1")
    assert loaded.returncode != 0
    assert "NEGPREP_PROXY_COUNT='-1' must be at least 0." in loaded.stderr
