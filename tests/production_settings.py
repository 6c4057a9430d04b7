"""Loading the production settings in a fresh interpreter, with chosen environment variables."""

import os
import subprocess
import sys

from django.conf import settings


def load_production_settings(tmp_path, script: str, **variables) -> subprocess.CompletedProcess:
    """Run ``script`` (Python, after ``django.setup()`` is up to it) under the production
    settings, with the variables of this environment that configure NegPrep replaced by these."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEGPREP_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="negprep.settings.production",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="negprep.example.com",
        DATABASE_URL="postgres://negprep@127.0.0.1:5432/negprep",
        NEGPREP_VAR_DIR=str(tmp_path),
        **variables,
    )
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
