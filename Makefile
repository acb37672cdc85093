# Kompis: `make run` chats with the bot locally (or runs it with TELEGRAM_BOT_TOKEN); `make test` runs all tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MO     := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/messages.po))

.PHONY: setup run chat test i18n i18n-check clean

setup: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Kompis needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Compiled catalogs are built here from the .po files, never committed.
locale/%/LC_MESSAGES/messages.mo: locale/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D messages -i $< -o $@

run: setup
	$(BIN)/kompis db upgrade
	$(BIN)/kompis run

chat: setup
	$(BIN)/kompis chat

test: setup
	$(BIN)/python -m pytest

# Extract message ids from the code, merge them into every catalog, fill English from the ids, compile, check.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --add-comments=TRANSLATORS: --project=Kompis \
		--width=100 -o locale/messages.pot bot dialogues
	$(BIN)/pybabel update -i locale/messages.pot -d locale -D messages --width=100
	$(BIN)/python -m bot.catalogs fill-source
	$(BIN)/pybabel compile -d locale -D messages --statistics
	$(BIN)/python -m bot.catalogs check

i18n-check: $(STAMP)
	$(BIN)/python -m bot.catalogs check

clean:
	rm -rf $(VENV) var/*.db* locale/*/LC_MESSAGES/*.mo .pytest_cache
