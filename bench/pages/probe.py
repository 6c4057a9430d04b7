"""The probe, in a child process on one database: paths, sessions, query counts and sizes."""

import json
import os
from pathlib import Path

from bench.pages.base import HOST, PAGES, BenchError


def _rich_deal(*, owner, title):
    """The owner's deal with the longest history whose briefing can be edited and that has a meeting.

    With ``title`` (the deal chosen on the demo database) the same deal is taken, so
    both databases serve the same page; seed_demo's deal is the oldest of that title.
    """
    from django.db.models import Count

    from deals.models import BriefingStatus, Deal

    deals = (
        Deal.objects.filter(owner=owner, meetings__cancelled=False)
        .exclude(briefing__status=BriefingStatus.SUBMITTED)
        .distinct()
    )
    if title:
        chosen = deals.filter(title=title).order_by("pk").first()
        if chosen is not None:
            return chosen
    chosen = deals.annotate(entries=Count("activities", distinct=True)).order_by("-entries", "pk").first()
    if chosen is None:
        raise BenchError(f"{owner.username} has no deal with a meeting and an editable briefing.")
    return chosen


def _paths(*, deal) -> dict[str, str]:
    from django.urls import reverse
    from django.utils import timezone

    meetings = deal.meetings.filter(cancelled=False)
    meeting = (
        meetings.filter(starts_at__gte=timezone.now()).order_by("starts_at").first()
        or meetings.order_by("-starts_at").first()
    )
    return {
        "empty_page": reverse("bench_empty_page"),
        "home": reverse("home"),
        "deal_list": reverse("deals:list"),
        "deal": reverse("deals:detail", args=[deal.pk]),
        "briefing": reverse("deals:briefing_edit", args=[deal.pk]),
        "briefing_history": reverse("deals:briefing_history", args=[deal.pk]),
        "meeting_brief": reverse("deals:meeting_brief", args=[meeting.pk]),
        "meeting_ics": reverse("deals:meeting_ics", args=[meeting.pk]),
        "approvals": reverse("deals:approvals"),
        "team_results": reverse("deals:team_results"),
        "notifications": reverse("notifications"),
    }


def _probe_one(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # the first request fills the per-process caches
    with CaptureQueriesContext(connection) as queries:
        plain = client.get(path)
    # Counted now: the next request empties the connection's query log.
    count = len(queries)
    compressed = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    if plain.status_code != 200:
        raise BenchError(f"{path} answers {plain.status_code} in process, not 200.")
    return {"queries": count, "raw": len(plain.content), "gzip": len(compressed.content)}


def probe():
    """In a child process on one database: write what the load runs need to BENCH_PROBE_OUT."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from teams.models import User

    users = {name: User.objects.get(username=name) for name in {user for _, user, _ in PAGES}}
    deal = _rich_deal(owner=users["rita"], title=os.environ.get("BENCH_DEAL_TITLE"))
    paths = _paths(deal=deal)
    clients = {}
    for name, user in users.items():
        clients[name] = Client(HTTP_HOST=HOST)
        clients[name].force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    floor = reverse("bench_floor")
    result = {
        "deal": deal.title,
        "sessions": [client.session.session_key for client in clients.values()],
        "floor": {"path": floor, "cookie": None, **_probe_one(Client(HTTP_HOST=HOST), floor)},
        "pages": {},
    }
    for page, user, key in PAGES:
        cookie = f"{settings.SESSION_COOKIE_NAME}={clients[user].session.session_key}"
        measured = _probe_one(clients[user], paths[key])
        result["pages"][page] = {"path": paths[key], "cookie": cookie, **measured}
    Path(os.environ["BENCH_PROBE_OUT"]).write_text(json.dumps(result))
