# The two commands: `make run` serves the console with demo data; `make test` runs everything.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format chromium kubectl bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py localcloud seed
	$(PY) manage.py demo_users
	@# The clusters' Kubernetes endpoint (TLS, for kubectl) runs beside the console.
	$(PY) manage.py localcloud k8s-front --port 6443 --upstream 127.0.0.1:8000 & front=$$!; \
	  trap 'kill $$front' EXIT INT TERM; $(PY) manage.py runserver 127.0.0.1:8000

# Debian's Chromium for the browser tests; installed when missing and we are root.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing: browser tests will be skipped (run as root to install)"; fi

# kubectl for the end-to-end test of localcloud's Kubernetes API: the machine image has one;
# otherwise Debian's kubernetes-client, installed when we are root.
kubectl:
	@if command -v kubectl >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's kubernetes-client (kubectl)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null; \
	else echo "kubectl is missing: its end-to-end test will be skipped (run as root to install)"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: $(STAMP) chromium kubectl lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/api_client.py
	$(PY) bench/pages.py
	$(PY) bench/terminal.py

clean:
	rm -rf $(VENV) var .pytest_cache
