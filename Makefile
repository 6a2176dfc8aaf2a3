# Two commands set everything up: `make run` and `make test`. Both create .venv when missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
AGENCIES_PORT ?= 8100

export CITIZEN_GATEWAY_PUBLIC_URL ?= http://$(HOST):$(PORT)
export CITIZEN_GATEWAY_AGENCIES_URL ?= http://$(HOST):$(AGENCIES_PORT)
# Where the mock bank sends its signed webhooks: this gateway, whatever its port.
export MOCK_BANK_WEBHOOK_URL ?= $(CITIZEN_GATEWAY_PUBLIC_URL)/v1/payments/webhooks/mockbank

.PHONY: install run test lint format bench clean

install: $(STAMP)

# The first install takes a minute or two: say what is happening, one line per phase (pip's
# full output goes to $(VENV)/pip-install.log, and its tail is shown if it fails).
$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  echo "==> creating $(VENV) with $$($(PYTHON) --version 2>&1) ($(PYTHON))"; \
	  $(PYTHON) -m venv $(VENV) || exit 1; \
	fi
	@$(BIN)/python -c 'import sys; sys.exit(None if sys.version_info >= (3, 11) else \
	  f"Python 3.11+ needed, {sys.executable} is {sys.version.split()[0]}: make clean, then PYTHON=python3.11 make")'
	@echo "==> upgrading pip in $(VENV)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@deps=$$($(BIN)/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb")); \
	  print(len(p["project"]["dependencies"]) + len(p["project"]["optional-dependencies"]["dev"]))'); \
	echo "==> installing citizen-gateway, its $$deps direct dependencies and theirs into $(VENV)" \
	  "(the first time: a minute or two)"
	@set -o pipefail; n=0; \
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]' 2>&1 | tee $(VENV)/pip-install.log | \
	while IFS= read -r line; do \
	  case "$$line" in \
	    Obtaining*) echo "    reading the project's metadata";; \
	    Collecting*|"Requirement already satisfied"*) \
	      n=$$((n + 1)); \
	      if [ -t 1 ]; then printf '\r    resolving dependencies: %d packages' $$n; \
	      elif [ $$n -eq 1 ]; then echo "    resolving dependencies"; \
	      elif [ $$((n % 25)) -eq 0 ]; then echo "    resolving dependencies: $$n packages so far"; fi;; \
	    "Installing collected packages:"*) \
	      if [ -t 1 ]; then echo; fi; \
	      echo "    installing $$(echo "$${line#*:}" | tr ',' '\n' | wc -l | tr -d ' ') packages";; \
	    ERROR:*) echo "$$line";; \
	  esac; \
	done || { \
	  echo "pip install failed; its last lines (all of it in $(VENV)/pip-install.log):"; \
	  tail -n 25 $(VENV)/pip-install.log; exit 1; }
	@touch $(STAMP)
	@echo "==> $(VENV) is ready"

# Both servers run in the background of one shell, which waits for the gateway. Ctrl-C signals
# the whole foreground process group: the servers shut down gracefully on their own, and the
# shell's trap makes sure they do (SIGTERM, graceful too, also ends a server still starting;
# make itself passes a SIGTERM on to the shell), then the shell ends normally, so make reports
# no error. A second Ctrl-C while they shut down forces them. The trap never signals its own
# process group (`kill 0` re-triggered the trap until bash crashed: "Segmentation fault").
run: install
	$(BIN)/citizen-gateway db upgrade
	$(BIN)/citizen-gateway seed
	$(BIN)/citizen-gateway onboarding seed
	@$(BIN)/citizen-gateway urls --host $(HOST) --port $(PORT) --agencies-port $(AGENCIES_PORT)
	@pids=; \
	stop() { trap '' INT TERM; kill -TERM $$pids 2>/dev/null; wait; }; \
	trap 'stop; exit 0' INT TERM; \
	$(BIN)/citizen-gateway agencies --host $(HOST) --port $(AGENCIES_PORT) & pids=$$!; \
	$(BIN)/citizen-gateway serve --host $(HOST) --port $(PORT) & gateway=$$!; pids="$$pids $$gateway"; \
	wait $$gateway; status=$$?; stop; exit $$status

# The QR image tests read the codes back with zbarimg (Debian's zbar-tools), and the e-document
# tests read the PDFs with pdftotext and pdftoppm (poppler-utils): tools that are not ours;
# without them those tests skip (and fail under CI=1). Installed here when missing and apt can
# (as root, or with password-less sudo); a machine that has them, or has no apt, is left alone.
test: install
	@if { command -v zbarimg && command -v pdftotext; } >/dev/null || ! command -v apt-get >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; else sudo="sudo -n"; fi; \
	echo "==> installing zbar-tools and poppler-utils (the tests read QR codes and PDFs back with them)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	{ $$sudo apt-get install -y -qq zbar-tools poppler-utils || \
	  { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq zbar-tools poppler-utils; }; } >/dev/null 2>&1 || \
	echo "    could not install zbar-tools/poppler-utils: the QR and PDF tests will skip (and fail under CI=1)"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m loadtests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis var/gateway.db*
