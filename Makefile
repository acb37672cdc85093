# Kompis: `make run` chats with the bot locally (or runs it with TELEGRAM_BOT_TOKEN); `make test` runs all tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MO     := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/messages.po))

# The Rasa NLU server lives in its own Python 3.10 environment (Rasa pins Python < 3.11).
RASA_PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { command -v $$p; break; }; done)
RASA_VENV   := nlu/.rasa-venv
RASA_STAMP  := $(RASA_VENV)/.installed

.PHONY: setup run chat test i18n i18n-check clean nlu-setup nlu-train nlu-eval bench

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

# The bot starts its Rasa server itself (kompis run/chat); without the Rasa environment it still runs,
# reading free text with the keyword matcher only, so a failed NLU setup does not stop `make run`.
run: setup
	-$(MAKE) --no-print-directory nlu-train
	$(BIN)/kompis db upgrade
	@# Without a Telegram token this is the local demo: give it the example course catalog (never in production).
	@test -n "$$TELEGRAM_BOT_TOKEN" || $(BIN)/kompis courses demo --if-empty
	$(BIN)/kompis run

chat: setup
	-$(MAKE) --no-print-directory nlu-train
	$(BIN)/kompis db upgrade
	$(BIN)/kompis courses demo --if-empty
	$(BIN)/kompis chat

# The tests start their own Rasa server with the model of the current nlu/ (trained here if needed). Two workers
# (pytest-xdist): most tests wait on servers and timeouts rather than the CPU, so two halve the time of one.
test: setup nlu-train
	$(BIN)/python -m pytest -n 2

# Extract message ids from the code, merge them into every catalog, fill English from the ids, compile, check.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --add-comments=TRANSLATORS: --project=Kompis \
		--width=100 -o locale/messages.pot bot dialogues data
	$(BIN)/pybabel update -i locale/messages.pot -d locale -D messages --width=100
	$(BIN)/python -m bot.catalogs fill-source
	$(BIN)/pybabel compile -d locale -D messages --statistics
	$(BIN)/python -m bot.catalogs check

i18n-check: $(STAMP)
	$(BIN)/python -m bot.catalogs check

nlu-setup: $(RASA_STAMP)

$(RASA_STAMP): nlu/requirements.txt
	@test -n "$(RASA_PYTHON)" || { echo "Rasa needs Python 3.10 (set RASA_PYTHON=/path/to/python3.10)"; exit 1; }
	test -x $(RASA_VENV)/bin/python || $(RASA_PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RASA_VENV)/bin/python -m pip install --quiet -r nlu/requirements.txt
	touch $@

# Trains only when nlu/ changed: the model is named by a hash of its inputs.
nlu-train: $(RASA_STAMP)
	$(RASA_VENV)/bin/python nlu/build_lookups.py
	$(RASA_VENV)/bin/python nlu/train.py

# Accuracy on the held-out files and 5-fold cross-validation, written into docs/nlu.md (takes a while).
nlu-eval: nlu-train
	$(RASA_VENV)/bin/python nlu/evaluate.py --folds 5

# Benchmarks: figures printed and compared within one run (see docs/benchmarks.md).
bench: setup nlu-train
	$(BIN)/python bench/nlu_latency.py
	$(BIN)/python bench/assessment_run.py
	$(BIN)/python bench/course_search.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/updates.py
	$(BIN)/python bench/broadcast.py --workers 1 2

clean:
	rm -rf $(VENV) $(RASA_VENV) nlu/models var/*.db* locale/*/LC_MESSAGES/*.mo .pytest_cache
