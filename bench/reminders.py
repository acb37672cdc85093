"""Reminders at scale: planning for 100 000 people, and sending through Telegram-like limits.

Run from the repository root (it takes several minutes):

    .venv/bin/python bench/reminders.py [--people 100000] [--send 3000]

1. Planning, on an SQLite file in a temporary directory and on a throw-away PostgreSQL server from the machine's
   binaries (`tests.auxil.postgres.PostgresServer`, skipped with a note when there are none). A migrated, empty
   store gets `--people` persons in bulk; a seeded ~30 % of them an unfinished self-assessment (updated_at spread
   over the last 10 days), a seeded ~10 % an "interested" sign-up on one of a few hundred course occasions whose
   application closes within 14 days (PostgreSQL is then ANALYZEd, as its autovacuum would do). Then, in one
   store session each, `plan_due(session, now=..., config=load_config(env={}).reminders, tz=...)`:
   - the first run (nothing planned yet): time of plan_due and of the commit, rows planned, the SQL statements
     it sent (counted, and the time spent in `cursor.execute`, by kind), the process RSS (VmRSS) before and after
     and its peak during the run (VmHWM, reset through /proc/self/clear_refs just before);
   - a second run (everything already planned): the idempotent path;
   - the first run once more, after deleting the planned rows, under `tracemalloc` for the peak of Python
     allocations (tracemalloc slows Python down, so this run is not timed against the others).
   The baseline, in the same store just before: `SELECT count(*) FROM person` and reading every Assessment id (one
   full pass over each table; median of 3), so that the planning time can be read against a scan.
2. Sending, on PostgreSQL (SQLite when there are no binaries): `--send` due reminders for as many distinct people
   whose chats exist (each first sends /start through the local Bot API's client side, as in
   tests/reminders/test_worker_processes.py), sent by `kompis worker --until-idle --no-plan` processes through the
   local Bot API with Telegram's limits on (`Limits()`: 30 messages/s per bot, burst 30; 1/s per private chat,
   burst 3), with a config file whose sending window is open all day and a lease of 30 s. Two workers at
   per_second 15, then (fresh database and server) one worker at per_second 30. Measured: wall time from starting
   the processes to both having exited, and the sending span (first to last delivered message, polled every
   50 ms); messages/s and its ratio to Telegram's 30/s; the 429 answers the server gave; and the check that no
   reminder was lost or sent twice (messages delivered == N, every row `sent`, one bot message in each chat).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `import bot` and `import tests` work when run as a script

import argparse
import datetime
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta

import yaml
from sqlalchemy import delete, event, func, insert
from sqlalchemy import text as sql
from sqlmodel import select

from bench.nlu_latency import machine, machine_line
from bot.config import load_config
from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from bot.reminders.planner import plan_due
from bot.store import migrate
from bot.store.db import Store
from bot.store.models import Assessment, CourseEvent, Nudge, Person, SignUp, utcnow
from tests.auxil.postgres import PostgresServer, find_binaries
from tests.auxil.reminders import due_reminders as shared_due_reminders

DATA_SEED = 11
ASSESSMENT_SHARE, SIGNUP_SHARE = 0.30, 0.10
EVENTS = 300  # course occasions whose application closes within CLOSING_DAYS
CLOSING_DAYS = 14
SPREAD_DAYS = 10  # unfinished assessments were last answered up to this many days ago
BASELINE_REPEATS = 3
TELEGRAM_PER_SECOND = 30.0
TOKEN = "4343:bench-reminders-token"
FIRST_USER = 700_000
LEASE_SECONDS = 30
POLL_SECONDS = 0.05


# --- memory ---------------------------------------------------------------------------------------------------

def status_mb(key: str) -> float:
    """A field of /proc/self/status (VmRSS, VmHWM) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0]) / 1024
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs); False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# --- the data -------------------------------------------------------------------------------------------------

def populate(store: Store, n: int, now: datetime.datetime, tz) -> dict:
    """`n` persons, ~30 % with an unfinished assessment, ~10 % interested in a course closing within 14 days."""
    rng = random.Random(DATA_SEED)
    today = now.astimezone(tz).date()
    counts = {}
    with store.session() as session:
        session.execute(insert(Person), [
            {"telegram_user_id": 10_000_000 + i, "chat_id": 10_000_000 + i, "language": "sv", "consent_at": now,
             "created_at": now} for i in range(n)])
        ids = list(session.exec(select(Person.id).order_by(Person.id)))
        assessed = [pid for pid in ids if rng.random() < ASSESSMENT_SHARE]
        rows = []
        for pid in assessed:
            updated = now - timedelta(seconds=rng.uniform(0, SPREAD_DAYS * 86400))
            rows.append({"person_id": pid, "framework_version": 1, "areas": '["energy"]',
                         "position": rng.randrange(1, 10), "started_at": updated - timedelta(minutes=5),
                         "updated_at": updated})
        session.execute(insert(Assessment), rows)
        counts["assessments"] = len(rows)
        events = []
        for i in range(EVENTS):
            closes = today + timedelta(days=rng.randrange(CLOSING_DAYS + 1))
            starts = closes + timedelta(days=rng.randrange(14, 60))
            events.append({"identifier": f"bench:reminders:{i:04d}", "source": "bench", "title": f"Kurs {i}",
                           "description": "", "application_instruction": "", "study_mode": "on_site",
                           "pace": 100, "starts_on": starts, "ends_on": starts + timedelta(weeks=8),
                           "apply_until": closes, "cancelled": False, "updated_at": now})
        session.execute(insert(CourseEvent), events)
        event_ids = list(session.exec(select(CourseEvent.id)))
        counts["events"] = len(event_ids)
        signing = [pid for pid in ids if rng.random() < SIGNUP_SHARE]
        session.execute(insert(SignUp), [
            {"person_id": pid, "event_id": rng.choice(event_ids), "state": "interested", "created_at": now,
             "updated_at": now} for pid in signing])
        counts["sign_ups"] = len(signing)
    counts["people"] = n
    return counts


# --- planning -------------------------------------------------------------------------------------------------

@dataclass
class Statements:
    """SQL statements sent while attached: how many, and the seconds spent in cursor.execute, by first word."""
    count: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    _started: list = field(default_factory=list)

    def before(self, _conn, _cursor, statement, _parameters, _context, _executemany):
        self._started.append(time.perf_counter())

    def after(self, _conn, _cursor, statement, _parameters, _context, _executemany):
        kind = statement.lstrip().split(None, 1)[0].upper()
        self.count[kind] += 1
        self.seconds[kind] += time.perf_counter() - self._started.pop()

    def attach(self, store: Store) -> None:
        event.listen(store.engine, "before_cursor_execute", self.before)
        event.listen(store.engine, "after_cursor_execute", self.after)

    def detach(self, store: Store) -> None:
        event.remove(store.engine, "before_cursor_execute", self.before)
        event.remove(store.engine, "after_cursor_execute", self.after)

    def line(self) -> str:
        return ", ".join(f"{kind} {n} ({self.seconds[kind]:.2f} s)" for kind, n in self.count.most_common())


@dataclass
class PlanRun:
    plan_seconds: float
    commit_seconds: float
    planned: int
    by_rule: dict
    statements: Statements
    rss_before: float = float("nan")
    rss_after: float = float("nan")
    rss_peak: float | None = None
    traced_peak: float | None = None


def plan_once(store: Store, now, config, tz, *, trace: bool = False) -> PlanRun:
    statements = Statements()
    peak_reset = reset_peak_rss()
    rss_before = status_mb("VmRSS")
    if trace:
        tracemalloc.start()
    statements.attach(store)
    try:
        with store.session() as session:
            session.connection()  # the transaction begins here (BEGIN IMMEDIATE on SQLite), outside the timing
            started = time.perf_counter()
            planned = plan_due(session, now=now, config=config, tz=tz)
            planned_at = time.perf_counter()
        committed_at = time.perf_counter()
    finally:
        statements.detach(store)
        traced = tracemalloc.get_traced_memory()[1] / 2 ** 20 if trace else None
        if trace:
            tracemalloc.stop()
    return PlanRun(planned_at - started, committed_at - planned_at, planned.total, dict(planned.by_rule), statements,
                   rss_before, status_mb("VmRSS"), status_mb("VmHWM") if peak_reset else None, traced)


def baseline(store: Store) -> tuple[float, float, int]:
    """Median seconds of `SELECT count(*) FROM person` and of reading every Assessment id; the assessment count."""
    counts, reads = [], []
    found = 0
    for _ in range(BASELINE_REPEATS):
        with store.session() as session:
            session.connection()
            started = time.perf_counter()
            session.exec(select(func.count()).select_from(Person)).one()
            counts.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = len(list(session.exec(select(Assessment.id))))
            reads.append(time.perf_counter() - started)
    return statistics.median(counts), statistics.median(reads), found


def run_planning(name: str, url: str, n: int) -> list[str]:
    config = load_config(env={})
    tz = config.tz
    store = Store(url)
    try:
        migrate.upgrade(store)
        now = utcnow()
        print(f"{name}: inserting {n} people ...", flush=True)
        started = time.perf_counter()
        counts = populate(store, n, now, tz)
        inserted = time.perf_counter() - started
        if store.is_postgresql:
            with store.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(sql("ANALYZE"))
        count_s, read_s, assessments = baseline(store)
        print(f"{name}: inserted in {inserted:.1f} s; planning ...", flush=True)
        first = plan_once(store, now, config.reminders, tz)
        with store.session() as session:
            stored = session.exec(select(func.count()).select_from(Nudge)).one()
        print(f"{name}: planned {first.planned} in {first.plan_seconds:.1f} s; idempotent run ...", flush=True)
        again = plan_once(store, now, config.reminders, tz)
        with store.session() as session:
            session.execute(delete(Nudge))
        print(f"{name}: planning again under tracemalloc ...", flush=True)
        traced = plan_once(store, now, config.reminders, tz, trace=True)
    finally:
        store.dispose()

    per_person_us = 1e6 * first.plan_seconds / n
    per_row_us = 1e6 * first.plan_seconds / max(first.planned, 1)
    inserts = first.statements.count.get("INSERT", 0)
    peak = f"{first.rss_peak:.0f} MB" if first.rss_peak is not None else "n/a (clear_refs not allowed)"
    return [
        f"== {name}",
        (f"data: {counts['people']} people, {counts['assessments']} unfinished assessments, {counts['sign_ups']} "
         f"interested sign-ups on {counts['events']} occasions closing within {CLOSING_DAYS} days "
         f"(inserted in {inserted:.1f} s)"),
        (f"baseline (median of {BASELINE_REPEATS}): SELECT count(*) FROM person {1000 * count_s:.1f} ms; "
         f"read all {assessments} Assessment ids {1000 * read_s:.1f} ms"),
        (f"plan_due, first run: {first.plan_seconds:.2f} s + commit {first.commit_seconds:.2f} s; planned "
         f"{first.planned} rows {first.by_rule} (rows in the outbox: {stored})"),
        (f"  per person {per_person_us:.1f} µs, per planned row {per_row_us:.1f} µs; "
         f"x{first.plan_seconds / read_s:.0f} the read of all Assessment ids, "
         f"x{first.plan_seconds / count_s:.0f} the count(*) of person"),
        f"  statements: {first.statements.line()}",
        (f"  {inserts} INSERT statements for {first.planned} rows; "
         f"{first.statements.seconds.get('INSERT', 0.0) / max(inserts, 1) * 1e6:.0f} µs each in cursor.execute"),
        (f"  process RSS {first.rss_before:.0f} MB before, {first.rss_after:.0f} MB after, peak during the run "
         f"{peak}"),
        (f"plan_due, second run (all planned, idempotent): {again.plan_seconds:.2f} s + commit "
         f"{again.commit_seconds:.2f} s; planned {again.planned}; statements: {again.statements.line()}"),
        f"  second/first: {again.plan_seconds / first.plan_seconds:.2f}",
        (f"plan_due under tracemalloc (outbox emptied first; slower, not comparable): planned {traced.planned} "
         f"in {traced.plan_seconds:.2f} s; Python allocations peak {traced.traced_peak:.1f} MB"),
    ]


# --- sending --------------------------------------------------------------------------------------------------

def due_reminders(store: Store, client: SyncLocalApiClient, count: int) -> float:
    """`count` people with a reminder due now (tests/auxil/reminders.py); returns the seconds the setup took."""
    started = time.perf_counter()
    shared_due_reminders(store, client, count, first_user=FIRST_USER)
    return time.perf_counter() - started


class Watch(threading.Thread):
    """Polls the server's counters: when the first and the last of `total` messages were delivered."""

    def __init__(self, root_url: str, total: int):
        super().__init__(daemon=True)
        self.client = SyncLocalApiClient(root_url, TOKEN)
        self.total, self.first, self.last = total, None, None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                delivered = self.client.stats().get("messages_sent", 0)
                now = time.perf_counter()
                if delivered and self.first is None:
                    self.first = now
                if delivered >= self.total and self.last is None:
                    self.last = now
                    return
                self.stopping.wait(POLL_SECONDS)
        finally:
            self.client.close()


@dataclass
class SendRun:
    label: str
    workers: int
    per_second: float
    n: int
    starts_seconds: float
    wall: float
    span: float | None
    stats: dict
    states: dict
    by_worker: dict
    chats_wrong: int
    returncodes: list


def run_sending(label: str, url: str, n: int, workers: int, per_second: float, tmp: Path) -> SendRun:
    store = Store(url)
    api = ThreadedLocalBotApi(Limits()).start()  # Telegram's limits: 30/s per bot, 1/s per private chat
    client = SyncLocalApiClient(api.api.root_url, TOKEN)
    try:
        migrate.upgrade(store)
        print(f"sending ({label}): {n} people send /start and get a due reminder ...", flush=True)
        starts = due_reminders(store, client, n)
        config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
        config["reminders"].update(window={"days": "mon-sun", "start": "00:00", "end": "23:59", "skip_holidays": False},
                                   per_second=per_second, lease_seconds=LEASE_SECONDS)
        path = tmp / f"config-{workers}x{per_second:g}.yml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET")}
        env.update(DATABASE_URL=store.url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url,
                   KOMPIS_CONFIG=str(path))
        client.reset_stats()
        watch = Watch(api.api.root_url, n)
        watch.start()
        names = [f"w{i + 1}" for i in range(workers)]
        print(f"sending ({label}): {workers} worker(s) at per_second {per_second:g} ...", flush=True)
        with ExitStack() as files:
            logs = [files.enter_context(open(tmp / f"{label}-{name}.log", "w")) for name in names]
            started = time.perf_counter()
            processes = [subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--until-idle", "--no-plan",
                                           "--name", name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                         for name, log in zip(names, logs)]
            codes = [p.wait(timeout=3600) for p in processes]
            wall = time.perf_counter() - started
        watch.stopping.set()
        watch.join(5)
        for name, code in zip(names, codes):
            if code:
                print(f"worker {name} exited with {code}:\n{(tmp / f'{label}-{name}.log').read_text()[-3000:]}")
        stats = client.stats()
        with store.session() as session:
            states = dict(Counter(session.exec(select(Nudge.state))))
            by_worker = {name: len(session.exec(select(Nudge.id).where(Nudge.claimed_by == name)).all())
                         for name in names}
            chats = session.exec(select(Person.chat_id)).all()
        wrong = sum(1 for chat in chats
                    if sum(1 for m in client.messages(chat) if m.get("from", {}).get("is_bot")) != 1)
        span = watch.last - watch.first if watch.first is not None and watch.last is not None else None
        return SendRun(label, workers, per_second, n, starts, wall, span, stats, states, by_worker, wrong, codes)
    finally:
        client.close()
        api.stop()
        store.dispose()


def sending_lines(run: SendRun) -> list[str]:
    requests = run.stats.get("requests", {}).get("sendMessage", 0)
    delivered = run.stats.get("messages_sent", 0)
    limited = run.stats.get("rate_limited", 0)
    ok = (delivered == run.n and requests - limited == run.n and run.states == {"sent": run.n}
          and run.chats_wrong == 0 and not any(run.returncodes))
    rate = run.n / run.wall
    out = [
        f"-- {run.label}: {run.workers} worker(s) at per_second {run.per_second:g}, lease {LEASE_SECONDS} s",
        f"setup: {run.n} people (/start through the client side, rows in the store) in {run.starts_seconds:.1f} s",
        (f"wall (start of the processes to both exited): {run.wall:.1f} s -> {rate:.1f} msg/s, "
         f"{rate / TELEGRAM_PER_SECOND:.2f} of Telegram's {TELEGRAM_PER_SECOND:g}/s"),
    ]
    if run.span:
        span_rate = (run.n - 1) / run.span
        out.append(f"sending span (first to last delivered): {run.span:.1f} s -> {span_rate:.1f} msg/s, "
                   f"{span_rate / TELEGRAM_PER_SECOND:.2f} of {TELEGRAM_PER_SECOND:g}/s, "
                   f"{span_rate / (run.workers * run.per_second):.2f} of the configured "
                   f"{run.workers * run.per_second:g}/s")
    out += [
        (f"server: sendMessage requests {requests}, delivered {delivered}, 429 answers {limited}, other errors "
         f"{run.stats.get('errors', 0) - limited}"),
        (f"outbox: {run.states}; claimed by {run.by_worker}; chats without exactly one reminder: {run.chats_wrong}; "
         f"exit codes {run.returncodes}"),
        f"no loss, no duplicate: {'yes' if ok else 'NO'}",
    ]
    return out


# --- main -----------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in the planning part (100000)")
    parser.add_argument("--send", type=int, default=3000, help="due reminders in the sending part (3000)")
    args = parser.parse_args(argv)
    m = machine()
    today = datetime.date.today()
    planning: list[list[str]] = []
    sending: list[list[str]] = []
    binaries = find_binaries()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        planning.append(run_planning("SQLite", f"sqlite:///{tmp / 'plan.db'}", args.people))
        server = PostgresServer.start() if binaries is not None else None
        try:
            if server is not None:
                planning.append(run_planning("PostgreSQL", server.create_database("plan"), args.people))
                probe = Store(server.url)
                with probe.engine.connect() as connection:
                    version = connection.execute(sql("SHOW server_version")).scalar()
                probe.dispose()
                planning[-1].insert(1, f"server: PostgreSQL {version} (fsync off, as in the tests)")
            else:
                planning.append(["== PostgreSQL",
                                 "skipped: no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine"])
            engine = "PostgreSQL" if server is not None else "SQLite"
            runs = []
            for workers, per_second in ((2, 15.0), (1, 30.0)):
                label = f"{engine}, {workers}x{per_second:g}"
                url = (server.create_database(f"send_{workers}x{int(per_second)}") if server is not None
                       else f"sqlite:///{tmp / f'send-{workers}.db'}")
                runs.append(run_sending(label, url, args.send, workers, per_second, tmp))
            sending = [sending_lines(run) for run in runs]
            all_ok = all(line.endswith("yes") for lines in sending for line in lines if line.startswith("no loss"))
        finally:
            if server is not None:
                server.stop()

    print(f"\nReminders, {today.isoformat()}: planning for {args.people} people, sending {args.send} reminders")
    print(f"machine: {machine_line(m)}; load average at start {', '.join(f'{x:.2f}' for x in m['load_average'])}")
    for lines in planning:
        print()
        print("\n".join(lines))
    print(f"\n== Sending through the local Bot API with Telegram's limits (Limits(): "
          f"{Limits().global_per_second:g}/s per bot, burst {Limits().global_burst}; "
          f"{Limits().per_chat_per_second:g}/s per chat, burst {Limits().per_chat_burst})")
    for lines in sending:
        print("\n".join(lines))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
