# The two commands: `make run` serves the console with demo data; `make test` runs everything.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format chromium cjk-font kubectl nginx gettext bubblewrap bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# `make run PORT=8100 K8S_PORT=6543`: the console's port and its clusters' TLS endpoint.
PORT ?= 8000
K8S_PORT ?= 6443

run: export LOCALCLOUD_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: export LOCALCLOUD_K8S_URL ?= https://127.0.0.1:$(K8S_PORT)
run: $(STAMP) bubblewrap
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py localcloud seed
	$(PY) manage.py demo_users --url http://127.0.0.1:$(PORT)/
	@# The clusters' Kubernetes endpoint (TLS, for kubectl) runs beside the console, which
	@# is Daphne without a reloader: one Ctrl-C ends it, then the trap ends the front (a
	@# background job of this shell ignores the Ctrl-C).
	$(PY) manage.py localcloud k8s-front --port $(K8S_PORT) --upstream 127.0.0.1:$(PORT) & \
	  front=$$!; trap 'kill $$front 2>/dev/null; wait $$front 2>/dev/null' EXIT; \
	  trap 'exit 0' INT TERM; $(PY) -m daphne -b 127.0.0.1 -p $(PORT) console.asgi:application

# $(call debian,COMMAND,PACKAGE,what is skipped without it): Debian's package for a
# command the tests need, installed when the command is missing and we are root.
define debian
	@if command -v $(1) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's $(2)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	else echo "$(1) is missing: $(3) will be skipped (run as root to install)"; fi
endef

# Browser tests drive Debian's Chromium.
chromium:
	$(call debian,chromium,chromium,browser tests)

# $(call debian_font,FAMILY,PACKAGE,what is wrong without it): as debian, for a font
# package, which fontconfig finds by family rather than a command.
define debian_font
	@if fc-list 2>/dev/null | grep -qi "$(1)"; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's $(2)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	else echo "the $(1) font is missing: $(3) (run as root to install)"; fi
endef

# Chinese pages in browser tests and screenshots draw real glyphs, not boxes.
cjk-font:
	$(call debian_font,Noto Sans CJK,fonts-noto-cjk,Chinese text in browser screenshots shows as boxes)

# The end-to-end test of localcloud's Kubernetes API runs the real kubectl.
kubectl:
	$(call debian,kubectl,kubernetes-client,the kubectl test)

# The production layout's test puts nginx in front of two console workers.
nginx:
	$(call debian,nginx,nginx-light,the load balancer test)

# The translation test extracts every string with gettext's xgettext.
gettext:
	$(call debian,xgettext,gettext,the translation test)

# Pod terminals and cluster shells run in a bubblewrap sandbox; without it they are refused.
bubblewrap:
	$(call debian,bwrap,bubblewrap,pod terminals and cluster shells)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: $(STAMP) chromium cjk-font kubectl nginx gettext bubblewrap lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/api_client.py
	$(PY) bench/pages.py
	$(PY) bench/terminal.py
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) var .pytest_cache
