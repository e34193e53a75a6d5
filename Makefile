# OzgeContract: `make run` serves the portal with demo data on port 4000;
# `make test` runs the whole suite (SQLite, or DATABASE_URL when set).
PY := .venv/bin/python
PORT ?= 4000
# Development server: DEBUG pages must not face the network, so loopback only.
HOST ?= 127.0.0.1

.PHONY: venv run test lint format bench clean messages

.venv/.installed: requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -r requirements.txt
	touch .venv/.installed

venv: .venv/.installed

# Russian and Kazakh catalogs need gettext's msgfmt; without it pages fall back
# to English, so say so rather than stop.
messages: venv
	@if command -v msgfmt >/dev/null; then \
		$(PY) manage.py compilemessages --ignore=.venv -v0; \
	else \
		echo "gettext (msgfmt) is missing: apt-get install gettext for ru/kk pages"; \
	fi

run: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: messages
	.venv/bin/pytest -q

lint: venv
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .

format: venv
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf .venv db.sqlite3 media staticfiles sms-outbox
