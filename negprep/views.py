import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from negprep.celery import app as celery_app
from teams.notifications.selectors import emails_failed_count

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database does not answer")
        return False


def _broker_answers() -> bool:
    try:
        conf = celery_app.conf
        with Connection(
            conf.broker_url, transport_options=conf.broker_transport_options, connect_timeout=3
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
        return True
    except Exception:
        logger.exception("Health check: the broker does not answer")
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer, 503 otherwise.

    ``email_failed`` counts the e-mails given up after their retry period, for
    monitoring to alert on; they do not make the app unhealthy (restarting it
    would not send them: staff send them again from the admin).
    """
    checks = {"database": _database_answers()}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _broker_answers()
    healthy = all(checks.values())
    body: dict = {name: "ok" if ok else "failing" for name, ok in checks.items()}
    body["status"] = "ok" if healthy else "failing"
    if checks["database"]:
        body["email_failed"] = emails_failed_count()
    return JsonResponse(body, status=200 if healthy else 503)


@login_not_required
@require_GET
@cache_control(public=True, max_age=24 * 60 * 60)
def favicon(request):
    """Browsers, feed readers and crawlers ask for /favicon.ico whatever the page links to.

    A temporary redirect: the icon's static name changes with its content, and a permanent
    redirect would keep pointing at the old name.
    """
    return redirect(static("img/favicon.svg"))


@login_not_required
@never_cache
@require_GET
def bench_floor(request):
    """The benchmark's yardstick: the whole middleware stack, one trivial query, a tiny answer.

    Routed only when NEGPREP_BENCH_FLOOR is on (see negprep/urls.py).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def bench_empty_page(request):
    """The cheapest page a signed-in user can be served: the layout (navigation, unread badge)
    around no content. The benchmark measures it beside the floor, as the ceiling of any page.

    Routed only when NEGPREP_BENCH_FLOOR is on (see negprep/urls.py).
    """
    return render(request, "base.html")
