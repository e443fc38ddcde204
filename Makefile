# loanbook: `make demo` runs the main job, `make test` runs the tests. Each sets up
# .venv on its own on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench bench-api clean bench-cob chromium

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "loanbook needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# make demo ARGS="--port 8001 --borrowers 200": ARGS go to `loanbook demo` as they are.
demo: install
	$(BIN)/loanbook demo $(ARGS)

# The browser tests (tests/web) drive Debian's Chromium, never a downloaded browser:
# installed here when missing and this is root with apt-get; otherwise they skip, saying so.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests (apt-get install -y chromium)"; \
		(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
			|| echo "could not install chromium: the browser tests (tests/web) will be skipped"; \
	else echo "no $(CHROMIUM) and no way to install it (needs root and apt-get): the browser tests (tests/web) will be skipped"; fi

# The suite runs on one worker process per core (pytest-xdist): most of its time is spent
# in whole nights of close of business, servers and browsers started per test, each on one
# core. TEST_WORKERS=0 runs it in this process; PYTEST_ARGS go to pytest as they are.
TEST_WORKERS ?= auto

test: install chromium
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/engine.py

bench-api: install
	$(BIN)/python bench/api.py

bench-cob: install
	$(BIN)/python bench/cob.py --quick

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .hypothesis
