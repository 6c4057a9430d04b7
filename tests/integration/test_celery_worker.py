"""A reminder fires through the real broker and a real Celery worker, on PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from deals.models import Briefing, BriefingStatus, ConsultationStatus, Reminder
from deals.tasks import reminder_sweep
from negprep.celery import app as celery_app
from teams.models import EmailStatus, Notification
from tests.factories import ConsultationFactory

ROOT = Path(__file__).resolve().parents[2]


def _require_real_services():
    broker = os.environ.get("CELERY_BROKER_URL", "")
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL pointing at PostgreSQL")
    if not broker.startswith("redis://"):
        missing.append("CELERY_BROKER_URL pointing at Redis")
    if missing:
        reason = "the worker integration test needs " + " and ".join(missing)
        if os.environ.get("NEGPREP_REQUIRE_INTEGRATION") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def _wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker(tmp_path):
    _require_real_services()
    queue = f"negprep-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    credentials = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "negprep.settings.local",
        "DATABASE_URL": f"postgres://{credentials}@{host}/{db['NAME']}",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "NEGPREP_VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(  # noqa: S603 - a fixed command line, no user input
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "negprep",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        yield {"queue": queue, "mail": tmp_path / "mail", "log": tmp_path / "worker.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def eager_off():
    """Send tasks through the broker, as the app does outside the test settings."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = before


@pytest.mark.django_db(transaction=True)
def test_a_reminder_fires_through_redis_and_a_real_worker(world, worker, eager_off):
    meeting = world.objects["meeting"]
    meeting.starts_at = timezone.now() + timedelta(hours=70)
    meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    meeting.save()
    # The boss's part is done, so the production consultation is all the deal owes.
    Briefing.objects.filter(deal=meeting.deal).update(status=BriefingStatus.APPROVED)
    consultation = ConsultationFactory(
        deal=meeting.deal,
        department="production",
        required=True,
        status=ConsultationStatus.REQUESTED,
        requested_by=world.members["rep"],
        requested_at=timezone.now(),
    )
    reminder_sweep.apply_async(queue=worker["queue"])

    def delivered():
        return (
            Notification.objects.filter(kind="reminder_consultation", email_status=EmailStatus.SENT).count()
            == 2
        )

    try:
        _wait_for(delivered, what="two reminder e-mails sent by the worker")
    except AssertionError:
        raise AssertionError(worker["log"].read_text()[-4000:]) from None
    assert sorted(
        Reminder.objects.filter(consultation=consultation).values_list("recipient__username", flat=True)
    ) == ["production_user", "rep_user"]
    sent = "".join(path.read_text() for path in worker["mail"].glob("*.log"))
    assert sent.count("Subject: ") == 2
    assert world.members["production"].email in sent
    assert f"/deals/consultations/{consultation.pk}/answer/" in sent
