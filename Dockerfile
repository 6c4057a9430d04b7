FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=negprep.settings.production \
    NEGPREP_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 negprep

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=negprep:negprep . .
# collectstatic needs settings that load; these values exist only for this step.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R negprep:negprep /app/var

USER negprep
EXPOSE 8000
# gunicorn reads its number of workers from WEB_CONCURRENCY: set it to 2 x cores + 1.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "negprep.wsgi:application", "--bind", "0.0.0.0:8000", "--no-control-socket", "--access-logfile", "-"]
