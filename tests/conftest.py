"""Shared fixtures: real databases (SQLite files and a PostgreSQL server of the tests' own) and the real bot."""

from __future__ import annotations

import dataclasses
import os

import pytest

from bot.config import load_config
from bot.store import migrate
from bot.store.db import Store
from tests.auxil.postgres import PostgresServer, find_binaries

@pytest.fixture(scope="session")
def pg_server():
    if find_binaries() is None:
        reason = "no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI the PostgreSQL tests must run (.ci/run installs them)")
        pytest.skip(reason)
    server = PostgresServer.start()
    yield server
    server.stop()


def _database_url(kind: str, tmp_path, request) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'kompis.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty database of each supported kind."""
    return _database_url(request.param, tmp_path, request)


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    migrate.upgrade(store)
    yield store
    store.dispose()


@pytest.fixture
def sqlite_store(tmp_path, request):
    store = Store(_database_url("sqlite", tmp_path, request))
    migrate.upgrade(store)
    yield store
    store.dispose()


def make_config(database_url: str, *, nlu=None, reminders: bool = False, **env):
    """The project's config.yml on the given database; the NLU off unless a running server is given; no
    reminder service in the background unless asked for (reminder tests run rounds with time they set)."""
    config = load_config(env={"DATABASE_URL": database_url, **env})
    config = dataclasses.replace(config, reminders=dataclasses.replace(config.reminders, enabled=reminders))
    if nlu is None:
        return dataclasses.replace(config, nlu=dataclasses.replace(config.nlu, enabled=False))
    return dataclasses.replace(config, nlu=dataclasses.replace(config.nlu, url=nlu.url, token=nlu.token))


def _needed(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI the NLU tests must run (.ci/run sets up and trains Rasa)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory):
    """The real Rasa server with the model trained for the current nlu/ (`make test` trains it first)."""
    from bot.nlu_server import RASA_BIN, NluServerError, RasaServer, current_model

    if not RASA_BIN.exists():
        _needed("no Rasa environment (make nlu-setup)")
    if not current_model().exists():
        _needed("no NLU model for the current nlu/ (make nlu-train)")
    server = RasaServer(log_path=tmp_path_factory.mktemp("rasa") / "rasa.log")
    try:
        server.start()
    except NluServerError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def kompis(sqlite_store):
    """The real bot on a fresh SQLite store, against its own local Bot API server, without the NLU server
    (as when Rasa is down: buttons, commands and the keyword matcher)."""
    from tests.auxil.conversation import RunningBot

    bot = RunningBot(make_config(sqlite_store.url), sqlite_store).start()
    yield bot
    bot.stop()


@pytest.fixture
def kompis_nlu(sqlite_store, rasa_server):
    """The real bot with the real Rasa server. These tests are about what Rasa understands, not how fast: the NLU
    client waits up to 3 s (config.yml's 0.3 s is for people waiting; with two test workers on two cores a parse
    sometimes took longer, and the text was answered without the NLU). tests/faults/test_nlu_faults.py keeps 0.3 s."""
    import dataclasses

    from tests.auxil.conversation import RunningBot

    config = make_config(sqlite_store.url, nlu=rasa_server)
    config = dataclasses.replace(config, nlu=dataclasses.replace(config.nlu, timeout_seconds=3.0))
    bot = RunningBot(config, sqlite_store).start()
    yield bot
    bot.stop()


# -- the fuzz tests' count of cases, summed over pytest-xdist's workers (tests/fuzz/conftest.py hands them over) --
@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    from tests.fuzz.profiles import CASES

    CASES.update(getattr(node, "workeroutput", {}).get("fuzz_cases", {}))


def pytest_terminal_summary(terminalreporter):
    from tests.fuzz.profiles import CASES

    if not CASES:
        return
    terminalreporter.write_sep("-", "fuzz cases")
    for key in sorted(CASES):
        terminalreporter.write_line(f"{key}: {CASES[key]}")
