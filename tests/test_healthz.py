import pytest
from django.urls import reverse

from negprep.celery import app as celery_app
from teams.models import EmailStatus, Notification
from tests.factories import UserFactory


@pytest.mark.django_db
def test_it_answers_200_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok", "email_failed": 0}


@pytest.mark.django_db
def test_it_counts_the_emails_given_up_without_turning_unhealthy(client):
    recipient = UserFactory()
    for status in [EmailStatus.FAILED, EmailStatus.FAILED, EmailStatus.SENT, EmailStatus.PENDING]:
        Notification.objects.create(recipient=recipient, kind="test", title="t", url="/", email_status=status)

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["email_failed"] == 2


@pytest.mark.django_db
def test_it_answers_503_when_the_broker_is_down(client, monkeypatch):
    # A port nothing listens on: a real connection failure, not a mock.
    # Celery lets the CELERY_BROKER_URL variable win over its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "failing"
    assert response.json()["database"] == "ok"
