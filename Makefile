# The two commands of the README. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup film test test-fast lint bench wheel clean

# Quiet installs: no upgrade notice, and no setuptools notice about editable
# installs (a box of asterisks a writer would take for an error).
PIP := PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip --disable-pip-version-check

$(BIN)/storyboard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test,score]'
	touch $@

setup: $(BIN)/storyboard

# The main job: the example project's film, offline, with the preview provider.
film: setup
	$(BIN)/storyboard build -p projects/astronaut-cat --provider preview

# The tests (and the linters, with the import layers of docs/architecture.md), as CI runs them.
test: setup
	$(BIN)/ruff check storyboard tests benchmarks tools
	$(BIN)/vulture
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

# While developing: the tests not marked slow, on every core (no linters); under 30 s.
test-fast: setup
	$(BIN)/pytest -q -m "not slow" -n auto

lint: setup
	$(BIN)/ruff check storyboard tests benchmarks tools
	$(BIN)/ruff format --check storyboard tests benchmarks tools
	$(BIN)/vulture
	$(BIN)/mypy
	$(BIN)/lint-imports

# The package file writers install with one command (pipx install dist/<file>.whl).
wheel: setup
	$(PIP) wheel -q --no-deps -w dist .

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) dist build projects/*/.storyboard projects/*/out
