"""The statements the bot's turns run are compiled once, then found in SQLAlchemy's cache.

SQLAlchemy compiles a statement it has no cache key for on every execution; a dialect's ON CONFLICT insert has none
(SQLAlchemy 2.0), and with it the turn's first read on PostgreSQL, into which the claim is folded, was compiled
anew for every update (1.5 ms of CPU each). `bot/store/db.py` keeps those inserts as textual statements. This test
drives the real bot through onboarding and a self-assessment on both databases and watches every statement.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from tests.auxil.conversation import RunningBot
from tests.conftest import make_config
from tests.dialogues.test_assessment import QUESTIONS, answer, start_full


def test_every_statement_of_a_turn_is_compiled_once(store):
    seen: list[tuple[CacheStats, str]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if context is not None and context.compiled is not None:  # a textual driver call has nothing to cache
            seen.append((context.cache_hit, statement))

    bot = RunningBot(make_config(store.url), store).start()
    event.listen(store.engine, "after_cursor_execute", note)
    try:
        anna = bot.onboarded_user("sv")
        start_full(bot, anna)
        answer(bot, anna, "sv", QUESTIONS[:3], [1, 2, 3])  # every kind of statement an answer runs, once
        anna.shows(bot.text("sv", QUESTIONS[3].text))
        warm = len(seen)
        answer(bot, anna, "sv", QUESTIONS[3:8], [2, 3, 4, 1, 2])
        anna.shows(bot.text("sv", QUESTIONS[8].text))
    finally:
        event.remove(store.engine, "after_cursor_execute", note)
        bot.stop()
    assert warm > 20 and len(seen) - warm >= 5 * 3, seen  # onboarding and the answers ran through this engine
    uncached = [statement for hit, statement in seen if hit == CacheStats.NO_CACHE_KEY]
    assert uncached == [], uncached  # e.g. an ON CONFLICT insert built with the dialect's insert()
    compiled_again = [statement for hit, statement in seen[warm:] if hit != CacheStats.CACHE_HIT]
    assert compiled_again == [], compiled_again  # five more answers: nothing new to compile
