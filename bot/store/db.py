"""Engines for the two supported databases and the `Store` that hands out sessions.

SQLite is the embedded default for one process: WAL so readers do not block the writer, foreign keys on,
a busy timeout so a second writer waits instead of failing, and `BEGIN IMMEDIATE` so a transaction that
will write takes the write lock up front instead of failing halfway when it upgrades from reading. SQLite lets
one such transaction in at a time; the threads of one process queue for it on a lock of their own (`Store.session`)
rather than in SQLite's busy handler, which polls with growing sleeps (up to 100 ms each) and lets a waiting
thread miss its turn again and again under load (bench/updates.py, 100 users at full speed on SQLite: a turn's
p99 0.9–1.5 s and its maximum 3–6 s before, 0.25–0.3 s and 0.5–0.6 s with the lock).
The busy timeout still covers other processes on the same file (`kompis worker`).
PostgreSQL (psycopg 3) is the engine for several processes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import bindparam, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InvalidatePoolError, OperationalError
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000
PING_AFTER_IDLE = 1.0  # seconds a PostgreSQL connection may rest in the pool and be lent out without a ping


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here; SQLAlchemy would otherwise pick psycopg2."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,  # errors and echo name no values: they may be what people wrote
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    # LIFO: at a low rate the newest connection is reused and stays fresh (no ping); the others rest
    engine = create_engine(url, echo=echo, hide_parameters=True, pool_size=10, max_overflow=10, pool_use_lifo=True)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, but only for a connection that rested in the pool longer than `PING_AFTER_IDLE`.

    A pre-ping on every checkout was one more round trip to PostgreSQL in every turn (a turn is 8–10). A connection
    handed back a moment ago is as alive as the ping would find it; one that rested (the server may have restarted
    meanwhile) is pinged, and a dead one is replaced before anyone uses it, as with `pool_pre_ping`. A restart in
    the very moment a connection was lent out fails that transaction either way; the callers retry."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _rested_since(_dbapi_connection, record):  # a new connection is as fresh as one just handed back
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        rested = record.info.get("checked_in")
        if rested is not None and time.monotonic() - rested < PING_AFTER_IDLE:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as exc:  # as pool_pre_ping: the pool drops every connection as old as this one, tries again
            raise InvalidatePoolError(f"connection found dead when taken from the pool ({type(exc).__name__})") from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """The shared store. Dialogues and the transport get sessions from here and never see the engine kind."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, echo=echo)
        # SQLite: one transaction at a time in this process (see the module docstring). Re-entrant, so that a
        # session opened inside another in the same thread behaves as it did without the lock.
        self._one_at_a_time = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back when it raises."""
        with self._in_turn(), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def _in_turn(self) -> Iterator[None]:
        """SQLite: wait for this process's other transactions to end, as long as SQLite's busy timeout, and then
        fail as SQLite would have ("database is locked"), for the caller's retry to handle."""
        lock = self._one_at_a_time
        if lock is None:
            yield
            return
        if not lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        try:
            yield
        finally:
            lock.release()

    def dispose(self) -> None:
        self.engine.dispose()


def insert_ignore(database: Session | str, model, columns: tuple[str, ...], *, returning: bool = True):
    """INSERT of the named `columns` … ON CONFLICT DO NOTHING RETURNING the key: a row back means this insert won.
    (psycopg reports no rowcount for these inserts, so RETURNING is the portable signal.) The values come as the
    execution's parameters, one dict, or a list of them for many rows at once (then without `returning`).
    `database`: a session, or the name of its dialect for a statement built before any session."""
    dialect = database if isinstance(database, str) else database.get_bind().dialect.name
    return _frozen(dialect, ("ignore", model, columns, returning),
                   lambda: _insert(dialect, model, columns, update=None, returning=returning))


def upsert(session: Session, model, columns: tuple[str, ...], *, update: tuple[str, ...]):
    """INSERT the row, or when its primary key is there already, UPDATE the `update` columns: one statement
    (a round trip) where reading first and then writing takes two. The values come as the execution's parameters."""
    dialect = session.get_bind().dialect.name
    if dialect not in _ON_CONFLICT:
        raise NotImplementedError(f"upsert on {dialect}")
    return _frozen(dialect, ("upsert", model, columns, update),
                   lambda: _insert(dialect, model, columns, update=update, returning=False))


# SQLAlchemy 2.0 gives the dialects' ON CONFLICT inserts no cache key (their Insert sets inherit_cache = False), so
# it compiles them anew on every execution, and with them every statement they are part of: 1.5 ms of CPU for the
# turn's first read on PostgreSQL (`chats.claim_and_begin`), a quarter of a Kompis process's time at saturation in a
# profile of bench/updates.py. Each is therefore compiled once per database dialect and kept as a textual statement
# (the same SQL, the columns' types on its parameters and its RETURNING), which SQLAlchemy does cache.
_FROZEN: dict = {}
_ON_CONFLICT = {"postgresql": (postgresql, PGDialect), "sqlite": (sqlite, SQLiteDialect)}


def _frozen(dialect: str, key: tuple, build):
    statement = _FROZEN.get((dialect, key))
    if statement is None:  # two threads may both build it: the same statement, and one is kept
        statement = _FROZEN.setdefault((dialect, key), build())
    return statement


def _insert(dialect: str, model, columns: tuple[str, ...], *, update: tuple[str, ...] | None, returning: bool):
    table = model.__table__
    binds = [bindparam(name, type_=table.c[name].type) for name in columns]
    values = {bind.key: bind for bind in binds}
    if dialect not in _ON_CONFLICT:  # neither: a plain INSERT, which fails on a conflict
        statement = insert(table).values(values)
        return statement.returning(*table.primary_key.columns) if returning else statement
    module, compiler_dialect = _ON_CONFLICT[dialect]
    statement = module.insert(table).values(values)
    if update is None:
        statement = statement.on_conflict_do_nothing()
    else:
        statement = statement.on_conflict_do_update(index_elements=list(table.primary_key.columns),
                                                    set_={name: statement.excluded[name] for name in update})
    # RETURNING only when asked: PostgreSQL's compiler would otherwise return the new row's key on its own
    statement = statement.returning(*table.primary_key.columns) if returning else statement.inline()
    # the dialect's base compiler, with :name parameters and without the driver's casts (added when it runs)
    compiled = statement.compile(dialect=compiler_dialect(paramstyle="named"))
    unnamed = set(compiled.binds) - set(columns)
    if unnamed:  # e.g. a column with a default in the model: compiled once, its default would never be filled in
        raise ValueError(f"{table.name}: name {sorted(unnamed)} among the columns of this insert")
    frozen = text(str(compiled)).bindparams(*binds)
    return frozen.columns(*table.primary_key.columns) if returning else frozen
