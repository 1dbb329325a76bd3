# Two commands: `make test` and `make run`. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test run bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Mentorbot needs Python 3.11 or newer (found %s)." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Compiled modules are kept (even where the environment says not to write them): the
	@# suite starts Python some hundred times, and each would compile the project again.
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

run: install
	@$(BIN)/python -m bot run --or-sandbox

bench: install
	$(BIN)/python -m bench.ack_latency --save
	$(BIN)/python -m bench.dispatch --save
	$(BIN)/python -m bench.memory --save
	$(BIN)/python -m bench.socket_refresh --save
	$(BIN)/python -m bench.crash --save
	$(BIN)/python -m bench.programme --save

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
