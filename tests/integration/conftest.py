"""What the integration tests run against: a real SMTP server, and real Celery workers on Redis."""

import os
import uuid

import pytest
from django.db import connection

from negprep.celery import app as celery_app
from tests.integration.smtp_server import SMTPServer
from tests.integration.workers import Worker, require_real_services

NEGPREP_SMTP = "teams.notifications.smtp.EmailBackend"


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.release()
    server.stop()


@pytest.fixture
def smtp(settings, smtp_server):
    """Django sends through NegPrep's SMTP backend to the test's server; it waits 1 s for an answer."""
    settings.EMAIL_BACKEND = NEGPREP_SMTP
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    return smtp_server


@pytest.fixture
def as_a_worker_runs_tasks():
    """Eager tasks whose failures stay in the task, as a worker's do (a retry is not raised to the caller)."""
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = before


@pytest.fixture
def eager_off():
    """Send tasks through the broker, as the app does outside the test settings."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def start_worker(tmp_path):
    """Start workers on this test's own queues (a second one takes over from the first)."""
    require_real_services()
    queue = f"negprep-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    credentials = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "negprep.settings.local",
        "DATABASE_URL": f"postgres://{credentials}@{host}/{db['NAME']}",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_SWEEP_QUEUE": f"{queue}-sweep",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "NEGPREP_VAR_DIR": str(tmp_path / "var"),
        # The Message-IDs are the ones the test process derives.
        "NEGPREP_BASE_URL": "http://testserver",
    }
    workers = []

    def start(**env) -> Worker:
        worker = Worker(
            queue=queue,
            sweep_queue=f"{queue}-sweep",
            env={**base_env, **env},
            log=tmp_path / f"worker-{len(workers) + 1}.log",
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
