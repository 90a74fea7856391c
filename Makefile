# CityOps — the two commands: `make run` (demo city) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8050
DAYS ?= 30
PYTEST_WORKERS ?= 3
LINTED := dashboard collectors layouts simulator tests bench

.PHONY: run test reliability mutate bench bench-scale load backfill lint lock clean report-deps

$(VENV)/.runtime: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## report-deps: what the reports' PDF needs on the server (docs/reports.md): Chromium and the Noto CJK fonts, from
## Debian's packages when missing
report-deps:
	if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; fi

## run: the demo city — simulator, collectors and dashboard on SQLite in var/demo (prints the URLs)
run: $(VENV)/.runtime
	CITYOPS_AUTH_MODE=open $(PY) -m dashboard demo --port $(PORT) --days $(DAYS) --var-dir var/demo

## test: lint (ruff, rules in pyproject.toml), then the whole suite (PostgreSQL, MQTT and browser tests run when
## their services are configured), on PYTEST_WORKERS processes: three on two cores, as many tests wait on
## processes, servers and clocks (the whole suite took 24 min with two, 15 with three, on one 2-core machine)
test: $(VENV)/.dev
	$(VENV)/bin/ruff check $(LINTED)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

## bench: benchmarks against same-run baselines; prints the table and appends it to bench/results.md
bench: $(VENV)/.dev
	$(PY) -m bench

## bench-scale: the year of the city built on PostgreSQL at SCALE_FACTORS of its size (default 1,2,3; 3× is about
## 27 M facts, a database per size on the server of CITYOPS_TEST_DATABASE_URL) and the curve of the overview's
## reads against it; not part of `make bench` (building 3× takes well over its 15 minutes)
SCALE_FACTORS ?= 1,2,3
bench-scale: $(VENV)/.dev
	$(PY) -m bench.scale --scales $(SCALE_FACTORS)

## load: locust against gunicorn + PostgreSQL + Redis + live collector, then one serve on SQLite: the target
## mix for LOAD_SECONDS (default 600), then users stepped up to the knee; needs CITYOPS_TEST_DATABASE_URL and
## CITYOPS_TEST_REDIS_URL (servers on loopback)
LOAD_SECONDS ?= 600
load: $(VENV)/.dev
	$(PY) -m bench.load --seconds $(LOAD_SECONDS)

## backfill: the collector catching up on BACKFILL_DAYS (default 365) of the demo city, on PostgreSQL and SQLite
BACKFILL_DAYS ?= 365
backfill: $(VENV)/.dev
	$(PY) -m bench.backfill --days $(BACKFILL_DAYS)

## reliability: fault, crash, fuzz and soak tests at full size, with their figures printed
reliability: $(VENV)/.dev
	CITYOPS_RELIABILITY_HOURS=24 CITYOPS_FUZZ_EXAMPLES=2000 CITYOPS_CRASH_ITERATIONS=12 CITYOPS_PG_RESTART_CYCLES=5 CITYOPS_SOAK_SECONDS=$${CITYOPS_SOAK_SECONDS:-1800} $(PY) -m pytest tests/reliability tests/security/test_callback_fuzz.py tests/integration/test_collector_crash.py tests/integration/test_kill_points_demo.py tests/integration/test_backup_restore.py tests/e2e/test_wall_soak.py -s

## mutate: mutation score of the critical modules (mutmut 3, configured in pyproject.toml [tool.mutmut]) in one
## process at low priority (SQLite; each mutant runs the tests that reach its function); prints the score per module.
## Results stay in mutants/: a second run tests only the mutants not tested yet (or whose code changed).
## MUTATE='dashboard.privacy*' (mutmut name patterns, several allowed) re-tests those modules' mutants, one pattern
## after the other. Property tests run a few fixed examples (Hypothesis profile `mutate`); the modules named in
## pyproject.toml [tool.cityops.mutation_judges] are judged by their own tests only (see tests/conftest.py).
MUTATE ?=
mutate: $(VENV)/.dev
	@if [ -z "$(MUTATE)" ]; then \
	  env -u CITYOPS_TEST_DATABASE_URL CITYOPS_HYPOTHESIS_PROFILE=mutate nice -n 10 $(PY) -m mutmut run --max-children 1 >/dev/null || exit 1; \
	else for pattern in $(MUTATE); do \
	  echo "mutate: $$pattern"; \
	  env -u CITYOPS_TEST_DATABASE_URL CITYOPS_HYPOTHESIS_PROFILE=mutate CITYOPS_MUTATE_JUDGED="$${pattern%\*}" \
	    nice -n 10 $(PY) -m mutmut run --max-children 1 "$$pattern" >/dev/null || exit 1; \
	done; fi
	@$(PY) -m mutmut results --all true | $(PY) tests/mutation_score.py

## lint: ruff alone
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check $(LINTED)

## lock: re-pin requirements*.txt from the ranges in pyproject.toml
lock:
	rm -rf /tmp/cityops-lock && $(PYTHON) -m venv /tmp/cityops-lock
	/tmp/cityops-lock/bin/pip install --quiet -e .
	(echo "# Runtime dependencies, pinned. pyproject.toml holds the ranges; regenerate with 'make lock'."; \
	 /tmp/cityops-lock/bin/pip freeze --exclude-editable | LC_ALL=C sort -f) > requirements.txt
	/tmp/cityops-lock/bin/pip install --quiet -e '.[dev]'
	(echo "# Test and development dependencies, pinned."; echo "-r requirements.txt"; \
	 LC_ALL=C comm -13 <(grep -v '^#' requirements.txt | LC_ALL=C sort) \
	   <(/tmp/cityops-lock/bin/pip freeze --exclude-editable | LC_ALL=C sort)) > requirements-dev.txt

clean:
	rm -rf var .pytest_cache tests/artifacts
