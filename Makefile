# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint bench-reminders bench-pages bench-live bench-import clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

## Run NegPrep on http://127.0.0.1:8000 (uvicorn: pages and meeting mode's sockets) with a Celery worker
## and beat; Ctrl-C stops all.
run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) send_reminders
	@bash -c '\
	  trap "kill \$$(jobs -p) 2>/dev/null; wait" EXIT; \
	  $(BIN)/celery -A negprep worker --loglevel=INFO --concurrency=2 --queues=celery,sweep & \
	  $(BIN)/celery -A negprep beat --loglevel=INFO & \
	  DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-negprep.settings.local} \
	    $(BIN)/uvicorn negprep.asgi:application --host 127.0.0.1 --port 8000 --no-proxy-headers \
	    --reload --reload-dir negprep --reload-dir teams --reload-dir deals --reload-dir templates --reload-dir static'

## Run the whole test suite (SQLite unless DATABASE_URL is set). A PostgreSQL test database is kept
## between runs; PYTEST_ARGS=--create-db rebuilds it (as CI does).
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## Benchmark the reminder sweep on PostgreSQL (BENCH_DATABASE_URL, default: a scratch database negprep_bench).
bench-reminders: $(STAMP)
	$(BIN)/python -m bench.reminders

## Benchmark every page under load (gunicorn, wrk at 32 connections) at 100,000 deals and on the demo data,
## each against a floor view (BENCH_DATABASE_URL, default: a scratch database negprep_bench_pages;
## BENCH_SECONDS per run, default 10), then the reminder sweep's figures. Never part of `make test` or CI.
bench-pages: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing wrk (Debian package)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.reminders --deals 100000 \
	  --database-url $${BENCH_REMINDERS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/negprep_bench}

## Benchmark live questions in meeting mode: 200 meetings, 400 socket clients against uvicorn, on
## PostgreSQL (BENCH_DATABASE_URL, default a scratch database negprep_bench_live) and Redis
## (BENCH_REDIS_URL, default redis://127.0.0.1:6379/9). Never part of `make test` or CI.
bench-live: $(STAMP)
	$(BIN)/python -m bench.live

## Benchmark an import of 10,000 rows through the real Celery task on PostgreSQL (BENCH_DATABASE_URL,
## default a scratch database negprep_io_bench) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13):
## prints the seconds and rows per second. Never part of `make test` or CI.
bench-import: $(STAMP)
	$(BIN)/python -m bench.imports

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
