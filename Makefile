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

# The browser tests drive Debian's Chromium (no browser download).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "the browser tests need Debian's chromium: sudo apt-get install chromium"; \
	fi

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

clean:
	rm -rf site build $(VENV)

schema: $(STAMP)  ## refresh the committed JSON Schemas after a model change
	$(BIN)/briefgen schema --dir schema
