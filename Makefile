# revisitkit — every target sets up what it needs; `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8866
CUSTOMERS ?= data/sample/customers.csv
STAFF ?= data/sample/roster.csv
ACTUALS ?= data/sample/actuals.csv
PLAN_DIR ?= build/plan
TEST_OUT ?= test-output
# A fresh matplotlib cache, so a stale font list never hides the CJK font.
export MPLCONFIGDIR := $(CURDIR)/.mplcache
export PYTHONHASHSEED := 0

.DEFAULT_GOAL := help
.PHONY: help install wheel browser plan serve test test-fast lint format notebooks screenshots sample bench clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP) ## create .venv and install the kit with its test tools

wheel: install ## build the installable wheel into dist/ (the kit's data, notebooks and dashboards inside)
	rm -rf dist && $(BIN)/python -m pip wheel --no-deps --no-build-isolation -q -w dist .
	@ls dist/*.whl

browser: ## Debian Chromium and CJK fonts for the browser tests (apt, when missing)
	@need=""; \
	[ -x /usr/bin/chromium ] || need="$$need chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need="$$need fonts-noto-cjk"; \
	if [ -n "$$need" ]; then \
	  echo "installing$$need with apt-get"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need >/dev/null || \
	  { echo "could not install$$need: run 'apt-get install$$need' as root"; exit 1; }; \
	fi

plan: install ## build the plan and schedule on the sample data (or CUSTOMERS=… STAFF=…) into build/plan
	$(BIN)/revisitkit plan --customers $(CUSTOMERS) --staff $(STAFF) --out $(PLAN_DIR)

serve: install plan ## set up, build the plan, serve the dashboards on http://127.0.0.1:8866 (overview first)
	$(BIN)/revisitkit serve --port $(PORT) --customers $(CUSTOMERS) --staff $(STAFF) --actuals $(ACTUALS)

test: install browser ## set up everything and run every test: unit, doctest, nbval, browser
	@# the options are pyproject.toml's and the session's set-up tests/conftest.py's, so plain
	@# `pytest` runs the same suite; the notebooks run on the bundled sample, never your data
	$(BIN)/python -m pytest

test-fast: install ## unit tests and doctests only (no notebooks, no browser)
	$(BIN)/python -m pytest tests revisitkit -m "not browser" -q

lint: install ## ruff check and format check
	$(BIN)/ruff check revisitkit tests benchmarks
	$(BIN)/ruff format --check revisitkit tests benchmarks

format: install ## ruff format and autofix
	$(BIN)/ruff format revisitkit tests benchmarks
	$(BIN)/ruff check --fix revisitkit tests benchmarks

notebooks: install ## re-execute every notebook in place (re-baseline nbval; see README)
	@for nb in notebooks/*.ipynb dashboards/*.ipynb; do \
	  echo "executing $$nb"; \
	  (cd $$(dirname $$nb) && env -u REVISITKIT_CUSTOMERS -u REVISITKIT_CONFIG -u REVISITKIT_STAFF -u REVISITKIT_ACTUALS -u REVISITKIT_OUTCOMES -u REVISITKIT_PROBLEMS -u REVISITKIT_WORKSPACE \
	    REVISITKIT_STORE=$(CURDIR)/$(TEST_OUT)/no-store/revisitkit.db ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=300 $$(basename $$nb)) || exit 1; \
	done
	@# live widget state and execution timestamps change on every run: keep them out of git
	$(BIN)/python -c "import sys, nbformat as nbf; \
	strip = lambda nb: [nb.metadata.pop('widgets', None)] + [c.metadata.pop('execution', None) for c in nb.cells]; \
	[(strip(nb), nbf.write(nb, p)) for p in sys.argv[1:] for nb in [nbf.read(p, as_version=4)]]" \
	  notebooks/*.ipynb dashboards/*.ipynb

screenshots: install browser ## the README's dashboard pictures, from the browser tests' screenshots (dashboards/screenshots)
	$(BIN)/python -m pytest tests/test_dashboards.py -k renders_without_errors -q -o addopts="" -p no:cacheprovider
	$(BIN)/python -c "import sys; from PIL import Image; \
	src, dst = '$(TEST_OUT)/screenshots', 'dashboards/screenshots'; \
	import os; os.makedirs(dst, exist_ok=True); \
	shots = [(n, n + '-1440', 1500, 900) for n in ('overview', 'segmentation', 'staffing', 'budget', 'risks')] + [('overview-phone', 'overview-390', 1700, 390)]; \
	[(im := Image.open(f'{src}/{s}.png').convert('RGB'), im := im.crop((0, 0, im.width, min(im.height, h))), \
	  im := im.resize((w, round(im.height * w / im.width)), Image.LANCZOS) if im.width > w else im, \
	  im.quantize(colors=96).save(f'{dst}/{n}.png', optimize=True)) for n, s, h, w in shots]"
	@ls -l dashboards/screenshots

sample: install ## regenerate the bundled sample data from its seeded generator
	$(BIN)/revisitkit sample --out data/sample

bench: install ## run the benchmarks (minutes; figures go in the README)
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_schedule.py
	$(BIN)/python benchmarks/bench_whatif.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_problems.py

clean: ## remove build outputs (keeps .venv)
	rm -rf build dist $(TEST_OUT) .mplcache .pytest_cache
