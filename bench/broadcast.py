"""Broadcast to 10 000: a coordinator's course offer sent through the local Bot API at Telegram's 30 messages/s.

Run from the repository root (about 6 minutes per worker setting with the defaults):

    .venv/bin/python bench/broadcast.py [--recipients 10000] [--workers 1 [2 ...]] [--json OUT]

What is measured, for each `--workers K` (default: 1), on a fresh database and a fresh local Bot API server:

1. Setup (timed, not part of the figures below). A migrated, empty store on a throw-away PostgreSQL server
   (`tests.auxil.postgres.PostgresServer`, fsync off as in the tests; an SQLite file with a note when the machine
   has no PostgreSQL binaries). One course occasion imported through the real catalog import
   (`bot.courses.catalog.import_emil3_file`), an organisation, its coordinator (Membership role coordinator,
   English) and `--recipients` employees inserted in bulk (consented, languages round-robin over the ten of
   config.yml). Every recipient's private chat exists in the local Bot API (the client side's `known_users`:
   people who started the bot earlier), as does the coordinator's, where the bot's "Send it to N people?"
   message stands.
2. The broadcast, as the broadcast dialogue's "Send" button makes it (`dialogues/broadcast.py: on_send`):
   `bot.store.broadcasts.create(...)` with the audience "everyone in the organisation" (one outbox row per
   recipient, due now), the coordinator's message recorded as its progress message, the audit record, one
   commit (timed: "create"); then that message edited into the live progress ("0 / N sent").
3. Delivery: K `kompis worker --until-idle --no-plan` processes (the real reminder worker and its broadcast
   progress reports, `bot/reminders/service.py: drain`) through the local Bot API with Telegram's limits on
   (`Limits()`: 30 sends/s per bot, burst 30; 1/s per private chat, burst 3; edits count as sends), with a
   config whose sending window is open all day, `per_second` 30/K per worker and a 30 s lease.
   Measured: the wall time (processes started → all exited) and the sending span (first → last offer
   delivered, from the server's counters polled every 50 ms), offers/s over each and the ratio to 30/s
   (the goal, >= 0.95, is checked on the span; the wall adds the workers' start-up); all sends (offers and
   progress edits, which share Telegram's bucket) per second over the span; the longest pause between two
   deliveries; the 429 answers the server gave and whether each was honoured: the server
   (`bot/localapi/limits.py`) remembers every 429 until its retry_after has passed and counts the sends that
   come earlier into its scope (the bot as a whole for the global bucket, the chat for a chat's bucket)
   -> "429 not honoured" (`retry_after_ignored`) and "sends too early" (`sent_too_early`).
4. Exactly once: from the server's event stream, how many course offers each chat received: duplicates
   (a recipient with more than one), losses (a recipient with none), offers to anyone else; every outbox
   row's final state (all `sent` expected); the exit codes of the workers.
5. The broadcast's own account: `broadcasts.tally` (sent, blocked, opted out, failed, cancelled, waiting),
   the Broadcast's state (`done` expected), the number of progress edits, and the last text of the
   coordinator's progress message (the final report).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `import bot` and `import tests` work when run as a script

import argparse
import datetime
import json
import os
import subprocess
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field

import httpx
import yaml
from sqlalchemy import insert
from sqlalchemy import text as sql
from sqlmodel import select

from bench.nlu_latency import machine, machine_line
from bot.config import load_config
from bot.courses import catalog
from bot.i18n import I18n
from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from bot.reminders import progress
from bot.store import audit, broadcasts, migrate, organisations
from bot.store.db import Store
from bot.store.models import Broadcast, CourseEvent, Membership, Nudge, Person, Role, utcnow
from tests.auxil.catalog import event as catalog_event
from tests.auxil.catalog import write as write_catalog
from tests.auxil.postgres import PostgresServer, find_binaries

TELEGRAM_PER_SECOND = 30.0
GOAL = 0.95
TOKEN = "4343:bench-broadcast-token"
FIRST_USER = 900_000  # recipients' Telegram ids (= chat ids) from here
COORDINATOR = 899_999
COURSE_ID, COURSE_TITLE = "bench.broadcast.1", "Energieffektivisering i industrin"
LEASE_SECONDS = 30
POLL_SECONDS = 0.05
KNOWN_USERS_CHUNK = 2000


# --- the setting ----------------------------------------------------------------------------------------------

@dataclass
class Seeded:
    organisation_id: int
    coordinator_id: int
    event_id: int
    recipients: int
    seconds: float


def seed(store: Store, client: SyncLocalApiClient, n: int, tmp: Path) -> Seeded:
    """The course (through the catalog import), the organisation, its coordinator and `n` employees whose chats
    with the bot exist."""
    started = time.perf_counter()
    languages = load_config(env={}).languages
    catalog.import_emil3_file(store, write_catalog(tmp / "course.json", [catalog_event(COURSE_ID, COURSE_TITLE)]))
    client.known_users([{"id": COORDINATOR, "first_name": "Cora", "is_bot": False}])
    for start in range(0, n, KNOWN_USERS_CHUNK):
        client.known_users([{"id": FIRST_USER + i, "first_name": f"P{i}", "is_bot": False}
                            for i in range(start, min(n, start + KNOWN_USERS_CHUNK))])
    now = utcnow()
    with store.session() as session:
        organisation = organisations.create_organisation(session, name="Bruket AB")
        coordinator = Person(telegram_user_id=COORDINATOR, chat_id=COORDINATOR, language="en", consent_at=now)
        session.add(coordinator)
        session.flush()
        organisations.add_membership(session, person_id=coordinator.id, organisation_id=organisation.id, team_id=None,
                                     role=Role.coordinator)
        session.execute(insert(Person), [
            {"telegram_user_id": FIRST_USER + i, "chat_id": FIRST_USER + i, "language": languages[i % len(languages)],
             "consent_at": now, "created_at": now, "job_role": "operator"} for i in range(n)])
        ids = session.exec(select(Person.id).where(Person.telegram_user_id >= FIRST_USER)).all()
        session.execute(insert(Membership), [
            {"person_id": pid, "organisation_id": organisation.id, "team_id": None, "role": Role.employee.value,
             "created_at": now} for pid in ids])
        event_id = session.exec(select(CourseEvent.id).where(CourseEvent.identifier == COURSE_ID)).one()
        seeded = Seeded(organisation.id, coordinator.id, event_id, len(ids), 0.0)
    if store.is_postgresql:
        with store.engine.connect() as connection:  # as autovacuum would, after a bulk load
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(sql("ANALYZE"))
    seeded.seconds = time.perf_counter() - started
    return seeded


def bot_api(api: ThreadedLocalBotApi, method: str, **params) -> dict:
    """One Bot API call as the bot makes it (the dialogue's own replies go through PTB; the same JSON)."""
    answer = httpx.post(f"{api.base_url}{TOKEN}/{method}", json=params, timeout=30).json()
    if not answer.get("ok"):
        raise RuntimeError(f"{method}: {answer}")
    return answer["result"]


def create_broadcast(store: Store, api: ThreadedLocalBotApi, seeded: Seeded) -> tuple[int, int, float]:
    """The broadcast as the dialogue's "Send" makes it; returns (broadcast id, total, seconds of create + commit)."""
    i18n = I18n(load_config(env={}).languages, "sv")
    t = i18n.translator("en")
    confirm = bot_api(api, "sendMessage", chat_id=COORDINATOR, text=f"Send it to {seeded.recipients} people?")
    started = time.perf_counter()
    with store.session() as session:
        coordinator = session.get(Person, seeded.coordinator_id)
        broadcast = broadcasts.create(session, coordinator=coordinator, chat_id=COORDINATOR,
                                      audience=broadcasts.Audience(organisations=(seeded.organisation_id,)),
                                      event_id=seeded.event_id, own_text=None)
        broadcast.progress_message_id = confirm["message_id"]
        session.add(broadcast)
        audit.record(session, action="broadcast.confirmed", actor_person_id=coordinator.id, broadcast_id=broadcast.id,
                     recipients=broadcast.total)
        session.flush()
        broadcast_id, total = broadcast.id, broadcast.total
    seconds = time.perf_counter() - started
    with store.session() as session:
        broadcast = session.get(Broadcast, broadcast_id)
        tally = broadcasts.tally(session, broadcast=broadcast)
        text, markup = progress.progress_text(t, broadcast, tally), progress.buttons(t, broadcast, tally)
    bot_api(api, "editMessageText", chat_id=COORDINATOR, message_id=confirm["message_id"], text=text,
            reply_markup=markup.to_dict())
    return broadcast_id, total, seconds


def worker_config(tmp: Path, per_second: float) -> Path:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["reminders"].update(window={"days": "mon-sun", "start": "00:00", "end": "23:59", "skip_holidays": False},
                               per_second=per_second, lease_seconds=LEASE_SECONDS)
    path = tmp / f"config-{per_second:g}.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class Timeline(threading.Thread):
    """Polls the server's counters every 50 ms: (seconds since start, offers delivered, edits, 429s)."""

    def __init__(self, root_url: str, total: int):
        super().__init__(daemon=True)
        self.client = SyncLocalApiClient(root_url, TOKEN)
        self.total = total
        self.samples: list[tuple[float, int, int, int]] = []
        self.stopping = threading.Event()
        self.started = time.perf_counter()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                stats = self.client.stats()
                self.samples.append((time.perf_counter() - self.started, stats.get("messages_sent", 0),
                                     stats.get("edits", 0), stats.get("rate_limited", 0)))
                self.stopping.wait(POLL_SECONDS)
        finally:
            self.client.close()

    def first_and_last(self) -> tuple[float | None, float | None]:
        first = next((t for t, sent, _, _ in self.samples if sent > 0), None)
        last = next((t for t, sent, _, _ in self.samples if sent >= self.total), None)
        return first, last

    def longest_pause(self) -> float:
        """The longest time between two samples in which no offer was delivered, while sending."""
        longest, since, before = 0.0, None, 0
        for t, sent, _, _ in self.samples:
            if 0 < sent < self.total and sent == before:
                since = since if since is not None else t
                longest = max(longest, t - since)
            else:
                since = None
            before = sent
        return longest


# --- one run --------------------------------------------------------------------------------------------------

@dataclass
class Run:
    engine: str
    workers: int
    per_second: float
    recipients: int
    limits: dict
    setup_seconds: float = 0.0
    create_seconds: float = 0.0
    wall_seconds: float = 0.0
    span_seconds: float | None = None
    longest_pause_seconds: float = 0.0
    offers_per_second_wall: float = 0.0
    offers_per_second_span: float | None = None
    ratio_wall: float = 0.0
    ratio_span: float | None = None
    sends_per_second_span: float | None = None  # offers and progress edits: both take Telegram's tokens
    server: dict = field(default_factory=dict)  # the local Bot API's counters
    offers_delivered: int = 0
    duplicates: int = 0  # recipients with more than one offer
    lost: int = 0  # recipients with none
    strangers: int = 0  # offers into chats that are not recipients
    outbox_states: dict = field(default_factory=dict)
    claimed_by: dict = field(default_factory=dict)
    tally: dict = field(default_factory=dict)
    broadcast_state: str = ""
    progress_edits: int = 0
    final_report: str = ""
    exit_codes: list = field(default_factory=list)

    @property
    def rate_limited(self) -> int:
        return self.server.get("rate_limited", 0)

    @property
    def not_honoured(self) -> int:
        return self.server.get("retry_after_ignored", 0)

    @property
    def exactly_once(self) -> bool:
        return (self.duplicates == 0 and self.lost == 0 and self.strangers == 0
                and self.outbox_states == {"sent": self.recipients} and self.broadcast_state == "done"
                and not any(self.exit_codes))

    @property
    def passed(self) -> bool:
        return (self.exactly_once and self.not_honoured == 0 and self.ratio_span is not None
                and self.ratio_span >= GOAL)


def offers_by_chat(client: SyncLocalApiClient) -> Counter:
    """How many course offers each chat received, from the server's event stream (every message the bot sent)."""
    counts: Counter = Counter()
    after = 0
    while True:
        page = client.events(after=after)
        if not page["events"]:
            return counts
        for event in page["events"]:
            if event["kind"] == "message" and COURSE_TITLE in (event["message"].get("text") or ""):
                counts[event["chat_id"]] += 1
        after = page["last_seq"]


def run_broadcast(url: str, recipients: int, workers: int, tmp: Path, *, engine: str,
                  limits: Limits | None = None, per_second: float | None = None, faults: tuple[dict, ...] = (),
                  log=print) -> Run:
    """One broadcast to `recipients` people on a fresh database `url`, by `workers` worker processes (at
    `per_second` each, default 30/K), through a local Bot API with `limits` (default Telegram's) and the
    `faults` injected just before the workers start (`SyncLocalApiClient.fault` arguments; the tests use them)."""
    limits = limits if limits is not None else Limits()
    per_second = per_second if per_second is not None else TELEGRAM_PER_SECOND / workers
    run = Run(engine, workers, per_second, recipients, asdict(limits))
    store = Store(url)
    api = ThreadedLocalBotApi(limits).start()
    client = SyncLocalApiClient(api.root_url, TOKEN)
    label = f"{engine}, {workers} worker(s)"
    try:
        migrate.upgrade(store)
        log(f"{label}: seeding {recipients} recipients ...")
        seeded = seed(store, client, recipients, tmp)
        run.setup_seconds = seeded.seconds
        broadcast_id, total, run.create_seconds = create_broadcast(store, api, seeded)
        if total != recipients:
            raise RuntimeError(f"the audience has {total} people, not {recipients}")
        env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET")}
        env.update(DATABASE_URL=store.url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url,
                   KOMPIS_CONFIG=str(worker_config(tmp, per_second)))
        client.reset_stats()
        for fault in faults:
            client.fault(**fault)
        start_seq = client.events(after=0)["last_seq"]
        names = [f"w{i + 1}" for i in range(workers)]
        log(f"{label}: broadcast {broadcast_id} created in {run.create_seconds:.2f} s; sending at "
            f"{workers} x {per_second:g}/s ...")
        timeline = Timeline(api.root_url, recipients)
        with ExitStack() as files:
            logs = [files.enter_context(open(tmp / f"{engine}-{workers}-{name}.log", "w")) for name in names]
            timeline.start()
            started = time.perf_counter()
            processes = [subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--until-idle", "--no-plan",
                                           "--name", name], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
                         for name, out in zip(names, logs)]
            run.exit_codes = [p.wait(timeout=3 * 3600) for p in processes]
            run.wall_seconds = time.perf_counter() - started
        time.sleep(2 * POLL_SECONDS)
        timeline.stopping.set()
        timeline.join(5)
        for name, code in zip(names, run.exit_codes):
            if code:
                log(f"worker {name} exited with {code}:\n"
                    f"{(tmp / f'{engine}-{workers}-{name}.log').read_text()[-3000:]}")
        run.server = client.stats()
        first, last = timeline.first_and_last()
        if first is not None and last is not None and last > first:
            run.span_seconds = last - first
            run.offers_per_second_span = (recipients - 1) / run.span_seconds
            run.ratio_span = run.offers_per_second_span / TELEGRAM_PER_SECOND
            sends = [(t, sent + edits) for t, sent, edits, _ in timeline.samples if first <= t <= last]
            run.sends_per_second_span = (sends[-1][1] - sends[0][1]) / run.span_seconds
        run.longest_pause_seconds = timeline.longest_pause()
        run.offers_per_second_wall = run.server.get("messages_sent", 0) / run.wall_seconds
        run.ratio_wall = run.offers_per_second_wall / TELEGRAM_PER_SECOND

        counts = offers_by_chat(client)
        wanted = {FIRST_USER + i for i in range(recipients)}
        run.offers_delivered = sum(counts.values())
        run.duplicates = sum(1 for chat in wanted if counts.get(chat, 0) > 1)
        run.lost = sum(1 for chat in wanted if counts.get(chat, 0) == 0)
        run.strangers = sum(n for chat, n in counts.items() if chat not in wanted)
        with store.session() as session:
            run.outbox_states = dict(Counter(session.exec(select(Nudge.state).where(Nudge.rule == broadcasts.RULE))))
            run.claimed_by = dict(Counter(session.exec(select(Nudge.claimed_by).where(Nudge.rule == broadcasts.RULE))))
            broadcast = session.get(Broadcast, broadcast_id)
            run.tally = asdict(broadcasts.tally(session, broadcast=broadcast))
            run.broadcast_state = broadcast.state
        coordinator_events = client.events(chat_id=COORDINATOR, after=start_seq)["events"]
        run.progress_edits = sum(1 for e in coordinator_events if e["kind"] == "edit")
        shown = client.messages(COORDINATOR)
        run.final_report = shown[-1].get("text", "") if shown else ""
        return run
    finally:
        client.close()
        api.stop()
        store.dispose()


# --- report ---------------------------------------------------------------------------------------------------

def _f(value, digits: int = 2, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{unit}"


def table(runs: list[Run]) -> list[str]:
    rows = [
        ("setup: seed recipients, chats, course", lambda r: _f(r.setup_seconds, 1, " s")),
        ("broadcasts.create + commit", lambda r: _f(r.create_seconds, 2, " s")),
        ("wall: workers started -> all exited", lambda r: _f(r.wall_seconds, 1, " s")),
        ("sending span: first -> last offer delivered", lambda r: _f(r.span_seconds, 1, " s")),
        ("offers/s over the span (ratio to 30/s)", lambda r: f"{_f(r.offers_per_second_span, 1)} "
                                                              f"({_f(r.ratio_span, 3)})"),
        ("offers/s over the wall (ratio to 30/s)", lambda r: f"{r.offers_per_second_wall:.1f} ({r.ratio_wall:.3f})"),
        ("all sends/s over the span (offers + edits)", lambda r: _f(r.sends_per_second_span, 1)),
        ("longest pause in delivery", lambda r: _f(r.longest_pause_seconds, 2, " s")),
        ("sendMessage requests / offers delivered", lambda r: f"{r.server.get('requests', {}).get('sendMessage', 0)}"
                                                               f" / {r.offers_delivered}"),
        ("progress edits (coordinator's message)", lambda r: str(r.progress_edits)),
        ("429 answers / not honoured / sends too early", lambda r: f"{r.rate_limited} / {r.not_honoured} / "
                                                                    f"{r.server.get('sent_too_early', 0)}"),
        ("other errors from the server", lambda r: str(r.server.get("errors", 0) - r.rate_limited)),
        ("duplicates / lost / offers to others", lambda r: f"{r.duplicates} / {r.lost} / {r.strangers}"),
        ("outbox rows by state", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.outbox_states.items()))),
        ("rows per worker", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.claimed_by.items(), key=str))),
        ("tally: sent/blocked/opted out/failed/cancelled/waiting",
         lambda r: "/".join(str(r.tally.get(k, "?")) for k in ("sent", "blocked", "opted_out", "failed", "cancelled",
                                                               "waiting"))),
        ("broadcast state / worker exit codes", lambda r: f"{r.broadcast_state} / {r.exit_codes}"),
        (f"goal: ratio >= {GOAL}, all 429s honoured, exactly once", lambda r: "PASS" if r.passed else "FAIL"),
    ]
    heads = [f"{r.engine}, {r.workers} x {r.per_second:g}/s" for r in runs]
    width = max(len(name) for name, _ in rows)
    cells = [[fn(r) for r in runs] for _, fn in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    out = [f"{'':<{width}}  " + "  ".join(f"{h:>{w}}" for h, w in zip(heads, widths)),
           "-" * (width + 2 + sum(w + 2 for w in widths))]
    for (name, _), row in zip(rows, cells):
        out.append(f"{name:<{width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(row, widths)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000, help="people the offer goes to (10000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="worker processes, each at 30/K per second; several values: one run each (1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--sqlite", action="store_true", help="use an SQLite file even when PostgreSQL is there")
    args = parser.parse_args(argv)
    m = machine()
    today = datetime.date.today()
    note = ""
    binaries = None if args.sqlite else find_binaries()
    if binaries is None:
        note = ("SQLite: " + ("asked for with --sqlite" if args.sqlite else
                              "no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine") +
                "; SQLite's writers take turns, so several workers do not add up as on PostgreSQL")
        print(f"note: {note}", flush=True)
    runs: list[Run] = []
    version = None
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = PostgresServer.start() if binaries is not None else None
        try:
            for workers in args.workers:
                if server is not None:
                    url = server.create_database(f"broadcast_{workers}_{len(runs)}")
                    if version is None:
                        probe = Store(url)
                        with probe.engine.connect() as connection:
                            version = connection.execute(sql("SHOW server_version")).scalar()
                        probe.dispose()
                else:
                    url = f"sqlite:///{tmp / f'broadcast-{workers}-{len(runs)}.db'}"
                run_dir = tmp / f"run-{len(runs)}"
                run_dir.mkdir()
                runs.append(run_broadcast(url, args.recipients, workers, run_dir,
                                          engine="PostgreSQL" if server else "SQLite",
                                          log=lambda line: print(line, flush=True)))
        finally:
            if server is not None:
                server.stop()

    limits = Limits()
    print(f"\nBroadcast to {args.recipients} recipients, {today.isoformat()}")
    print(f"machine: {machine_line(m)}; load average at start {', '.join(f'{x:.2f}' for x in m['load_average'])}, "
          f"at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"store: {'PostgreSQL ' + str(version) + ' (fsync off, as in the tests)' if version else note}")
    print(f"local Bot API: Limits() = {limits.global_per_second:g}/s per bot, burst {limits.global_burst}; "
          f"{limits.per_chat_per_second:g}/s per chat, burst {limits.per_chat_burst}; edits count as sends")
    print(f"workers: `kompis worker --until-idle --no-plan`, per_second 30/K each, lease {LEASE_SECONDS} s, "
          f"window open all day\n")
    print("\n".join(table(runs)))
    for run in runs:
        print(f"\nfinal report shown to the coordinator ({run.workers} worker(s)):\n  "
              + run.final_report.replace("\n", "\n  "))
    passed = all(r.passed for r in runs)
    print(f"\nverdict: {'PASS' if passed else 'FAIL'} (goal: offers/s over the span >= {GOAL} x 30/s, every 429 "
          f"honoured, no duplicate, no loss, every outbox row sent)")
    if args.json:
        args.json.write_text(json.dumps({
            "date": today.isoformat(), "machine": m, "recipients": args.recipients, "store": version or note,
            "goal_ratio": GOAL, "passed": passed,
            "runs": [{**asdict(r), "passed": r.passed, "exactly_once": r.exactly_once} for r in runs],
        }, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
