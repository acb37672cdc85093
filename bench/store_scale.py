"""The store at scale: 100 000 people, 20 000 course occasions and 1 000 000 outbox rows, on SQLite and PostgreSQL.

Run from the repository root (about a quarter of an hour with the defaults; the data take a few GB of /tmp):

    .venv/bin/python bench/store_scale.py [--people 100000] [--occasions 20000] [--outbox 1000000]
                                          [--queries 300] [--engines sqlite,postgresql] [--json OUT]

For each engine (an SQLite file in a temporary directory; a throw-away PostgreSQL server from the machine's binaries
through `tests.auxil.postgres.PostgresServer`, skipped with a note when there are none) a migrated, empty store is
filled in bulk (raw `executemany` on SQLite, `COPY` on PostgreSQL, each value through SQLAlchemy's own bind processor
of its column, explicit ids; PostgreSQL's sequences moved on and the database ANALYZEd afterwards, as autovacuum would;
SQLite left as the bot leaves it, nothing runs ANALYZE), seeded, so both engines hold the same data:

- `--people` persons (languages, job roles, municipalities, quiet hours and shifts for some, last seen over the last
  120 days, 2 % who stopped reminders, 1 % unreachable). One organisation, "Storbruket AB", has 2 000 employees
  (`--people` / 5 when smaller) in 10 teams with a manager each and one manager of the whole organisation (whose
  team summary is measured); 20 coordinators; 5 % belong nowhere; everyone else is an employee of organisations of
  3 to 800 people (log-normal sizes), each with a manager, teams of about 40 with a team manager for half of them.
  A tenth of the organisations ask for sign-up approval; 30 % (and Storbruket) have a company analysis.
- Self-assessments: 45 % of the people (60 % at Storbruket) have a completed one with its area results (all ten areas,
  or three for a fifth of them; 3 % of areas without a level), 30 % of those also an earlier one (30 to 200 days
  before); 10 % have an unfinished one, last answered within 10 days. (No per-statement answers: nothing measured
  reads them.)
- `--occasions` course occasions from `bench/course_search.py`'s generator, imported with `bot.store.courses.apply`
  and the real tagging, as there.
- Sign-ups for 15 % of the people (20 % at Storbruket) in every state, with their steps; approvals pending or given
  where the organisation asks for them. 5 % of the chats in the middle of a dialogue; 20 000 handled update ids.
- The outbox, exactly `--outbox` rows when measured: what `plan_due` plans for all these tasks (run once while
  seeding), less the rows of every tenth person (tasks that appeared since the last planning round), plus history
  to make up the number: sent (62 %, a third of them answered), skipped, cancelled and failed rows of every rule over
  the last year, a quarter of them from 5 000-recipient course offers (finished broadcasts).

Then, in this order, each against a baseline measured in the same store just before:

1. Baseline: `SELECT count(*)` of person and of nudge (a full pass over the outbox), median of 3;
   `session.get(Nudge, id)` of random rows (identity map emptied), p50 of 50.
2. Planning: `plan_due(session, now=..., config=<config.yml>.reminders, tz=...)` as the bot's reminder service calls
   it, with the tenth of the tasks unplanned: time, rows planned, statements sent, then ROLLED BACK (so that the bot
   process below plans them itself). Also every rule's task source alone (`planner.SOURCES`): tasks and seconds.
   After the bot process has run: `plan_due` again with everything planned (the steady state every five minutes).
   On SQLite a planning round holds the write lock for its whole length; the bot's turns wait for it up to the busy
   timeout (`bot.store.db.SQLITE_BUSY_TIMEOUT_MS`, 10 s), so the round is checked against that.
3. The claim of due rows: `outbox.claim(limit=100)` (the service's batch) in a session, rolled back, 5 times.
4. The team summary of Storbruket: `bot.teams.summary(session, scopes=scopes_managed(manager), min_group=...,
   now=...)` as `dialogues/team.py` calls it, in a session of its own each, 20 times: p50/p95; its figures checked
   against the seeded ones. Baseline: reading the organisation's members alone (`teams.members`), 20 times.
5. Course search: `bench/course_search.py`'s seeded mix of `--queries` searches and its baseline
   (`session.get(CourseEvent, id)`), with the people and the outbox present: p50/p95 against its 25 ms budget. The
   same searches are also run on the catalog alone, right after its import (PostgreSQL ANALYZEd), before anything
   else is seeded: what the rest of the store costs the search.
6. The bot process: `python -m bot.cli run --no-nlu` (what `kompis run` does: config and competence files checked,
   migrations checked, catalogs, the Application, getMe and the command menus in ten languages, the reminder service
   started, polling) against the local Bot API (`ThreadedLocalBotApi`, no rate limits, every person's chat known to
   it), with a copy of config.yml whose reminder window is open at any hour and the NLU off. A /start from the manager
   is queued before the process starts; measured from starting the process to its first getUpdates (polls) and to the
   reply being on the manager's screen (answers), and the process's VmRSS/VmHWM from /proc/<pid>/status after that;
   after its first planning round (its log line "planned N reminders"); after some work (50 people with a completed
   assessment send /start and /results, 4 at a time: 50 menus and 50 result charts; the manager sends /team: the
   summary and its chart, timed to the text on screen); and at the end, after its reminder rounds sent what was due
   (at most 90 s). Baseline: the same process against an empty migrated store of the same engine, time to answering
   a first /start (a new user) and its VmRSS. Beside each, the same of its drawing process (bot/drawing.py, which
   draws the charts). The goal (from the issue) is checked on the peaks, VmHWM, of both together: under 250 MB.

Printed: the machine, the parameters, the data, a table per engine and the checks (goal and sanity) with pass/fail;
the exit code is non-zero when a check fails. `--json OUT` writes all figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `import bot`, `import bench` and `import tests` work when run as a script

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import yaml
from sqlalchemy import delete, func
from sqlalchemy import text as sql
from sqlmodel import Session, select

from bench import course_search
from bench.nlu_latency import descendants, machine, machine_line, percentile
from bench.reminders import Statements
from bot import teams
from bot.competence import framework
from bot.competence.targets import goal_map
from bot.config import load_config
from bot.geo import geo
from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from bot.reminders import planner
from bot.store import migrate, outbox
from bot.store.db import SQLITE_BUSY_TIMEOUT_MS, Store
from bot.store.models import (AreaResult, Assessment, Broadcast, ChatState, CompanyProfile, CourseEvent, Membership,
                              Nudge, Organisation, Person, ProcessedUpdate, SignUp, SignUpStep, Team, utcnow)
from tests.auxil.postgres import PostgresServer, find_binaries

SEED = 23
BIG_ORG, BIG_TEAMS, BIG_NAME = 2000, 10, "Storbruket AB"
COORDINATORS = 20
UNAFFILIATED = 0.05
APPROVAL_ORGS, ANALYSED_ORGS = 0.10, 0.30
COMPLETED, COMPLETED_BIG, EARLIER, UNFINISHED = 0.45, 0.60, 0.30, 0.10
SIGNUPS, SIGNUPS_BIG = 0.15, 0.20
NEW_EVERY = 10  # the planned rows of every tenth person are removed: tasks new since the last planning round
CHATS_IN_DIALOGUE, HANDLED_UPDATES = 0.05, 20_000
BROADCAST_SHARE, BROADCAST_SIZE = 0.25, 5000
LANGUAGES = {"sv": 70, "en": 6, "ar": 6, "fi": 4, "pl": 4, "fa": 3, "so": 2, "bs": 2, "ti": 1, "uk": 2}
SIGNUP_STATES = {"interested": 35, "applied": 20, "admitted": 10, "started": 10, "completed": 20, "cancelled": 5}
PATH = ("interested", "applied", "admitted", "started", "completed")
HISTORY_RULES = {"assessment_unfinished": 35, "apply_closing": 18, "course_starting": 8, "approval_waiting": 2,
                 "course_followup": 6, "inactive_matches": 6}
HISTORY_STATES = {"sent": 62, "skipped": 18, "cancelled": 15, "failed": 5}
REASONS = {"skipped": ("the task is no longer open", "the task is no longer open", "control group"),
           "cancelled": ("reminders are off", "the person blocked the bot", "stopped all reminders"),
           "failed": ("Bad Request: chat not found", "the person blocked the bot")}
ANSWERS = ("now", "later", "not_interested", "stop")
BASELINE_REPEATS, GET_SAMPLES, CLAIM_RUNS, SUMMARY_RUNS = 3, 50, 5, 20
CLAIM_BATCH = 100  # bot.reminders.service.BATCH
WORK_USERS, WORK_PHONES = 50, 4
RSS_GOAL_MB = 250.0
TOKEN = "5151:bench-store-scale-token"
FIRST_ANSWER_TIMEOUT, STEP_TIMEOUT, DRAIN_TIMEOUT = 300.0, 120.0, 90.0
USER_BASE = 20_000_000  # telegram_user_id = chat_id = USER_BASE + person id
UPDATE_BASE = 2_000_000_000  # handled update ids seeded far above the local Bot API's own counter


# --- memory of a process ---------------------------------------------------------------------------------------

def proc_mb(pid: int | str, key: str) -> float:
    """A field of /proc/<pid>/status (VmRSS, VmHWM) in MiB; NaN when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == key:
                return int(value.split()[0]) / 1024
    except OSError:
        pass
    return float("nan")


def memory(pid: int | str) -> dict:
    """The bot process's memory, and its drawing process's (the processes below it) beside it."""
    drawing = descendants(int(pid))[1:]
    return {"rss_mb": round(proc_mb(pid, "VmRSS"), 1), "hwm_mb": round(proc_mb(pid, "VmHWM"), 1),
            "drawing_rss_mb": round(sum(proc_mb(c, "VmRSS") for c in drawing), 1),
            "drawing_hwm_mb": round(sum(proc_mb(c, "VmHWM") for c in drawing), 1)}


# --- bulk loading ----------------------------------------------------------------------------------------------

def bulk(session: Session, model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Insert rows (tuples in `columns` order) fast: COPY on PostgreSQL, the driver's executemany on SQLite. Each
    value goes through the bind processor SQLAlchemy would use for its column, so the rows read back as if the
    ORM had written them (SQLite's date and time strings, UTC datetimes)."""
    table = model.__table__
    connection = session.connection()
    dialect = connection.dialect
    processors = [(i, p) for i, name in enumerate(columns)
                  if (p := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None]

    def processed() -> Iterator[tuple]:
        for row in rows:
            if processors:
                row = list(row)
                for i, process in processors:
                    row[i] = process(row[i])
            yield tuple(row)

    raw = connection.connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    count = 0
    if dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in processed():
                copy.write_row(row)
                count += 1
        return count
    cursor = raw.cursor()
    try:
        batch: list[tuple] = []
        statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        for row in processed():
            batch.append(row)
            if len(batch) == 20_000:
                cursor.executemany(statement, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


SERIAL_TABLES = ("organisation", "team", "person", "membership", "company_profile", "assessment", "sign_up",
                 "sign_up_step", "broadcast", "nudge")


def after_bulk(store: Store) -> None:
    """PostgreSQL: sequences past the explicit ids, then ANALYZE (autovacuum would do it within a minute)."""
    if not store.is_postgresql:
        return
    with store.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in SERIAL_TABLES:
            connection.execute(sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"coalesce((SELECT max(id) FROM {table}), 1), (SELECT count(*) > 0 FROM {table}))"))
        connection.execute(sql("ANALYZE"))


# --- the data --------------------------------------------------------------------------------------------------

@dataclass
class Seeded:
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    big: dict = field(default_factory=dict)  # Storbruket: ids and the figures its summary must show
    workers: list[dict] = field(default_factory=list)  # Telegram users of people who will use the bot
    users: list[dict] = field(default_factory=list)  # every person as a Telegram user (their chats exist)
    search_catalog_only: dict = field(default_factory=dict)


def _when(rng: random.Random, now: datetime, low_days: float, high_days: float) -> datetime:
    return now - timedelta(seconds=rng.uniform(low_days * 86400, high_days * 86400))


def seed(store: Store, *, people: int, occasions: int, outbox_rows: int, now: datetime, config,
         queries: list | None = None) -> Seeded:
    """The data of the module docstring; with `queries`, the course search is also measured on the catalog alone
    (right after its import, PostgreSQL ANALYZEd), the same-run baseline of the search with everything else."""
    rng = random.Random(SEED)
    tz = config.tz
    today = now.astimezone(tz).date()
    done = Seeded()
    mapping = goal_map()
    current = framework.current()
    roles = list(mapping.roles)
    municipalities = sorted(geo().municipality_names)
    languages, language_weights = list(LANGUAGES), list(LANGUAGES.values())

    started = time.perf_counter()
    records = course_search.catalog(occasions, today)
    _seconds, _tagging, summary = course_search.import_catalog(store, records)
    done.seconds["courses"] = round(time.perf_counter() - started, 1)
    done.counts["occasions"] = summary.added
    with store.session() as session:
        event_ids = list(session.exec(select(CourseEvent.id).order_by(CourseEvent.id)))
    del records
    if queries:
        after_bulk(store)
        done.search_catalog_only = searching(store, queries, today)

    started = time.perf_counter()
    # Who is where. Person 1 manages Storbruket, then its team managers, its employees, the coordinators.
    big = min(BIG_ORG, max(10, people // 5))
    big_teams = BIG_TEAMS if big >= 20 * BIG_TEAMS else 2
    pid = iter(range(1, people + 1))
    organisations: list[tuple] = [(1, BIG_NAME, False, "[]", now - timedelta(days=400))]
    team_rows: list[tuple] = []
    memberships: list[tuple] = []
    employer: dict[int, int] = {}  # person → organisation where they are an employee
    approval_orgs: set[int] = set()
    manager = next(pid)
    memberships.append((manager, 1, None, "manager"))
    for t in range(big_teams):
        team_rows.append((t + 1, 1, f"Team {t + 1}", now - timedelta(days=300)))
        memberships.append((next(pid), 1, t + 1, "manager"))
    big_people = [next(pid) for _ in range(big)]
    for i, person in enumerate(big_people):
        memberships.append((person, 1, i % big_teams + 1, "employee"))
        employer[person] = 1
    coordinators = [next(pid) for _ in range(min(COORDINATORS, max(1, people // 5000)))]
    rest = list(pid)
    unaffiliated = int(len(rest) * UNAFFILIATED)
    pool = rest[unaffiliated:]
    org_id, team_id, position = 1, len(team_rows), 0
    while len(pool) - position >= 4:
        size = min(len(pool) - position - 1, max(3, min(800, int(rng.lognormvariate(3.6, 0.9)))))
        org_id += 1
        if rng.random() < APPROVAL_ORGS:
            approval_orgs.add(org_id)
        organisations.append((org_id, f"Bruk {org_id} AB", org_id in approval_orgs, "[]",
                              _when(rng, now, 30, 700)))
        memberships.append((pool[position], org_id, None, "manager"))
        position += 1
        own_teams = []
        for t in range(size // 40):
            team_id += 1
            own_teams.append(team_id)
            team_rows.append((team_id, org_id, f"Lag {t + 1}", _when(rng, now, 10, 600)))
        staff = pool[position:position + size]
        position += size
        for i, person in enumerate(staff):
            memberships.append((person, org_id, own_teams[i % len(own_teams)] if own_teams else None, "employee"))
            employer[person] = org_id
        for team in own_teams:
            if rng.random() < 0.5:  # a team manager from the staff, who stays an employee too
                memberships.append((rng.choice(staff), org_id, team, "manager"))
    all_orgs = [o[0] for o in organisations]
    for i, coordinator in enumerate(coordinators):
        for org in all_orgs[i::len(coordinators)]:
            memberships.append((coordinator, org, None, "coordinator"))
    memberships = list({(p, o, t, r): None for p, o, t, r in memberships})  # a staff member picked twice

    person_rows = []
    ordinary = {}  # person → (language, job_role) of everyone, for the bot's users
    for person in range(1, people + 1):
        lang = rng.choices(languages, weights=language_weights)[0]
        role = rng.choice(roles + ["other"]) if rng.random() < 0.9 else None
        created = _when(rng, now, 5, 400)
        quiet = (datetime.strptime("21:00", "%H:%M").time(), datetime.strptime("07:00", "%H:%M").time()) \
            if rng.random() < 0.05 else (None, None)
        person_rows.append((
            person, USER_BASE + person, USER_BASE + person, lang, created,
            _when(rng, now, 0, 30) if rng.random() < 0.01 else None,  # unreachable_since
            _when(rng, now, 0, 90) if rng.random() < 0.02 else None,  # reminders_stopped_at
            role, rng.choice(municipalities) if rng.random() < 0.6 else None, quiet[0], quiet[1],
            rng.choice(("nights", "shifts")) if rng.random() < 0.1 else None,
            _when(rng, now, 0, min(120, (now - created).days + 1)) if rng.random() < 0.95 else None,
            rng.choice(("woman", "man", "other", "unsaid")) if rng.random() < 0.7 else None, created))
        ordinary[person] = (lang, role, person_rows[-1][5] is None and person_rows[-1][6] is None)
    done.users = [{"id": USER_BASE + p, "first_name": f"P{p}", "is_bot": False, "language_code": ordinary[p][0]}
                  for p in range(1, people + 1)]

    profiles = []
    for org in all_orgs:
        if org == 1 or rng.random() < ANALYSED_ORGS:
            goals = rng.sample(list(mapping.goals), 3)
            profiles.append((len(profiles) + 1, org, 1, json.dumps(goals), json.dumps(roles),
                             json.dumps({role: mapping.targets(role, goals) for role in roles}), mapping.version,
                             current.version, _when(rng, now, 10, 300)))

    # Self-assessments and their area results.
    assessments, results = [], []
    big_set = set(big_people)
    assessed_big: set[int] = set()
    statements = {area: len(current.area(area).statements) for area in current.area_keys}
    aid = 0
    completed_people = []
    for person in range(1, people + 1):
        role = ordinary[person][1]
        share = COMPLETED_BIG if person in big_set else COMPLETED
        if rng.random() < share:
            completed_people.append(person)
            finished = _when(rng, now, 0, 180)
            runs = [finished] + ([finished - timedelta(days=rng.uniform(30, 200))] if rng.random() < EARLIER else [])
            for at in runs:
                aid += 1
                areas = list(current.area_keys) if rng.random() < 0.8 else \
                    [a for a in current.area_keys if a in set(rng.sample(current.area_keys, 3))]
                assessments.append((aid, person, current.version, json.dumps(areas), len(areas) * 3, role,
                                    at - timedelta(minutes=rng.uniform(5, 30)), at, at))
                for area in areas:
                    level = round(rng.uniform(1.0, 4.0), 2) if rng.random() > 0.03 else None
                    results.append((aid, area, level, statements[area] if level is not None else 0))
                    if level is not None and person in big_set:
                        assessed_big.add(person)
        if rng.random() < UNFINISHED:
            aid += 1
            updated = _when(rng, now, 0, 10)
            assessments.append((aid, person, current.version, json.dumps(list(current.area_keys)),
                                rng.randrange(1, 30), role, updated - timedelta(minutes=rng.uniform(3, 20)),
                                updated, None))

    # Sign-ups and their steps.
    signups, steps = [], []
    states, state_weights = list(SIGNUP_STATES), list(SIGNUP_STATES.values())
    big_states: list[str] = []
    sid = 0
    for person in range(1, people + 1):
        if rng.random() >= (SIGNUPS_BIG if person in big_set else SIGNUPS):
            continue
        sid += 1
        state = rng.choices(states, weights=state_weights)[0]
        approval = None
        if employer.get(person) in approval_orgs:
            approval = "pending" if state == "interested" and rng.random() < 0.15 else "approved"
        created = _when(rng, now, 0, 200)
        path = ["interested", "cancelled"] if state == "cancelled" else list(PATH[:PATH.index(state) + 1])
        at = created
        for step in path:
            steps.append((len(steps) + 1, sid, step, at, person))
            at = min(now, at + timedelta(days=rng.uniform(1, 20)))
        signups.append((sid, person, rng.choice(event_ids), state, approval, created, at))
        if person in big_set:
            big_states.append(state)

    chat_rows = [(USER_BASE + p, "menu", "", "{}", 1, _when(rng, now, 0, 2))
                 for p in range(1, people + 1) if rng.random() < CHATS_IN_DIALOGUE]
    handled = [(UPDATE_BASE + i, _when(rng, now, 0, 1.9)) for i in range(HANDLED_UPDATES)]

    with store.session() as session:
        n = bulk(session, Organisation, ("id", "name", "signup_approval", "poster_languages", "created_at"),
                 organisations)
        done.counts["organisations"] = n
        done.counts["teams"] = bulk(session, Team, ("id", "organisation_id", "name", "created_at"), team_rows)
        done.counts["people"] = bulk(session, Person, (
            "id", "telegram_user_id", "chat_id", "language", "consent_at", "unreachable_since", "reminders_stopped_at",
            "job_role", "municipality_code", "quiet_start", "quiet_end", "shift", "last_seen_at", "gender",
            "created_at"), person_rows)
        done.counts["memberships"] = bulk(session, Membership, (
            "id", "person_id", "organisation_id", "team_id", "role", "created_at"),
            ((i + 1, p, o, t, r, now - timedelta(days=30)) for i, (p, o, t, r) in enumerate(memberships)))
        done.counts["company analyses"] = bulk(session, CompanyProfile, (
            "id", "organisation_id", "version", "goals", "roles", "targets", "mapping_version", "framework_version",
            "completed_at"), profiles)
        done.counts["assessments"] = bulk(session, Assessment, (
            "id", "person_id", "framework_version", "areas", "position", "job_role", "started_at", "updated_at",
            "completed_at"), assessments)
        done.counts["area results"] = bulk(session, AreaResult, ("assessment_id", "area", "level", "answered"),
                                           results)
        done.counts["sign-ups"] = bulk(session, SignUp, (
            "id", "person_id", "event_id", "state", "approval", "created_at", "updated_at"), signups)
        done.counts["sign-up steps"] = bulk(session, SignUpStep, ("id", "sign_up_id", "state", "at", "by_person_id"),
                                            steps)
        done.counts["chats in a dialogue"] = bulk(session, ChatState, (
            "chat_id", "dialogue", "step", "data", "version", "updated_at"), chat_rows)
        done.counts["handled update ids"] = bulk(session, ProcessedUpdate, ("update_id", "processed_at"), handled)
    after_bulk(store)
    done.seconds["people"] = round(time.perf_counter() - started, 1)
    done.counts["unfinished assessments"] = sum(1 for a in assessments if a[8] is None)
    done.counts["people with a completed assessment"] = len(completed_people)

    # The outbox: what planning makes of these tasks, less every tenth person's rows, plus history.
    started = time.perf_counter()
    with store.session() as session:
        planner.plan_due(session, now=now, config=config.reminders, tz=tz)
    with store.session() as session:
        session.execute(delete(Nudge).where(Nudge.person_id % NEW_EVERY == 0))
    done.seconds["planning while seeding"] = round(time.perf_counter() - started, 1)
    with store.session() as session:
        planned_now = session.exec(select(func.count()).select_from(Nudge)).one()
    history = max(0, outbox_rows - planned_now)
    started = time.perf_counter()
    broadcast_rows = int(history * BROADCAST_SHARE)
    per_broadcast = min(BROADCAST_SIZE, people)
    broadcasts = []
    for b in range((broadcast_rows + per_broadcast - 1) // per_broadcast if per_broadcast else 0):
        created = _when(rng, now, 7, 365)
        total = min(per_broadcast, broadcast_rows - b * per_broadcast)
        broadcasts.append((b + 1, coordinators[b % len(coordinators)], USER_BASE + coordinators[b % len(coordinators)],
                           rng.choice(event_ids), "{}", "done", total, created, created + timedelta(hours=2)))
    with store.session() as session:
        bulk(session, Broadcast, ("id", "coordinator_person_id", "chat_id", "event_id", "audience", "state", "total",
                                  "created_at", "finished_at"), broadcasts)
        first_id = (session.exec(select(func.max(Nudge.id))).one() or 0) + 1
        done.counts["outbox history"] = bulk(session, Nudge, (
            "id", "person_id", "rule", "subject", "step", "variant", "key", "payload", "due_at", "state", "attempts",
            "claimed_by", "sent_at", "message_id", "answer", "answered_at", "reason", "created_at"),
            _history(rng, now, people, history, broadcasts, first_id))
    after_bulk(store)
    done.seconds["outbox"] = round(time.perf_counter() - started, 1)
    done.counts["broadcasts"] = len(broadcasts)
    with store.session() as session:
        done.counts["outbox"] = session.exec(select(func.count()).select_from(Nudge)).one()
        by_state = dict(session.exec(select(Nudge.state, func.count()).group_by(Nudge.state)).all())
        done.counts["outbox due now"] = session.exec(select(func.count()).select_from(Nudge).where(
            Nudge.state == "planned", Nudge.due_at <= now)).one()
    done.counts["outbox by state"] = by_state

    done.big = {"organisation_id": 1, "name": BIG_NAME, "manager_person_id": manager, "members": big,
                "teams": big_teams, "assessed": len(assessed_big),
                "signups_in_progress": sum(1 for s in big_states if s in teams.IN_PROGRESS),
                "courses_completed": sum(1 for s in big_states if s == "completed"),
                "manager_user": {"id": USER_BASE + manager, "first_name": "Chefen", "is_bot": False,
                                 "language_code": "sv"}}
    # People who will write to the bot: a completed assessment (so /results draws a chart), reachable, not managers.
    candidates = [p for p in completed_people if ordinary[p][2] and p != manager]
    done.workers = [{"id": USER_BASE + p, "first_name": f"P{p}", "is_bot": False, "language_code": ordinary[p][0]}
                    for p in random.Random(SEED + 1).sample(candidates, min(WORK_USERS, len(candidates)))]
    return done


def _history(rng: random.Random, now: datetime, people: int, count: int, broadcasts: list[tuple],
             first_id: int) -> Iterator[tuple]:
    """`count` outbox rows of the past year: broadcasts' rows first, then every rule's, in the states they end in."""
    rules, rule_weights = list(HISTORY_RULES), list(HISTORY_RULES.values())
    states, state_weights = list(HISTORY_STATES), list(HISTORY_STATES.values())
    nid, message_id = first_id, 1_000_000
    made = 0
    for b_id, _coordinator, _chat, _event, _aud, _state, total, created, _finished in broadcasts:
        offset = rng.randrange(people)
        for j in range(total):
            person = (offset + j) % people + 1
            subject = f"broadcast:{b_id}:{person}"
            state = rng.choices(states, weights=state_weights)[0]
            yield _nudge_row(rng, nid, person, "broadcast", subject, 1, state, created, message_id,
                             json.dumps({"broadcast": b_id}))
            nid, message_id, made = nid + 1, message_id + 1, made + 1
    prefixes = {"assessment_unfinished": "assessment", "apply_closing": "signup", "course_starting": "start",
                "approval_waiting": "approval", "course_followup": "followup", "inactive_matches": "inactive"}
    serial = 0
    while made < count:
        rule = rng.choices(rules, weights=rule_weights)[0]
        serial += 1
        person = rng.randrange(1, people + 1)
        subject = f"{prefixes[rule]}:h{serial}"
        chain = 2 if rule in ("assessment_unfinished", "apply_closing", "approval_waiting") else 1
        due = _when(rng, now, 1, 365)
        for step in range(1, chain + 1):
            if made >= count:
                break
            state = rng.choices(states, weights=state_weights)[0]
            yield _nudge_row(rng, nid, person, rule, subject, step, state, due + timedelta(days=5 * (step - 1)),
                             message_id, json.dumps({"assessment": serial}))
            nid, message_id, made = nid + 1, message_id + 1, made + 1


def _nudge_row(rng, nid, person, rule, subject, step, state, due, message_id, payload) -> tuple:
    sent = state == "sent"
    sent_at = due + timedelta(seconds=rng.uniform(1, 900)) if sent else None
    answer = rng.choice(ANSWERS) if sent and rng.random() < 0.33 else None
    reason = rng.choice(REASONS[state]) if state in REASONS else None
    variant = "control" if reason == "control group" else rng.choice(("a", "a", "b"))
    return (nid, person, rule, subject, step, variant, outbox.key_of(rule, subject, step), payload, due, state,
            1, "bench:1",
            sent_at, message_id if sent else None, answer,
            sent_at + timedelta(minutes=rng.uniform(1, 600)) if answer else None, reason,
            due - timedelta(days=rng.uniform(1, 10)))


# --- measurements in the bench process --------------------------------------------------------------------------

def ms(values: list[float], q: float) -> float:
    return 1000 * percentile(sorted(values), q)


def baselines(store: Store) -> dict:
    counts = {"person": [], "nudge": []}
    for _ in range(BASELINE_REPEATS):
        with store.session() as session:
            session.connection()
            for name, model in (("person", Person), ("nudge", Nudge)):
                started = time.perf_counter()
                session.exec(select(func.count()).select_from(model)).one()
                counts[name].append(time.perf_counter() - started)
    with store.session() as session:
        high = session.exec(select(func.max(Nudge.id))).one()
    rng = random.Random(SEED + 2)
    gets = []
    with store.session() as session:
        session.connection()
        for _ in range(GET_SAMPLES):
            session.expunge_all()
            wanted = rng.randrange(1, high + 1)
            started = time.perf_counter()
            session.get(Nudge, wanted)
            gets.append(time.perf_counter() - started)
    return {"count_person_ms": round(1000 * statistics.median(counts["person"]), 2),
            "count_nudge_ms": round(1000 * statistics.median(counts["nudge"]), 2),
            "get_nudge_p50_ms": round(ms(gets, 50), 3)}


def planning(store: Store, config, now: datetime, *, keep: bool) -> dict:
    """One `plan_due` as the reminder service runs it; rolled back unless `keep`."""
    statements = Statements()
    statements.attach(store)
    try:
        with Session(store.engine, expire_on_commit=False) as session:
            session.connection()  # BEGIN (IMMEDIATE on SQLite) outside the timing
            started = time.perf_counter()
            planned = planner.plan_due(session, now=now, config=config.reminders, tz=config.tz)
            seconds = time.perf_counter() - started
            if keep:
                session.commit()
            else:
                session.rollback()
    finally:
        statements.detach(store)
    return {"seconds": round(seconds, 3), "planned": planned.total, "by_rule": dict(planned.by_rule),
            "statements": dict(statements.count), "statement_line": statements.line()}


def planning_sources(store: Store, config, now: datetime) -> dict:
    """Each rule's task source alone: (tasks found, seconds)."""
    found = {}
    with Session(store.engine) as session:
        session.connection()
        for key, (source, _before) in planner.SOURCES.items():
            rule = config.reminders.rules.get(key)
            if rule is None or not rule.enabled:
                continue
            started = time.perf_counter()
            tasks = sum(1 for _ in source(session, now, config.tz, rule))
            found[key] = {"tasks": tasks, "seconds": round(time.perf_counter() - started, 3)}
        session.rollback()
    return found


def claiming(store: Store, now: datetime) -> dict:
    seconds, claimed = [], 0
    for _ in range(CLAIM_RUNS):
        with Session(store.engine) as session:
            session.connection()
            started = time.perf_counter()
            rows = outbox.claim(session, worker="bench", now=now, lease=timedelta(seconds=120), limit=CLAIM_BATCH)
            seconds.append(time.perf_counter() - started)
            claimed = len(rows)
            session.rollback()
    with store.session() as session:
        due = session.exec(select(func.count()).select_from(Nudge).where(
            Nudge.state == "planned", Nudge.due_at <= now)).one()
    return {"p50_ms": round(ms(seconds, 50), 2), "max_ms": round(1000 * max(seconds), 2), "claimed": claimed,
            "due": due}


def team_summary(store: Store, config, big: dict) -> dict:
    times, member_times = [], []
    found = None
    for _ in range(SUMMARY_RUNS):
        with store.session() as session:
            session.connection()
            started = time.perf_counter()
            scopes = teams.scopes_managed(session, person_id=big["manager_person_id"])
            found = teams.summary(session, scopes=scopes, min_group=config.min_group_size, now=utcnow())
            times.append(time.perf_counter() - started)
        with store.session() as session:
            session.connection()
            started = time.perf_counter()
            members = teams.members(session, scopes=scopes)
            member_times.append(time.perf_counter() - started)
    figures = {"members": found.members, "assessed": found.assessed, "signups_in_progress": found.signups_in_progress,
               "courses_completed": found.courses_completed,
               "areas_shown": sum(1 for f in found.areas if f.level is not None)}
    expected = {k: big[k] for k in ("members", "assessed", "signups_in_progress", "courses_completed")}
    matches = all(figures[k] == v or (figures[k] is None and 0 < v < config.min_group_size)
                  for k, v in expected.items())
    return {"p50_ms": round(ms(times, 50), 1), "p95_ms": round(ms(times, 95), 1), "max_ms": round(1000 * max(times), 1),
            "members_p50_ms": round(ms(member_times, 50), 1), "members_read": len(members),
            "figures": figures, "expected": expected, "matches": matches, "scopes": [s.key for s in scopes]}


def searching(store: Store, queries: list, today: date) -> dict:
    timings, gets = course_search.measure(store, queries, today)
    values = [t.seconds for t in timings]
    return {"p50_ms": round(ms(values, 50), 2), "p95_ms": round(ms(values, 95), 2),
            "max_ms": round(1000 * max(values), 2), "baseline_get_p50_ms": round(ms(gets, 50), 3),
            "queries": len(values), "with_results": sum(1 for t in timings if t.total > 0),
            "budget_ms": course_search.BUDGET_P95_MS}


# --- the bot process --------------------------------------------------------------------------------------------

class Phone:
    """One person's side of the chat, through the local Bot API's client side."""

    def __init__(self, client: SyncLocalApiClient, user: dict):
        self.client, self.user, self.id = client, user, user["id"]

    def bot_messages(self) -> list[dict]:
        return [m for m in self.client.messages(self.id) if m.get("from", {}).get("is_bot")]

    def ask(self, text: str, *, photo: bool = False, timeout: float = STEP_TIMEOUT) -> tuple[float, list[dict]]:
        """Send `text`; wait until a new bot message with buttons is on screen (every reply here ends with one),
        after a photo when one is expected (a chart comes before the text that goes with it)."""
        before = len(self.bot_messages())
        started = time.perf_counter()
        self.client.send_text(self.user, text)
        deadline = started + timeout
        while time.perf_counter() < deadline:
            new = self.bot_messages()[before:]
            pictured = next((i for i, m in enumerate(new) if m.get("photo")), None) if photo else -1
            if pictured is not None and any((m.get("reply_markup") or {}).get("inline_keyboard")
                                            for m in new[pictured + 1:]):
                return time.perf_counter() - started, new
            time.sleep(0.01)
        raise TimeoutError(f"no answer to {text!r} from the bot within {timeout:.0f} s")


def bot_config(tmp: Path) -> Path:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["reminders"]["window"] = {"days": "mon-sun", "start": "00:00", "end": "23:59", "skip_holidays": False}
    config["nlu"]["enabled"] = False
    path = tmp / "bench-config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def run_bot(url: str, tmp: Path, label: str, *, first: dict, users: list[dict], workers: list[dict],
            manager: dict | None, team_name: str | None, wait_planning: bool) -> dict:
    """Start `kompis run` against the store at `url`; see the module docstring for what is measured."""
    api = ThreadedLocalBotApi(Limits.unlimited()).start()
    client = SyncLocalApiClient(api.api.root_url, TOKEN)
    log_path = tmp / f"bot-{label}.log"
    result: dict = {}
    process = None
    try:
        for start in range(0, len(users), 5000):  # their chats exist on "Telegram": the bot may write to them
            client.known_users(users[start:start + 5000])
        env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET", "RASA_URL")}
        env.update(DATABASE_URL=url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url,
                   KOMPIS_CONFIG=str(bot_config(tmp)))
        phone = Phone(client, first)
        client.send_text(first, "/start")  # waiting in the Bot API when the process starts
        with open(log_path, "w") as log:
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-nlu"], cwd=ROOT, env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
        polled = None
        while True:
            now = time.perf_counter()
            if polled is None and client.stats()["requests"].get("getUpdates"):
                polled = now - started
            if any((m.get("reply_markup") or {}).get("inline_keyboard") for m in phone.bot_messages()):
                result["answered_s"] = round(now - started, 2)
                break
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            if now - started > FIRST_ANSWER_TIMEOUT:
                raise TimeoutError(f"no answer to the first /start within {FIRST_ANSWER_TIMEOUT:.0f} s")
            time.sleep(0.01)
        result["polled_s"] = round(polled, 2) if polled is not None else None
        result["after_start"] = memory(process.pid)
        if wait_planning:
            deadline = time.perf_counter() + FIRST_ANSWER_TIMEOUT
            while time.perf_counter() < deadline:
                text = log_path.read_text(errors="replace")
                if "bot.reminders.service: planned " in text or "reminder round failed" in text:
                    break
                time.sleep(0.05)
            text = log_path.read_text(errors="replace")
            result["planning_logged_s"] = round(time.perf_counter() - started, 1)
            result["planning_log"] = next((line.split(": ", 1)[1] for line in text.splitlines()
                                           if "bot.reminders.service: planned " in line), None)
            result["after_planning"] = memory(process.pid)
        if workers:
            worked = time.perf_counter()

            def use(user: dict) -> tuple[float, float, int]:
                with SyncLocalApiClient(api.api.root_url, TOKEN) as own:
                    person = Phone(own, user)
                    menu, _ = person.ask("/start")
                    results, new = person.ask("/results", photo=True)
                    return menu, results, sum(1 for m in new if m.get("photo"))

            with ThreadPoolExecutor(WORK_PHONES) as pool:
                used = list(pool.map(use, workers))
            result["work"] = {"users": len(used), "seconds": round(time.perf_counter() - worked, 1),
                              "start_p50_ms": round(ms([u[0] for u in used], 50), 1),
                              "results_p50_ms": round(ms([u[1] for u in used], 50), 1),
                              "charts": sum(u[2] for u in used)}
        if manager is not None:
            boss = Phone(client, manager)
            seconds, new = boss.ask("/team", photo=True)
            text = "\n".join(m.get("text") or "" for m in new)
            result["team"] = {"seconds": round(seconds, 2), "chart": any(m.get("photo") for m in new),
                              "names_organisation": bool(team_name and team_name in text)}
        result["after_work"] = memory(process.pid)
        if wait_planning:  # let the reminder rounds send what is due, as the bot does between updates
            drained = time.perf_counter()
            last, still = -1, time.perf_counter()
            while time.perf_counter() - drained < DRAIN_TIMEOUT:
                sent = client.stats().get("messages_sent", 0)
                if sent != last:
                    last, still = sent, time.perf_counter()
                elif time.perf_counter() - still > 20:  # a round found nothing more (the service waits 15 s)
                    break
                time.sleep(0.5)
            text = log_path.read_text(errors="replace")
            rounds = [line for line in text.splitlines() if "bot.reminders.service: reminders: " in line]
            result["reminders_sent"] = sum(int(line.split("reminders: ", 1)[1].split(" sent", 1)[0]) for line in rounds)
            result["drain_s"] = round(time.perf_counter() - drained, 1)
        result["at_end"] = memory(process.pid)
        text = log_path.read_text(errors="replace")
        result["errors_logged"] = sum(1 for line in text.splitlines() if " ERROR " in line or " WARNING " in line)
        result["log_tail"] = [line for line in text.splitlines() if " ERROR " in line or " WARNING " in line][:5]
        result["messages_sent"] = client.stats().get("messages_sent", 0)
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        client.close()
        api.stop()
    return result


# --- one engine --------------------------------------------------------------------------------------------------

def run_engine(name: str, url: str, empty_url: str, args, tmp: Path, queries: list, now: datetime) -> dict:
    config = load_config(env={})
    today = now.astimezone(config.tz).date()
    store = Store(url)
    out: dict = {"engine": name}
    try:
        migrate.upgrade(store)
        print(f"{name}: seeding {args.people} people, {args.occasions} occasions, {args.outbox} outbox rows ...",
              flush=True)
        started = time.perf_counter()
        seeded = seed(store, people=args.people, occasions=args.occasions, outbox_rows=args.outbox, now=now,
                      config=config, queries=queries)
        out["seed_seconds"] = round(time.perf_counter() - started, 1)
        out["seed_phases"] = seeded.seconds
        out["counts"] = seeded.counts
        out["search_catalog_only"] = seeded.search_catalog_only
        out["big"] = {k: v for k, v in seeded.big.items() if k != "manager_user"}
        if store.engine.dialect.name == "sqlite":
            out["database_mb"] = round(Path(store.engine.url.database).stat().st_size / 2 ** 20)
        else:
            with store.engine.connect() as connection:
                out["database_mb"] = round(connection.execute(sql("SELECT pg_database_size(current_database())"))
                                           .scalar() / 2 ** 20)
        print(f"{name}: seeded in {out['seed_seconds']:.0f} s ({out['database_mb']} MB); measuring ...", flush=True)
        out["baseline"] = baselines(store)
        out["sources"] = planning_sources(store, config, now)
        out["planning_new"] = planning(store, config, now, keep=False)
        print(f"{name}: planning {out['planning_new']['seconds']:.2f} s; claim, summary, search ...", flush=True)
        out["claim"] = claiming(store, now)
        out["team"] = team_summary(store, config, seeded.big)
        out["search"] = searching(store, queries, today)
        print(f"{name}: search p95 {out['search']['p95_ms']:.1f} ms; the bot process, empty store first ...",
              flush=True)
        empty = Store(empty_url)
        try:
            migrate.upgrade(empty)
        finally:
            empty.dispose()
        newcomer = {"id": 999_000_001, "first_name": "Ny", "is_bot": False, "language_code": "sv"}
        out["bot_empty"] = run_bot(empty_url, tmp, f"{name}-empty", first=newcomer, users=[], workers=[],
                                   manager=None, team_name=None, wait_planning=False)
        print(f"{name}: empty store answered in {out['bot_empty']['answered_s']:.1f} s; now the full store ...",
              flush=True)
        out["bot"] = run_bot(url, tmp, name, first=seeded.big["manager_user"], users=seeded.users,
                             workers=seeded.workers, manager=seeded.big["manager_user"], team_name=BIG_NAME,
                             wait_planning=out["planning_new"]["planned"] > 0)
        print(f"{name}: bot answered in {out['bot']['answered_s']:.1f} s, peak {out['bot']['at_end']['hwm_mb']} MB; "
              f"steady-state planning ...", flush=True)
        out["planning_steady"] = planning(store, config, utcnow(), keep=True)
    finally:
        store.dispose()
    return out


# --- report -------------------------------------------------------------------------------------------------------

def checks(run: dict) -> list[tuple[str, str, bool]]:
    bot = run["bot"]
    peak = max(bot["at_end"]["hwm_mb"], bot["after_work"]["hwm_mb"])
    drawing = max(bot["at_end"].get("drawing_hwm_mb", 0.0), bot["after_work"].get("drawing_hwm_mb", 0.0))
    out = [
        (f"bot process peak resident memory (VmHWM), with its drawing process's, < {RSS_GOAL_MB:g} MB (the issue's "
         f"goal)", f"{peak:.0f} + {drawing:.0f} = {peak + drawing:.0f} MB", peak + drawing < RSS_GOAL_MB),
        (f"course search p95 <= {course_search.BUDGET_P95_MS:g} ms (bench/course_search.py's budget)",
         f"{run['search']['p95_ms']:.1f} ms", run["search"]["p95_ms"] <= course_search.BUDGET_P95_MS),
        ("team summary shows the seeded organisation's figures", json.dumps(run["team"]["figures"]),
         run["team"]["matches"]),
        (f"the bot answered /start, the {WORK_USERS} users, and the manager's /team with its chart",
         f"{bot.get('work', {}).get('users', 0)} users, team {bot.get('team', {}).get('seconds')} s",
         bot.get("work", {}).get("users") == bot.get("work", {}).get("charts") == WORK_USERS
         and bool(bot.get("team", {}).get("chart")) and bot.get("team", {}).get("names_organisation", False)),
    ]
    if run["engine"] == "SQLite":
        limit = SQLITE_BUSY_TIMEOUT_MS / 1000
        worst = max(run["planning_new"]["seconds"], run["planning_steady"]["seconds"])
        out.append((f"a planning round holds SQLite's write lock < its busy timeout ({limit:g} s)", f"{worst:.1f} s",
                    worst < limit))
    return out


def engine_lines(run: dict) -> list[str]:
    c, b, bot, empty = run["counts"], run["baseline"], run["bot"], run["bot_empty"]
    new, steady, team, search, claim = (run["planning_new"], run["planning_steady"], run["team"], run["search"],
                                        run["claim"])
    rows = [
        ("baseline: SELECT count(*) FROM person", f"{b['count_person_ms']:.1f} ms"),
        ("baseline: SELECT count(*) FROM nudge (full pass over the outbox)", f"{b['count_nudge_ms']:.1f} ms"),
        ("baseline: session.get(Nudge, id) p50", f"{b['get_nudge_p50_ms']:.3f} ms"),
        (f"plan_due, {100 // NEW_EVERY} % of tasks new (rolled back)",
         f"{new['seconds']:.2f} s, {new['planned']} rows planned"),
        ("  its statements", new["statement_line"]),
        ("plan_due, steady state (all planned), after the bot ran",
         f"{steady['seconds']:.2f} s, {steady['planned']} rows"),
        ("  plan_due (steady) / count(*) of nudge",
         f"x{1000 * steady['seconds'] / max(b['count_nudge_ms'], 1e-3):.0f}"),
    ]
    rows += [(f"  tasks of {key}", f"{v['tasks']} in {v['seconds']:.2f} s") for key, v in run["sources"].items()]
    rows += [
        (f"outbox.claim(limit={CLAIM_BATCH}), rolled back, p50 / max of {CLAIM_RUNS}",
         f"{claim['p50_ms']:.1f} / {claim['max_ms']:.1f} ms ({claim['claimed']} of {claim['due']} due)"),
        (f"team summary of {run['big']['name']} ({team['figures']['members']} members), p50 / p95 / max",
         f"{team['p50_ms']:.0f} / {team['p95_ms']:.0f} / {team['max_ms']:.0f} ms"),
        ("  baseline: reading its members (teams.members) p50", f"{team['members_p50_ms']:.0f} ms"),
        ("  summary / members p50", f"x{team['p50_ms'] / max(team['members_p50_ms'], 1e-3):.1f}"),
        (f"course search, {search['queries']} queries, p50 / p95 / max",
         f"{search['p50_ms']:.1f} / {search['p95_ms']:.1f} / {search['max_ms']:.1f} ms"),
        ("  baseline: session.get(CourseEvent, id) p50", f"{search['baseline_get_p50_ms']:.3f} ms"),
        ("  baseline: the same searches on the catalog alone (before the rest was seeded), p50 / p95",
         f"{run['search_catalog_only']['p50_ms']:.1f} / {run['search_catalog_only']['p95_ms']:.1f} ms"),
        ("bot start-up, empty store: polls / answers /start", f"{empty['polled_s']} s / {empty['answered_s']} s"),
        ("bot start-up, this store: polls / answers /start", f"{bot['polled_s']} s / {bot['answered_s']} s"),
        ("bot memory, empty store, after start-up (VmRSS / VmHWM)", _mem(empty["after_start"])),
        ("bot memory, this store, after start-up", _mem(bot["after_start"])),
    ]
    if "after_planning" in bot:
        rows.append(("bot: its first planning round logged at", f"{bot['planning_logged_s']} s: {bot['planning_log']}"))
        rows.append(("bot memory after its first planning round", _mem(bot["after_planning"])))
    work = bot.get("work", {})
    rows += [
        ((f"bot work: {work.get('users')} users /start + /results ({work.get('charts')} charts), "
          f"{WORK_PHONES} at a time"),
         (f"{work.get('seconds')} s; p50 /start {work.get('start_p50_ms')} ms, /results "
          f"{work.get('results_p50_ms')} ms")),
        ("bot: the manager's /team, until the summary is on screen", f"{bot.get('team', {}).get('seconds')} s"),
        ("bot memory after the work", _mem(bot["after_work"])),
        (f"bot memory at the end (reminders sent {bot.get('reminders_sent')}, waited {bot.get('drain_s')} s)",
         _mem(bot["at_end"])),
        ("bot: warnings and errors logged", str(bot["errors_logged"])),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [
        f"== {run['engine']}" + (f" ({run['server']})" if run.get("server") else ""),
        (f"data: {c['people']} people in {c['organisations']} organisations ({c['teams']} teams, {c['memberships']} "
         f"memberships), {c['people with a completed assessment']} with a completed assessment "
         f"({c['assessments']} assessments, {c['area results']} area results, {c['unfinished assessments']} "
         f"unfinished), {c['sign-ups']} sign-ups, {c['occasions']} occasions, {c['outbox']} outbox rows "
         f"{c['outbox by state']} ({c['outbox due now']} due now, {c['broadcasts']} past broadcasts)"),
        f"seeded in {run['seed_seconds']:.0f} s {run['seed_phases']}; database {run['database_mb']} MB",
        "",
    ]
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    if bot.get("log_tail"):
        lines += ["bot log (first warnings):"] + [f"  {line[:200]}" for line in bot["log_tail"]]
    return lines


def _mem(m: dict) -> str:
    return (f"{m['rss_mb']:.0f} / {m['hwm_mb']:.0f} MB, drawing process "
            f"{m.get('drawing_rss_mb', 0):.0f} / {m.get('drawing_hwm_mb', 0):.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in the store (100000)")
    parser.add_argument("--occasions", type=int, default=20_000, help="course occasions (20000)")
    parser.add_argument("--outbox", type=int, default=1_000_000, help="outbox rows when measured (1000000)")
    parser.add_argument("--queries", type=int, default=300, help="timed course searches per engine (300)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--json", type=Path, help="write all figures to this file as JSON")
    args = parser.parse_args(argv)
    engines = {e.strip().lower() for e in args.engines.split(",") if e.strip()}
    m = machine()
    now = utcnow()
    queries = course_search.query_mix(args.queries)
    runs, notes = [], []
    with tempfile.TemporaryDirectory(prefix="kompis-scale-") as tmp_name:
        tmp = Path(tmp_name)
        if "sqlite" in engines:
            import sqlite3

            run = run_engine("SQLite", f"sqlite:///{tmp / 'scale.db'}", f"sqlite:///{tmp / 'empty.db'}", args, tmp,
                             queries, now)
            run["server"] = f"SQLite {sqlite3.sqlite_version}"
            runs.append(run)
            for leftover in tmp.glob("*.db*"):
                leftover.unlink()
        if "postgresql" in engines:
            if find_binaries() is None:
                notes.append("PostgreSQL skipped: no binaries (initdb, pg_ctl, postgres) on this machine")
            else:
                server = PostgresServer.start()
                try:
                    probe = Store(server.url)
                    with probe.engine.connect() as connection:
                        version = connection.execute(sql("SHOW server_version")).scalar()
                    probe.dispose()
                    run = run_engine("PostgreSQL", server.create_database("scale"), server.create_database("empty"),
                                     args, tmp, queries, utcnow())
                    run["server"] = f"PostgreSQL {version}, fsync off as in the tests"
                    runs.append(run)
                finally:
                    server.stop()

    print(f"\nThe store at scale, {date.today().isoformat()}: {args.people} people, {args.occasions} occasions, "
          f"{args.outbox} outbox rows, {args.queries} searches")
    print(f"machine: {machine_line(m)}; load average at start {', '.join(f'{x:.2f}' for x in m['load_average'])}")
    for note in notes:
        print(note)
    failed = False
    for run in runs:
        print()
        print("\n".join(engine_lines(run)))
        print()
        for label, value, ok in checks(run):
            failed |= not ok
            print(f"{'PASS' if ok else 'FAIL'}  {label}: {value}")
        run["checks"] = [{"check": label, "value": value, "pass": ok} for label, value, ok in checks(run)]
    if args.json:
        args.json.write_text(json.dumps({"date": date.today().isoformat(), "machine": m, "parameters": vars(args) | {
            "json": str(args.json)}, "notes": notes, "engines": runs}, indent=2, default=str), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
