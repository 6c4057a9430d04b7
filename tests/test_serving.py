"""How pages and static files leave the server: compression, database connections, the benchmark floor."""

import gzip
import importlib
import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse

from tests.factories import PASSWORD
from tests.production_settings import load_production_settings

BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


# Compressed HTML ------------------------------------------------------------


def test_it_sends_a_page_gzipped_to_a_browser_that_accepts_it(client, rep):
    client.force_login(rep)
    response = client.get(reverse("home"), HTTP_ACCEPT_ENCODING=BROWSER_ENCODINGS)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert rep.get_full_name() in html
    assert int(response["Content-Length"]) == len(response.content)


def test_it_sends_a_page_plain_to_a_client_that_does_not_accept_gzip(client, rep):
    client.force_login(rep)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert "Accept-Encoding" in response["Vary"]
    assert response.content.decode().lstrip().lower().startswith("<!doctype html>")


def test_the_calendar_file_stays_private_when_compressed(client, world):
    client.force_login(world.members["rep"])
    url = reverse("deals:meeting_ics", args=[world.objects["meeting"].pk])
    response = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER_ENCODINGS)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert gzip.decompress(response.content).startswith(b"BEGIN:VCALENDAR")


def test_a_form_read_compressed_still_posts_with_its_csrf_token(rep):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"), HTTP_ACCEPT_ENCODING=BROWSER_ENCODINGS)
    assert page["Content-Encoding"] == "gzip"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', gzip.decompress(page.content).decode())
    assert token is not None
    data = {"username": rep.username, "password": PASSWORD}

    refused = client.post(reverse("login"), data)
    signed_in = client.post(reverse("login"), {**data, "csrfmiddlewaretoken": token[1]})

    assert refused.status_code == 403
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("home")


def test_the_breach_mitigation_makes_two_compressions_of_one_page_differ(client, rep):
    client.force_login(rep)
    sizes = {len(client.get(reverse("profile"), HTTP_ACCEPT_ENCODING="gzip").content) for _ in range(8)}
    # Random padding in the gzip header: the compressed length of the same page varies.
    assert len(sizes) > 1


def test_gzip_wraps_every_middleware_that_touches_the_body():
    stack = settings.MIDDLEWARE
    gzip_at = stack.index("django.middleware.gzip.GZipMiddleware")
    # Only these two come first: neither reads nor writes a page's body.
    assert stack[:gzip_at] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]


# Static files in brotli -------------------------------------------------------


@pytest.fixture
def collected_static(tmp_path, settings):
    """The production storage collecting one stylesheet into a fresh folder."""
    from django.core.management import call_command

    source = tmp_path / "source"
    source.mkdir()
    (source / "site.css").write_text(".panel { margin: 0 auto; padding: 1rem; }\n" * 200)
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_collectstatic_writes_brotli_and_gzip_copies(collected_static):
    names = {path.name for path in collected_static.iterdir()}
    hashed = next(name for name in names if re.fullmatch(r"site\.[0-9a-f]{12}\.css", name))
    assert {hashed + ".br", hashed + ".gz"} <= names


@pytest.mark.django_db
def test_whitenoise_serves_brotli_to_a_browser_that_accepts_it(collected_static):
    from django.contrib.staticfiles.storage import staticfiles_storage

    url = staticfiles_storage.url("site.css")
    # A new client builds the middleware anew, so WhiteNoise scans the folder collected above.
    brotli = Client().get(url, HTTP_ACCEPT_ENCODING=BROWSER_ENCODINGS)
    gzipped = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert brotli.status_code == 200
    assert brotli["Content-Encoding"] == "br"
    assert gzipped["Content-Encoding"] == "gzip"
    import brotli as brotli_codec

    original = (settings.STATICFILES_DIRS[0] / "site.css").read_bytes()
    assert brotli_codec.decompress(b"".join(brotli.streaming_content)) == original


# Database connections in production ------------------------------------------------

_PRINT_DATABASE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], settings.NEGPREP_BENCH_FLOOR]))"
)


def _production_settings(tmp_path, **variables):
    return load_production_settings(tmp_path, _PRINT_DATABASE, **variables)


def test_production_keeps_connections_a_minute_with_health_checks(tmp_path):
    loaded = _production_settings(tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == [60, True, False]


def test_production_connection_settings_come_from_the_environment(tmp_path):
    loaded = _production_settings(tmp_path, DJANGO_CONN_MAX_AGE="0", DJANGO_CONN_HEALTH_CHECKS="off")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == [0, False, False]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_CONN_MAX_AGE", "a minute", "DJANGO_CONN_MAX_AGE='a minute' is not a whole number."),
        ("DJANGO_CONN_MAX_AGE", "-1", "DJANGO_CONN_MAX_AGE='-1' must be at least 0."),
        ("DJANGO_CONN_HEALTH_CHECKS", "maybe", "DJANGO_CONN_HEALTH_CHECKS='maybe' is not a yes/no value"),
    ],
)
def test_a_malformed_connection_setting_stops_the_app_naming_it(tmp_path, variable, value, message):
    loaded = _production_settings(tmp_path, **{variable: value})
    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr
    assert message in loaded.stderr


# The favicon ------------------------------------------------------------------------


@pytest.mark.django_db
def test_favicon_ico_leads_every_visitor_to_the_static_icon(tmp_path, settings):
    from django.core.management import call_command

    source = tmp_path / "source"
    (source / "img").mkdir(parents=True)
    icon = (settings.BASE_DIR / "static" / "img" / "favicon.svg").read_bytes()
    (source / "img" / "favicon.svg").write_bytes(icon)
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)

    response = Client().get("/favicon.ico")

    assert response.status_code == 302
    assert re.fullmatch(r"/static/img/favicon\.[0-9a-f]{12}\.svg", response["Location"])
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]
    served = Client().get(response["Location"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/svg+xml"
    assert b"".join(served.streaming_content) == icon


# The benchmark's floor view ---------------------------------------------------


@pytest.fixture
def floor_url_switched_on(settings):
    """The URLconf as the benchmark loads it, with NEGPREP_BENCH_FLOOR on; restored afterwards."""
    import negprep.urls

    settings.NEGPREP_BENCH_FLOOR = True
    importlib.reload(negprep.urls)
    clear_url_caches()
    yield
    settings.NEGPREP_BENCH_FLOOR = False
    importlib.reload(negprep.urls)
    clear_url_caches()


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_floor_url_does_not_exist_by_default(client, rep, signed_in):
    if signed_in:
        client.force_login(rep)
    assert client.get("/bench/floor").status_code == 404
    assert client.get("/bench/empty-page").status_code == 404


@pytest.mark.django_db
@pytest.mark.usefixtures("floor_url_switched_on")
def test_the_floor_answers_with_one_query_when_benchmarking(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("bench_floor"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert [query["sql"] for query in queries] == ["SELECT 1"]


@pytest.mark.django_db
@pytest.mark.usefixtures("floor_url_switched_on")
def test_the_empty_page_is_the_layout_for_a_signed_in_user_only(client, rep):
    assert client.get(reverse("bench_empty_page")).status_code == 302  # to sign-in
    client.force_login(rep)
    response = client.get(reverse("bench_empty_page"))
    assert response.status_code == 200
    assert b"Skip to content" in response.content
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
