"""NegPrep as an installable web app: the service worker, served from the site's root so that it may
look after every page (static/js/sw.js says what it keeps, and why)."""

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def service_worker(request):
    # A new version reaches the phones at their next visit: the browser checks it, never cached.
    path = finders.find("js/sw.js")
    if path is None:
        raise Http404("No service worker.")
    with open(path, encoding="utf-8") as source:
        response = HttpResponse(source.read(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
