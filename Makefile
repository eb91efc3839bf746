# Quick start: `make site` builds the site into site/, `make test` runs every test.
# Both create the virtual environment they need in .venv/ on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test validate serve clean schema

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/briefgen build

validate: $(STAMP)
	$(BIN)/briefgen validate

serve: $(STAMP)
	$(BIN)/briefgen serve

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf site build $(VENV)

schema: $(STAMP)  ## refresh the committed JSON Schemas after a model change
	$(BIN)/briefgen schema --dir schema
