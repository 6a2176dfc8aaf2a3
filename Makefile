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

.PHONY: install run test lint format bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: install
	$(BIN)/citizen-gateway db upgrade
	$(BIN)/citizen-gateway seed
	@$(BIN)/citizen-gateway urls --host $(HOST) --port $(PORT) --agencies-port $(AGENCIES_PORT)
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/citizen-gateway agencies --host $(HOST) --port $(AGENCIES_PORT) & \
	$(BIN)/citizen-gateway serve --host $(HOST) --port $(PORT)

test: install
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
