"""The database failing under a running bot: PostgreSQL restarted (operator's fast shutdown, or an immediate one
as in a crash) mid-conversation and mid-broadcast, and SQLite held by another writer shorter and longer than its
busy timeout. Afterwards nothing is lost, nothing is sent twice, and every conversation goes on where it was.

Every piece is real: the bot (PTB application, TurnRunner, reminder service) against the project's local Bot
API, a PostgreSQL server of these tests' own that is stopped and started again on the same data and port
(tests/auxil/pg_restart.py), `kompis worker` as an operating-system process, and a second SQLite connection
holding `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import time
from datetime import time as clock

import pytest
from sqlmodel import select

from bot.competence import framework
from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from bot.reminders import service
from bot.reminders.policy import EVERY_DAY, Window
from bot.store import assessments, migrate, people
from bot.store import db as store_db
from bot.store.db import Store
from bot.store.models import Assessment, ProcessedUpdate, Role
from tests.auxil import conversation
from tests.auxil.broadcasting import (broadcast_in_store, employees, final_report, offers_per_recipient, row_states,
                                      send_offer, tally, the_broadcast)
from tests.auxil.conversation import Chatter, RunningBot
from tests.auxil.pg_restart import RestartablePostgres
from tests.auxil.postgres import find_binaries
from tests.auxil.processes import TOKEN, config_file, environment, kompis_worker, wait_until
from tests.auxil.workplaces import invite
from tests.conftest import make_config

QUESTIONS = framework.current().questions(framework.current().area_keys)
SORRY = "Sorry, something went wrong on my side. Please try again, or write /menu."  # on_error's one sentence
N = 200  # recipients of a broadcast


# -- fixtures --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg():
    """A PostgreSQL server of this module's own: these tests stop it, so it is nobody else's."""
    if find_binaries() is None:
        reason = "no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    server = RestartablePostgres.start()
    yield server
    server.stop()


@pytest.fixture
def pg_store(pg):
    if not pg.accepts():  # a test that failed while the server was down
        pg.up()
    store = Store(pg.create_database())
    migrate.upgrade(store)
    yield store
    store.dispose()


def with_reminders(config, *, per_second: float = 20):
    """Reminders on, the sending window open at any hour, a 10 s lease (rows of a failed round come back soon)."""
    always = Window(EVERY_DAY, clock(0), clock(23, 59), skip_holidays=False)
    return dataclasses.replace(config, reminders=dataclasses.replace(
        config.reminders, enabled=True, window=always, per_second=per_second, lease_seconds=10))


# -- the conversation ------------------------------------------------------------------------------------------

def level(bot: RunningBot, value: int) -> str:
    return bot.text("sv", "{number} {name}", number=value, name=bot.text("sv", framework.current().level(value).name))


def mid_assessment(bot: RunningBot, answered: int = 3) -> Chatter:
    """Anna, onboarded, has answered the first `answered` statements and sees the next one."""
    anna = bot.onboarded_user("sv", invite=invite(bot.store))
    anna.presses(bot.text("sv", "Check my skills"))
    anna.presses(bot.text("sv", "Operator"))
    anna.presses(bot.text("sv", "All areas"))
    for n in range(answered):
        anna.sees(f"{n + 1} / 34")
        anna.presses(level(bot, 2))
    anna.sees(f"{answered + 1} / 34")
    return anna


def press(chatter: Chatter, label: str) -> int:
    """Press the newest button with this label, as `Chatter.presses` does; returns the update's id."""
    for message in reversed(chatter.client.messages(chatter.id)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"]:
                    sent = chatter.client.press(chatter.user, message["message_id"], button["callback_data"])
                    return sent["update_id"]
    raise AssertionError(f"no button {label!r}:\n{chatter.transcript()}")


def stored_answers(store: Store, user_id: int) -> tuple[int, dict]:
    with store.session() as session:
        person = people.person_by_user(session, telegram_user_id=user_id)
        assessment = session.exec(select(Assessment).where(Assessment.person_id == person.id)).one()
        return assessment.position, assessments.answers(session, assessment=assessment)


def claimed(store: Store, update_id: int) -> bool:
    with store.session() as session:
        return session.get(ProcessedUpdate, update_id) is not None


def no_traceback(chatter: Chatter) -> None:
    for message in chatter.client.messages(chatter.id):
        text = message.get("text") or message.get("caption") or ""
        assert "Traceback" not in text and "Error" not in text and "psycopg" not in text, text


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restarted_mid_assessment_the_conversation_continues_where_it_was(pg, pg_store, mode):
    """PostgreSQL goes down (fast: an operator's restart; immediate: as in a crash) while Anna is at statement
    4 of her assessment, and comes back on the same data.

    Afterwards: her press while it was down got one friendly sentence (on_error's, in Swedish, no traceback)
    and changed nothing: the turn's transaction was rolled back, so her assessment is still at statement 4
    with 3 answers, and the update was not claimed (a redelivery would be handled, not dropped as a repeat).
    Once the database is back, the same button on the same message records the answer to statement 4 and
    moves on to 5, and the next one to 6: the pool's dead connections were replaced (pool_pre_ping, and the
    TurnRunner's retry on OperationalError), no answer is lost or recorded twice."""
    bot = RunningBot(make_config(pg_store.url), pg_store).start()
    try:
        anna = mid_assessment(bot)
        assert stored_answers(pg_store, anna.id) == (3, {q.key: 2 for q in QUESTIONS[:3]})
        with pg.stopped(mode):
            lost = press(anna, level(bot, 4))  # the answer to statement 4, while the database is down
            anna.sees(bot.text("sv", SORRY))
        assert stored_answers(pg_store, anna.id) == (3, {q.key: 2 for q in QUESTIONS[:3]})  # nothing half-done
        assert not claimed(pg_store, lost)
        question = next(m for m in reversed(bot.client.messages(anna.id)) if m.get("reply_markup"))
        assert "4 / 34" in question["text"]  # the screen still asks statement 4
        anna.presses(level(bot, 4))  # she tries again, as she was told
        anna.sees("5 / 34")
        anna.presses(level(bot, 1))
        anna.sees("6 / 34")
        position, given = stored_answers(pg_store, anna.id)
        assert position == 5
        assert given == {**{q.key: 2 for q in QUESTIONS[:3]}, QUESTIONS[3].key: 4, QUESTIONS[4].key: 1}
        bot_messages = [m for m in bot.client.messages(anna.id) if m.get("from", {}).get("is_bot")]
        assert sum(1 for m in bot_messages if m.get("text") == bot.text("sv", SORRY)) == 1
        no_traceback(anna)
    finally:
        bot.stop()


# -- a broadcast -----------------------------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_postgres_restarted_mid_broadcast_every_recipient_gets_the_offer_once_and_the_report_is_complete(
        pg, pg_store, monkeypatch):
    """A coordinator's offer to 200 people is being sent by the bot process's reminder service; PostgreSQL stops
    (immediate, as in a crash) while the send to recipient 81 is on its way to the Bot API, stays down a few
    seconds and comes back on the same data.

    Afterwards: every one of the 200 has the offer exactly once, every outbox row is `sent` (the send that was
    in flight is recorded once the database is back: the message did go out, so it is neither lost from the
    tally nor sent again), and the coordinator's progress message ends as the final report "200 recipients,
    delivered 200, failed 0". The service got over the outage by itself."""
    monkeypatch.setattr(service, "POLL_EVERY", 0.2)
    config = with_reminders(make_config(pg_store.url))
    bot = RunningBot(config, pg_store).start()
    try:
        chef = bot.onboarded_user("sv", invite=invite(pg_store, "Bruket AB", Role.coordinator))
        chats = employees(pg_store, bot.client, first=810_000, count=N)
        in_flight = chats[80]
        bot.client.fault(method="sendMessage", chat_id=in_flight, status=None, delay=2.5)  # slow, < PTB's 5 s
        send_offer(chef, bot.i18n, expected=N)
        wait_until(lambda: bot.client.stats()["injected_faults"] >= 1, timeout=120, every=0.05,
                   what="the send to recipient 81 on its way")
        with pg.stopped("immediate"):
            time.sleep(4)  # the Bot API answers meanwhile; the worker cannot record it yet
        broadcast = the_broadcast(pg_store)
        wait_until(lambda: the_broadcast(pg_store, broadcast.id).state == "done", timeout=180,
                   what="the broadcast finished")
        per_recipient = offers_per_recipient(bot.client, chats)
        assert set(per_recipient.values()) == {1}, {c: n for c, n in per_recipient.items() if n != 1}
        assert set(row_states(pg_store, broadcast.id).values()) == {"sent"}
        figures = tally(pg_store, broadcast.id)
        assert (figures.total, figures.sent, figures.failed, figures.waiting) == (N, N, 0, 0)
        assert chef.shows(final_report(bot.i18n, figures)) == final_report(bot.i18n, figures)
        assert broadcast.progress_message_id == bot.client.messages(chef.id)[-1]["message_id"]  # edited in place
    finally:
        bot.stop()


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_postgres_restarted_under_a_worker_process_it_recovers_by_itself(pg, pg_store, tmp_path):
    """`kompis worker` (an OS process, serving, not --until-idle) is sending a broadcast to 200 people when
    PostgreSQL stops at an arbitrary moment (immediate), stays down 3 s and comes back.

    Afterwards: the same worker process is still running and finished the broadcast by itself (a failed round
    is logged and tried again; rows of a round cut short come back when their lease ends). Nobody got the offer
    twice; every row is `sent` and its recipient has it exactly once — except at most one row left `sending`
    when the outage hit between committing `sending` and hearing back (the at-most-once rule: not known to have
    arrived, never sent again, counted as failed); the count of such rows is reported."""
    api = ThreadedLocalBotApi(Limits.unlimited()).start()
    client = SyncLocalApiClient(api.api.root_url, TOKEN)
    worker = None
    try:
        chats = employees(pg_store, client, first=820_000, count=N)
        broadcast_id = broadcast_in_store(pg_store, coordinator_user=829_999)
        env = environment(database_url=pg_store.url, base_url=api.base_url, config=config_file(tmp_path))
        worker = kompis_worker(env, tmp_path / "worker.log", "w-restart")
        wait_until(lambda: client.stats()["messages_sent"] >= 60, timeout=120, what="60 offers sent",
                   process=worker)
        with pg.stopped("immediate"):
            time.sleep(3)
        wait_until(lambda: tally(pg_store, broadcast_id).waiting == 0, timeout=180, every=1.0,
                   what="every row settled", process=worker)
        assert worker.alive()  # it got over the outage by itself
        states = row_states(pg_store, broadcast_id)
        per_recipient = offers_per_recipient(client, chats)
        unsure = [chat for chat, state in states.items() if state == "sending"]
        print(f"rows left `sending` by the outage (at most once, counted failed): {len(unsure)}")
        assert len(unsure) <= 1 and set(states.values()) <= {"sent", "sending"}
        assert max(per_recipient.values()) == 1  # nobody twice
        assert all(per_recipient[chat] == 1 for chat, state in states.items() if state == "sent")  # nobody lost
        figures = tally(pg_store, broadcast_id)
        assert (figures.sent, figures.failed) == (N - len(unsure), len(unsure))
    finally:
        if worker is not None:
            worker.stop()
        client.close()
        api.stop()


# -- SQLite held by another writer -----------------------------------------------------------------------------

class WriteLock:
    """Another program's write transaction on the same SQLite file (`BEGIN IMMEDIATE`: the write lock, held)."""

    def __init__(self, store: Store):
        self.path = store.engine.url.database
        self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)

    def __enter__(self) -> "WriteLock":
        self.connection.execute("BEGIN IMMEDIATE")
        self.taken = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        self.connection.execute("COMMIT")
        self.connection.close()

    def held(self) -> float:
        return time.monotonic() - self.taken


@pytest.mark.timeout(180)
@pytest.mark.parametrize("hold", [3.0, 13.0], ids=["shorter-than-busy-timeout", "longer-than-busy-timeout"])
def test_sqlite_locked_by_another_writer_the_turn_waits_and_succeeds(sqlite_store, monkeypatch, hold):
    """Another connection holds SQLite's write lock for 3 s (shorter than the 10 s busy timeout) or 13 s
    (longer) while Anna answers statement 4.

    Afterwards: her answer was neither lost nor refused: the turn waited (busy timeout) and, when the wait
    ran out, ran again (TurnRunner's retry) until the lock was released; she then sees statement 5, with no
    apology and no traceback; her answer is stored once, and the next press goes on from there."""
    assert hold < 5 * store_db.SQLITE_BUSY_TIMEOUT_MS / 1000  # within the turn's retries
    monkeypatch.setattr(conversation, "WAIT", 60.0)  # a reply may take as long as the lock is held
    bot = RunningBot(make_config(sqlite_store.url), sqlite_store).start()
    try:
        anna = mid_assessment(bot)
        with WriteLock(sqlite_store) as lock:
            press(anna, level(bot, 4))
            anna.sees_nothing_new(within=1.0)  # the turn is waiting for the lock
            time.sleep(max(0.0, hold - lock.held()))
        anna.sees("5 / 34")
        anna.presses(level(bot, 3))
        anna.sees("6 / 34")
        position, given = stored_answers(sqlite_store, anna.id)
        assert position == 5 and given[QUESTIONS[3].key] == 4 and given[QUESTIONS[4].key] == 3 and len(given) == 5
        assert not any(bot.text("sv", SORRY) == (m.get("text") or "") for m in bot.client.messages(anna.id))
        no_traceback(anna)
    finally:
        bot.stop()


@pytest.mark.timeout(180)
def test_sqlite_locked_longer_than_the_turn_can_wait_gets_a_friendly_answer(tmp_path, monkeypatch):
    """Another connection holds SQLite's write lock longer than a turn waits in all (busy timeout × the
    TurnRunner's attempts; the busy timeout is cut to 1 s here so that is seconds, not the default's minute).

    Afterwards: Anna got one friendly sentence instead of an answer (no traceback, no silence), her press
    changed nothing (still statement 4, 3 answers, the update not claimed), and once the lock is gone the same
    button goes on to statement 5."""
    monkeypatch.setattr(store_db, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    monkeypatch.setattr(conversation, "WAIT", 60.0)
    store = Store(f"sqlite:///{tmp_path / 'kompis.db'}")
    migrate.upgrade(store)
    bot = RunningBot(make_config(store.url), store).start()
    try:
        anna = mid_assessment(bot)
        with WriteLock(store):
            lost = press(anna, level(bot, 4))
            anna.sees(bot.text("sv", SORRY))  # in Swedish from Telegram's language: the store could not say
        assert stored_answers(store, anna.id) == (3, {q.key: 2 for q in QUESTIONS[:3]})
        assert not claimed(store, lost)
        anna.presses(level(bot, 4))
        anna.sees("5 / 34")
        assert stored_answers(store, anna.id) == (4, {**{q.key: 2 for q in QUESTIONS[:3]}, QUESTIONS[3].key: 4})
        no_traceback(anna)
    finally:
        bot.stop()
        store.dispose()


@pytest.mark.timeout(240)
def test_sqlite_locked_while_the_reminder_service_sends_a_broadcast(sqlite_store, monkeypatch):
    """The bot process's reminder service is sending an offer to 40 people; another connection takes SQLite's
    write lock for 13 s (longer than the 10 s busy timeout) just as the send to recipient 11 is on its way.

    Afterwards: the service survived (it finished the broadcast by itself), every one of the 40 has the offer
    exactly once and every row is `sent`: the send that was in flight is recorded after the lock is gone,
    not left `sending` (which would count it as failed although it arrived)."""
    monkeypatch.setattr(service, "POLL_EVERY", 0.2)
    config = with_reminders(make_config(sqlite_store.url))
    bot = RunningBot(config, sqlite_store).start()
    try:
        chats = employees(sqlite_store, bot.client, first=830_000, count=40)
        bot.client.fault(method="sendMessage", chat_id=chats[10], status=None, delay=1.5)
        broadcast_id = broadcast_in_store(sqlite_store, coordinator_user=839_999)
        wait_until(lambda: bot.client.stats()["injected_faults"] >= 1, timeout=60, every=0.05,
                   what="the send to recipient 11 on its way")
        with WriteLock(sqlite_store) as lock:
            time.sleep(max(0.0, 13.0 - lock.held()))
        wait_until(lambda: tally(sqlite_store, broadcast_id).waiting == 0, timeout=120, every=0.5,
                   what="every row settled")
        assert set(row_states(sqlite_store, broadcast_id).values()) == {"sent"}
        assert set(offers_per_recipient(bot.client, chats).values()) == {1}
        figures = tally(sqlite_store, broadcast_id)
        assert (figures.sent, figures.failed) == (40, 0)
    finally:
        bot.stop()
