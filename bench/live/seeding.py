"""The bench's world: one team, and per meeting a rep and a colleague on call, with signed-in sessions.

Runs in the bench process with Django set up on the scratch database (``setup_django``).
"""

import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from bench.common import create_database


@dataclass(frozen=True)
class Seat:
    meeting_id: int
    rep_cookie: str
    on_call_cookie: str


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "negprep.settings.local"
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = redis_url
    os.environ["NEGPREP_CHANNEL_LAYER_URL"] = redis_url
    os.environ["CACHE_URL"] = redis_url
    os.environ["DJANGO_DEBUG"] = "0"
    # As in production: each worker keeps its database connection between messages.
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "60")
    os.environ.setdefault("DJANGO_CONN_HEALTH_CHECKS", "1")
    create_database(database_url)
    import django

    django.setup()


def seed(meetings: int) -> list[Seat]:
    """A fresh team with ``meetings`` deals, each with a meeting under way and someone on call."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from deals.models import Customer, Deal, Meeting, OnCall, OnCallStatus
    from teams.models import Membership, Role, Team, User

    call_command("migrate", verbosity=0)
    # Each run has a team of its own; earlier runs' rows stay in the scratch database.
    run = Team.objects.filter(name__startswith="Bench live").count()
    team = Team.objects.create(name=f"Bench live {run}")
    password = make_password("bench-live-not-a-login")
    users = User.objects.bulk_create(
        User(username=f"bench-live-{run}-{kind}-{number}", password=password, first_name=kind.title())
        for number in range(meetings)
        for kind in ("rep", "oncall")
    )
    Membership.objects.bulk_create(
        Membership(user=user, team=team, role=Role.REP if "-rep-" in user.username else Role.PRODUCTION)
        for user in users
    )
    reps, on_calls = users[0::2], users[1::2]
    customer = Customer.objects.create(team=team, name="Bench Hydraulics")
    deals = Deal.objects.bulk_create(
        Deal(
            team=team,
            owner=rep,
            customer=customer,
            title=f"Bench deal {number}",
            scope="Valves",
            estimated_value=Decimal("100000.00"),
        )
        for number, rep in enumerate(reps)
    )
    starts_at = timezone.now() - timedelta(minutes=5)
    rows = Meeting.objects.bulk_create(
        Meeting(deal=deal, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)) for deal in deals
    )
    OnCall.objects.bulk_create(
        OnCall(
            meeting=meeting,
            member=member,
            topic="delivery",
            phone="+49 30 5550100",
            available_from=meeting.starts_at,
            available_to=meeting.ends_at,
            status=OnCallStatus.ACCEPTED,
        )
        for meeting, member in zip(rows, on_calls, strict=True)
    )

    def cookie(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    return [
        Seat(meeting_id=meeting.pk, rep_cookie=cookie(rep), on_call_cookie=cookie(member))
        for meeting, rep, member in zip(rows, reps, on_calls, strict=True)
    ]
