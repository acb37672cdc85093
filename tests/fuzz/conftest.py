"""Fixtures of the fuzz tests: one real bot per module (per database kind) with the demo course catalog, and a
fresh workplace with invites of every role for each sequence; the log recorded; the count of cases, which
tests/conftest.py prints in the terminal summary."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import delete

from bot.courses import catalog
from bot.store import invites, migrate, organisations
from bot.store.db import Store
from bot.store.models import Organisation, Role, utcnow
from tests.conftest import make_config
from tests.fuzz.profiles import CASES


class World:
    """The bot the fuzz drives, on its own store."""

    def __init__(self, kompis):
        self.kompis = kompis
        self.issued: set[str] = set()  # every invite code made so far, also those gone with their organisation

    def fresh_workplace(self) -> dict[str, str]:
        """Every organisation (with its teams, invites, memberships) gone, and Fuzz AB made anew with a team, live
        invites of every role and invites that no longer work; their codes by kind. Each sequence starts here,
        so that it meets the same store when Hypothesis runs it again (to shrink it), whatever ran before."""
        codes = {}
        with self.kompis.store.session() as session:
            session.execute(delete(Organisation))
            org = organisations.create_organisation(session, name="Fuzz AB")
            team = organisations.team_in(session, organisation=org, name="Svets", create=True)
            for key, role, team_row in (("employee", Role.employee, None), ("team", Role.employee, team),
                                        ("manager", Role.manager, team), ("coordinator", Role.coordinator, None)):
                codes[key] = invites.create_invite(session, organisation=org, team=team_row, role=role,
                                                   valid_days=30, max_uses=1_000).code
            spoilt = {"expired": lambda i: setattr(i, "expires_at", utcnow() - timedelta(days=1)),
                      "revoked": lambda i: setattr(i, "revoked_at", utcnow()),
                      "used_up": lambda i: setattr(i, "uses", i.max_uses)}
            for key, spoil in spoilt.items():
                invite = invites.create_invite(session, organisation=org, valid_days=30, max_uses=1)
                spoil(invite)
                session.add(invite)
                codes[key] = invite.code
        self.issued.update(codes.values())
        return codes


def _database(kind: str, request, tmp_path_factory) -> Store:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'kompis.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    store = Store(url)
    migrate.upgrade(store)
    return store


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    """The real bot against its own local Bot API, on a database of each kind, for a whole module."""
    from tests.auxil.conversation import RunningBot

    store = _database(request.param, request, tmp_path_factory)
    catalog.import_demo(store)
    kompis = RunningBot(make_config(store.url), store).start()
    CASES[f"bots started ({request.param})"] += 1
    yield World(kompis)
    kompis.stop()
    store.dispose()


class LogRecorder(logging.Handler):
    """Every WARNING or worse any logger emits while the fuzz runs (the bot's on_error logs at ERROR)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def log_records():
    recorder = LogRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    yield recorder.records
    root.removeHandler(recorder)


def pytest_sessionfinish(session):
    """Under pytest-xdist (`make test` runs two workers) a worker hands its counts to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fuzz_cases"] = dict(CASES)
