"""Real Celery workers for the integration tests, and explicit waits for what they do."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def require_real_services():
    """Skip without PostgreSQL and Redis, or fail when NEGPREP_REQUIRE_INTEGRATION=1."""
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


def wait_for(predicate, timeout=60.0, what="condition"):
    """Poll until ``predicate()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Worker:
    """A real Celery worker (solo pool) in a subprocess, against the test database."""

    def __init__(self, *, queue: str, sweep_queue: str, env: dict, log: Path):
        self.queue = queue
        self.sweep_queue = sweep_queue
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line, no user input
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "negprep",
                "worker",
                "-Q",
                f"{queue},{sweep_queue}",
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
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """Kill it at once, as the OOM killer or a lost machine would: no cleanup, no acknowledgement."""
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def output(self) -> str:
        return self.log.read_text()[-4000:]

    def wait_for(self, predicate, timeout=60.0, what="condition") -> None:
        """``wait_for``, showing the end of the worker's log if it times out."""
        try:
            wait_for(predicate, timeout=timeout, what=what)
        except AssertionError as error:
            raise AssertionError(f"{error}; the worker's log ends:\n{self.output()}") from None
