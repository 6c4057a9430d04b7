"""A reminder fires through the real broker and a real Celery worker, on PostgreSQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Briefing, BriefingStatus, ConsultationStatus, Reminder
from deals.tasks import reminder_sweep
from teams.models import EmailStatus, Notification
from tests.factories import ConsultationFactory
from tests.integration.workers import wait_for


@pytest.fixture
def worker(start_worker, tmp_path):
    worker = start_worker()
    return {"queue": worker.queue, "mail": tmp_path / "mail", "log": worker.log}


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
        wait_for(delivered, what="two reminder e-mails sent by the worker")
    except AssertionError:
        raise AssertionError(worker["log"].read_text()[-4000:]) from None
    assert sorted(
        Reminder.objects.filter(consultation=consultation).values_list("recipient__username", flat=True)
    ) == ["production_user", "rep_user"]
    sent = "".join(path.read_text() for path in worker["mail"].glob("*.log"))
    assert sent.count("Subject: ") == 2
    assert world.members["production"].email in sent
    assert f"/deals/consultations/{consultation.pk}/answer/" in sent
