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
# uvicorn serves the pages and meeting mode's sockets (ASGI); WEB_CONCURRENCY workers: 2 x cores + 1.
ENV WEB_CONCURRENCY=3
CMD ["sh", "-c", "exec uvicorn negprep.asgi:application --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY} --no-proxy-headers --no-server-header"]
