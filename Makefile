# The two commands of the README. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup film test test-fast lint bench clean

$(BIN)/storyboard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
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

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) projects/*/.storyboard projects/*/out
