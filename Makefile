# Helpline's two commands: `make run` serves the centre, `make test` checks everything.
# GNU make. Every target bootstraps what it needs (.venv, Debian packages, front-end files).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

# Extras each command installs (comma-separated); heavy parts ([wfm], [reports], [voice]) join here.
RUN_EXTRAS :=
TEST_EXTRAS := test
RUN_SPEC := $(if $(RUN_EXTRAS),.[$(RUN_EXTRAS)],.)
TEST_SPEC := .[$(TEST_EXTRAS)]

# Debian packages the test suite needs. A package counts as present when dpkg has it or a
# command of the same name is on PATH. Later work adds dovecot-imapd, poppler-utils and
# WeasyPrint's libraries (libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1).
TEST_DEBIAN_PACKAGES := chromium fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Front-end files: fetched from the npm registry at install time, never committed.
# HTMX stays on 2.0.x (4.x changed its syntax); the tarball checksums pin the exact bytes.
HTMX_VERSION := 2.0.11
HTMX_SHA256 := 165a2655073e9e6e55e307a7c74e8ebcdb76afb7701f9c16cfd106a13add408e
HTMX_SSE_VERSION := 2.2.4
HTMX_SSE_SHA256 := 90b46f5ab915ba2f64e6348448c8dba509277a47e15c125ffb65754eb4f6b5dc
VENDOR_DIR := src/helpline/web/static/vendor
VENDOR_STAMP := $(VENDOR_DIR)/VERSIONS
VENDOR_PINS := htmx.org@$(HTMX_VERSION) htmx-ext-sse@$(HTMX_SSE_VERSION)

PYTEST_ARGS ?=

.PHONY: help
help: ## Show the targets
	@echo "Helpline make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

# --- Python environment -------------------------------------------------------------------

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV) || { echo "Creating $(VENV) failed; on Debian: apt-get install python3-venv" >&2; exit 1; }
	$(PIP) install --quiet --upgrade pip
	touch $@

# The stamps are older than a changed pyproject.toml, so that change re-installs.
$(VENV)/.installed-run: pyproject.toml $(VENV)/.created
	$(PIP) install --quiet -e '$(RUN_SPEC)'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.created
	$(PIP) install --quiet -e '$(TEST_SPEC)'
	touch $@

.PHONY: venv
venv: $(VENV)/.installed-test ## Create .venv with Helpline and its test tools

# --- Debian packages and front-end files --------------------------------------------------

.PHONY: system-packages
system-packages: ## Install the Debian packages the tests need, only those missing
	@missing=""; \
	for package in $(TEST_DEBIAN_PACKAGES); do \
		if command -v "$$package" >/dev/null 2>&1; then continue; fi; \
		if dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q ' installed$$'; then continue; fi; \
		missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -q; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

.PHONY: frontend
frontend: ## Fetch the pinned htmx and its SSE extension into the static vendor folder
	@if [ -f $(VENDOR_DIR)/htmx.min.js ] && [ -f $(VENDOR_DIR)/htmx-ext-sse.js ] \
		&& [ "$$(cat $(VENDOR_STAMP) 2>/dev/null)" = "$(VENDOR_PINS)" ]; then exit 0; fi; \
	command -v npm >/dev/null || { echo "npm is needed to fetch htmx (Debian: apt-get install npm)" >&2; exit 1; }; \
	echo "Fetching $(VENDOR_PINS)"; \
	work="$$(mktemp -d)"; trap 'rm -rf "$$work"' EXIT; \
	(cd "$$work" && npm pack --loglevel=error htmx.org@$(HTMX_VERSION) htmx-ext-sse@$(HTMX_SSE_VERSION) >/dev/null); \
	printf '%s  %s\n' $(HTMX_SHA256) "$$work/htmx.org-$(HTMX_VERSION).tgz" \
		$(HTMX_SSE_SHA256) "$$work/htmx-ext-sse-$(HTMX_SSE_VERSION).tgz" | sha256sum --check --quiet --strict \
		|| { echo "A fetched tarball differs from its pinned sha256; not installing it." >&2; exit 1; }; \
	tar -xzf "$$work/htmx.org-$(HTMX_VERSION).tgz" -C "$$work" package/dist/htmx.min.js; \
	mkdir -p "$$work/sse"; \
	tar -xzf "$$work/htmx-ext-sse-$(HTMX_SSE_VERSION).tgz" -C "$$work/sse" package/dist/sse.min.js; \
	mkdir -p $(VENDOR_DIR); \
	rm -f $(VENDOR_STAMP); \
	cp "$$work/package/dist/htmx.min.js" $(VENDOR_DIR)/htmx.min.js; \
	cp "$$work/sse/package/dist/sse.min.js" $(VENDOR_DIR)/htmx-ext-sse.js; \
	echo "$(VENDOR_PINS)" > $(VENDOR_STAMP)

# --- The two commands ---------------------------------------------------------------------

.PHONY: run
run: $(VENV)/.installed-run frontend ## Serve Helpline on http://127.0.0.1:8000 (migrates ./var/helpline.db)
	mkdir -p var
	$(BIN)/helpline serve

.PHONY: test
test: $(VENV)/.installed-test system-packages frontend ## Lint, type-check, check imports, run every test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	@echo "$(BIN)/pytest $(PYTEST_ARGS)"; \
	status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ "$$status" = 5 ]; then echo "pytest collected no tests (exit code 5): that is a failure" >&2; fi; \
	exit "$$status"

# --- Pieces of the test run ---------------------------------------------------------------

.PHONY: lint
lint: $(VENV)/.installed-test ## Run ruff's lint and format checks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

.PHONY: typecheck
typecheck: $(VENV)/.installed-test ## Run mypy (strict, configured in pyproject.toml)
	$(BIN)/mypy

.PHONY: clean
clean: ## Remove .venv and the tool caches (keeps var/ and its database)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
	rm -rf build dist src/*.egg-info
	find src tests benchmarks -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
