# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: demo test lint typecheck pytest browser pgtools fhirvalidator bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/stepdown db upgrade
	$(BIN)/stepdown demo seed
	@echo "Serving the demo program on http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(BIN)/stepdown serve

test: $(STAMP) browser pgtools fhirvalidator lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; install it where it is missing (needs root and apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The backup tests call pg_dump and pg_restore; install Debian's client tools where missing.
pgtools:
	@command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql-client for the backup tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }

# The FHIR tests validate every exported resource with the npm package "fhir" (offline R4
# validation); install Node.js and npm where missing, then the locked packages.
FHIR_VALIDATOR := fhir-validator/node_modules/.package-lock.json
$(FHIR_VALIDATOR): fhir-validator/package.json fhir-validator/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's nodejs and npm for the FHIR validator"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd fhir-validator && npm ci --no-audit --no-fund --silent
	touch $@

fhirvalidator: $(FHIR_VALIDATOR)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis fhir-validator/node_modules
