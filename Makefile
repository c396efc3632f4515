# Two commands for a new user: `make report` and `make test`. Both create .venv, install the
# locked dependencies (requirements.lock) and the package, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := datasets/demo

.PHONY: report test test-all lint demo lock codebook clean help

help:
	@echo "make report   - build the full report on the demo cohort into reports/demo/ (cached)"
	@echo "make test     - run the test suite without the slow calibration runs (what CI runs)"
	@echo "make test-all - run every test, the slow calibration runs too"
	@echo "make lint     - ruff"
	@echo "make demo     - regenerate datasets/demo from its seed"
	@echo "make lock     - re-resolve dependencies into requirements.lock"

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "glute_study needs Python >= 3.11; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/glute-study report $(DEMO) --out reports/demo

test: $(STAMP)
	$(BIN)/python -m pytest

# `-m` given again replaces the "not slow" of the pytest addopts in pyproject.toml.
test-all: $(STAMP)
	$(BIN)/python -m pytest -m "slow or not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/glute-study simulate --n 400 --seed 2026 --scenario hypothesis --n-teams 20 --team-sd 0.3 \
		--season 4 --out $(DEMO)

codebook: $(STAMP)
	$(BIN)/glute-study codebook --out docs/codebook.md

# Resolve the ranges in pyproject.toml afresh in a scratch venv and pin the result.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	echo "# Resolved by 'make lock' from the ranges in pyproject.toml (Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'))." > requirements.lock
	.lock-venv/bin/python -m pip freeze --exclude glute_study --exclude glute-study >> requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build *.egg-info
