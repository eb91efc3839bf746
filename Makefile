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

# The editor tests drive the YAML language server, an npm package pinned in tests/editor/;
# npm ci runs again only when its lock file changes, from npm's cache when it can.
EDITOR_TESTS := tests/editor
$(EDITOR_TESTS)/node_modules/.package-lock.json: $(EDITOR_TESTS)/package.json $(EDITOR_TESTS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(EDITOR_TESTS) --prefer-offline --no-audit --no-fund; \
	else \
		echo "no npm: the editor tests need Node.js (without node they are skipped)"; \
	fi

test: $(STAMP) $(CHROMIUM) $(EDITOR_TESTS)/node_modules/.package-lock.json
	$(BIN)/python -m pytest

clean:
	rm -rf site build $(VENV) $(EDITOR_TESTS)/node_modules

schema: $(STAMP)  ## refresh the committed JSON Schemas after a model change
	$(BIN)/briefgen schema --dir schema
