# VMS: `make up` runs the whole system on this machine, `make test` runs every check.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := $(wildcard shared/contracts/pyproject.toml shared/platform/pyproject.toml services/*/pyproject.toml services/linkage/simulators/pyproject.toml deploy/pyproject.toml)

.PHONY: up test deploy-test lint typecheck pytest bench api-check install constraints clean

up: $(STAMP) ## start everything: embedded NATS, every service, portal on http://127.0.0.1:8000
	$(BIN)/vms up

test: $(STAMP) ## ruff, mypy and the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

deploy-test: $(STAMP) ## the production shape for real: images built, docker-compose.yml run with podman, failures survived
	$(BIN)/pytest -n 0 -s --durations=0 deploy/containers

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP) ## benchmarks (need VMS_TEST_NATS_URL and VMS_TEST_POSTGRES_URL, or Docker)
	$(BIN)/python bench/hours_to_rewards.py
	$(BIN)/python bench/actor_verification.py
	$(BIN)/python bench/registry_search.py
	$(BIN)/python bench/hours.py

api-check: $(STAMP) ## schemathesis, every check, against a running system (`make up`; another with URL=http://…)
	$(BIN)/st --config-file tests/schemathesis.toml run $(or $(URL),http://127.0.0.1:8000)/openapi.json \
		--checks all --generation-database none

install: $(STAMP)

$(STAMP): requirements/dev.txt requirements/constraints.txt $(PACKAGES)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "VMS needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -r requirements/dev.txt
	touch $(STAMP)

constraints: ## re-pin requirements/constraints.txt from what is installed
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^#' | \
		{ echo '# Pinned versions of everything the packages and tools install; used as a pip constraints file.'; \
		  echo '# Regenerate after changing a dependency: make constraints'; cat; } > requirements/constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
